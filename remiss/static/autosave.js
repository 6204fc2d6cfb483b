/* The autosave machinery shared by the answer form (answer.js) and the online editor (editor.js).
 *
 * A form is split into parts: every field is named "<part>.<field>", every part has a hidden
 * "<part>.lock_version". RemissAutosave.start(form, options) saves each changed part a moment after
 * typing stops (POST form.dataset.autosaveUrl, JSON {fields}), and before the page changes. Typed text
 * is never lost:
 *   - every change is copied to localStorage first and removed only when the server has it;
 *   - 409 conflict: someone else saved the part first – both versions are shown and autosave of
 *     that part pauses until the user has merged them and says so;
 *   - 401 / 400 csrf: either the session is refreshed and the save retried (options.refreshSession),
 *     or autosave stops and the copy waits in localStorage for a reload;
 *   - network errors are retried.
 * All user-visible text comes from the server (form.dataset.messages), so it is translated with the rest.
 *
 * Options (all optional):
 *   storageKey        localStorage key when the form has no data-storage-key
 *   savedMessage      name of the message shown after a save when the server sends none
 *   stopStatuses      statuses that stop autosave (default [409])
 *   refuseStatuses    statuses that wait for the user's change (default [422])
 *   refreshSession    true: 401 / csrf refresh the session (form.dataset.sessionUrl) and retry
 *   clearAnyNotice    true: clearing a conflict empties the slot whatever it holds
 *   conflictHeading   function (conflict, auto) -> heading element of a conflict box
 *   conflictFocusable true: the conflict box gets tabIndex -1
 *   rememberWhenStopped true: changes are still copied to localStorage after autosave stopped
 *   onSaved           function (body): after a 200 or a conflict answer
 *   onChange          function (target): a field changed (before anything else is done)
 *   restore           function (key, fields): put a copy back into the part's fields
 *   retryOnFocus      true: retry at once when the tab becomes visible or gets the focus
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 1500;
  var RETRY_MS = 15000;

  function readMessages(form) {
    try {
      return JSON.parse(form.dataset.messages || "{}");
    } catch (error) {
      return {};
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function start(form, options) {
    options = options || {};
    var messages = readMessages(form);
    function msg(name, values) {
      var text = messages[name] || "";
      Object.keys(values || {}).forEach(function (key) {
        text = text.split("{" + key + "}").join(values[key]);
      });
      return text;
    }

    var stopStatuses = options.stopStatuses || [409];
    var refuseStatuses = options.refuseStatuses || [422];
    var statusLine = document.getElementById("save-status");
    var csrfInput = form.querySelector('input[name="csrf_token"]');
    var csrfToken = csrfInput ? csrfInput.value : "";
    var storageKey = form.dataset.storageKey || options.storageKey;
    var dirty = {};          // part key -> true: changed since the last save was sent
    var paused = {};         // part key -> lock_version of the other person's version, while a conflict waits
    var stopped = false;     // the server said no more changes (deadline, submitted, no longer a draft)
    var timer = null;
    var retryTimer = null;
    var inFlight = null;
    var submitting = false;

    function setStatus(text, kind, link) {
      if (!statusLine) {
        return;
      }
      statusLine.textContent = text;
      statusLine.className = "save-status" + (kind ? " save-status-" + kind : "");
      if (link) {
        statusLine.appendChild(document.createTextNode(" "));
        var a = document.createElement("a");
        a.href = link.href;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = link.text;
        statusLine.appendChild(a);
      }
    }

    function loginLink(body) {
      return { href: body.login_url || form.dataset.loginUrl, text: msg("login_link") };
    }

    // --- parts and their fields --------------------------------------------------------------

    function partOf(field) {
      var name = field && field.name ? field.name : "";
      var dot = name.indexOf(".");
      return dot > 0 ? name.slice(0, dot) : null;
    }

    function lockInput(key) {
      return form.querySelector('input[name="' + key + '.lock_version"]');
    }

    function elementsOf(key) {
      return Array.prototype.filter.call(form.elements, function (field) {
        return field.name && field.name.indexOf(key + ".") === 0;
      });
    }

    // The part's fields as the form would send them (the lock version included).
    function fieldsOf(key) {
      var fields = {};
      elementsOf(key).forEach(function (field) {
        if (field.type === "radio") {
          if (field.checked) {
            fields[field.name] = field.value;
          }
        } else if (field.type !== "submit" && field.type !== "button") {
          fields[field.name] = field.value;
        }
      });
      return fields;
    }

    function sameFields(a, b) {
      return Object.keys(a).concat(Object.keys(b)).every(function (name) {
        return name.slice(-13) === ".lock_version" || a[name] === b[name];
      });
    }

    // --- the copy in localStorage ------------------------------------------------------------

    function loadCopies() {
      try {
        return JSON.parse(window.localStorage.getItem(storageKey) || "{}") || {};
      } catch (error) {
        return {};
      }
    }

    function saveCopies(copies) {
      try {
        window.localStorage.setItem(storageKey, JSON.stringify(copies));
      } catch (error) {
        /* private mode or full: the server copy is all there is */
      }
    }

    function remember(key) {
      var copies = loadCopies();
      copies[key] = { fields: fieldsOf(key), at: Date.now() };
      saveCopies(copies);
    }

    // Forget the copy only if it still says what the server now has (nothing typed since).
    function forget(key, sent) {
      var copies = loadCopies();
      if (copies[key] && sameFields(copies[key].fields, sent)) {
        delete copies[key];
        saveCopies(copies);
      }
    }

    // --- saving ------------------------------------------------------------------------------

    function schedule(delay) {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        flush(false);
      }, delay === undefined ? DEBOUNCE_MS : delay);
    }

    function pendingKeys() {
      return Object.keys(dirty).filter(function (key) {
        return !(key in paused);
      });
    }

    function markAgain(keys) {
      keys.forEach(function (key) {
        dirty[key] = true;
      });
    }

    function jsonPost(url, body, keepalive) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: !!keepalive,
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(body)
      });
    }

    function flush(keepalive) {
      if (stopped) {
        return Promise.resolve(false);
      }
      if (inFlight) {
        return inFlight.then(function () {
          return flush(keepalive);
        });
      }
      var keys = pendingKeys();
      if (!keys.length) {
        return Promise.resolve(true);
      }
      var fields = {};
      var sent = {};
      keys.forEach(function (key) {
        sent[key] = fieldsOf(key);
        Object.keys(sent[key]).forEach(function (name) {
          fields[name] = sent[key][name];
        });
        delete dirty[key];
      });
      setStatus(msg("saving"));
      inFlight = jsonPost(form.dataset.autosaveUrl, { fields: fields }, keepalive).then(function (response) {
        return response.json().catch(function () {
          return {};
        }).then(function (body) {
          return handle(response.status, body, keys, sent);
        });
      }).catch(function () {
        markAgain(keys);
        setStatus(msg("offline"), "error");
        retryLater();
        return false;
      }).then(function (result) {
        inFlight = null;
        return result;
      });
      return inFlight;
    }

    function handle(status, body, keys, sent) {
      var message = body.message || "";
      if (status === 200 || (status === 409 && body.status === "conflict")) {
        Object.keys(body.parts || {}).forEach(function (key) {
          var part = body.parts[key];
          if (part.saved) {
            var input = lockInput(key);
            if (input) {
              input.value = part.lock_version;
            }
            forget(key, sent[key] || {});
            clearConflict(key);
          } else if (part.conflict) {
            paused[key] = part.lock_version;
            showConflict(key, part.conflict);
          }
        });
        if (options.onSaved) {
          options.onSaved(body);
        }
        setStatus(message || (options.savedMessage ? msg(options.savedMessage) : ""), status === 200 ? "ok" : "error");
        if (pendingKeys().length) {
          schedule();
        }
        return status === 200;
      }
      var csrf = status === 400 && body.status === "csrf";
      if (options.refreshSession) {
        if (status === 401) {
          markAgain(keys);
          setStatus(message, "error", loginLink(body));
          retryLater();
          return false;
        }
        if (csrf) {
          markAgain(keys);
          return refreshSession().then(function (ok) {
            if (ok) {
              return flush(false);
            }
            retryLater();
            return false;
          });
        }
      } else if (status === 401 || csrf) {
        // The copy stays in localStorage; after logging in and reloading the page offers it back.
        markAgain(keys);
        setStatus(message, "error", status === 401 ? loginLink(body) : null);
        stopped = true;
        return false;
      }
      if (stopStatuses.indexOf(status) >= 0) {
        // The server will take no more changes; the text stays on the page (and in localStorage).
        stopped = true;
        setStatus(message, "error");
        return false;
      }
      if (refuseStatuses.indexOf(status) >= 0) {
        // Too long, or a character the server refuses: wait until the user changes the text.
        Object.keys(body.errors || {}).forEach(function (id) {
          var field = document.getElementById(id);
          if (field) {
            field.setAttribute("aria-invalid", "true");
          }
        });
        setStatus(message, "error");
        return false;
      }
      markAgain(keys);
      setStatus(message || msg("offline"), "error");
      retryLater();
      return false;
    }

    // After a 401 or a network error: try again now and then (with refreshSession, after fetching
    // a fresh session first: the user has probably logged in in another tab).
    function retryLater() {
      if (retryTimer) {
        return;
      }
      retryTimer = window.setTimeout(retryNow, RETRY_MS);
    }

    function retryNow() {
      window.clearTimeout(retryTimer);
      retryTimer = null;
      if (stopped || !pendingKeys().length) {
        return;
      }
      if (!options.refreshSession) {
        flush(false);
        return;
      }
      refreshSession().then(function (ok) {
        if (ok) {
          flush(false);
        } else {
          retryLater();
        }
      });
    }

    // A new log-in gives a new session and so a new CSRF token: fetch it before saving again.
    function refreshSession() {
      return fetch(form.dataset.sessionUrl, {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () {
          return {};
        }).then(function (body) {
          if (response.status === 200 && body.csrf_token) {
            csrfToken = body.csrf_token;
            if (csrfInput) {
              csrfInput.value = body.csrf_token;
            }
            return true;
          }
          if (body.message) {
            setStatus(body.message, "error", loginLink(body));
          }
          return false;
        });
      }).catch(function () {
        return false;
      });
    }

    // --- conflicts: both versions, the user merges --------------------------------------------

    function slotOf(key) {
      return form.querySelector('.conflict-slot[data-part="' + key + '"]');
    }

    function clearConflict(key) {
      var slot = slotOf(key);
      if (slot && (options.clearAnyNotice || slot.querySelector(".conflict"))) {
        slot.textContent = "";
      }
    }

    function showConflict(key, conflict) {
      var slot = slotOf(key);
      if (!slot) {
        return;
      }
      slot.textContent = "";
      var box = element("div", "conflict");
      box.setAttribute("role", "alert");
      box.id = "conflict-" + key;
      if (options.conflictFocusable) {
        box.tabIndex = -1;
      }
      box.appendChild(options.conflictHeading ? options.conflictHeading(conflict, auto) : element("h3", "", msg("conflict_heading")));
      box.appendChild(element("p", "", msg("conflict_text")));
      var list = element("dl", "differences");
      (conflict.differences || []).forEach(function (difference) {
        list.appendChild(element("dt", "", difference.label));
        var dd = element("dd");
        dd.appendChild(element("p", "conflict-version-label", msg("stored_version")));
        dd.appendChild(element("div", "conflict-text", difference.stored || msg("empty")));
        dd.appendChild(element("p", "conflict-version-label", msg("your_version")));
        dd.appendChild(element("div", "conflict-text", difference.yours || msg("empty")));
        list.appendChild(dd);
      });
      box.appendChild(list);
      var button = element("button", "button-secondary", msg("merged_button"));
      button.type = "button";
      button.addEventListener("click", function () {
        // Deliberately on top of the other version, now that the user has seen it.
        var input = lockInput(key);
        if (input && key in paused) {
          input.value = paused[key];
        }
        delete paused[key];
        dirty[key] = true;
        clearConflict(key);
        flush(false);
      });
      box.appendChild(button);
      slot.appendChild(box);
    }

    // --- text left in this browser by an earlier visit ----------------------------------------

    function offerCopies() {
      var copies = loadCopies();
      Object.keys(copies).forEach(function (key) {
        var copy = copies[key];
        if (!lockInput(key) || !copy || !copy.fields) {
          return;
        }
        if (sameFields(copy.fields, fieldsOf(key))) {
          forget(key, copy.fields);
          return;
        }
        var slot = slotOf(key);
        if (!slot) {
          return;
        }
        var when = new Date(copy.at || Date.now());
        var time = ("0" + when.getHours()).slice(-2) + ":" + ("0" + when.getMinutes()).slice(-2);
        var box = element("div", "restore-notice");
        box.setAttribute("role", "status");
        box.appendChild(element("p", "", msg("restore_notice", { time: time })));
        var restore = element("button", "button-secondary", msg("restore_button"));
        restore.type = "button";
        restore.addEventListener("click", function () {
          if (options.restore) {
            options.restore(key, copy.fields);
          }
          box.remove();
          dirty[key] = true;
          flush(false);
        });
        var discard = element("button", "link-button", msg("discard_button"));
        discard.type = "button";
        discard.addEventListener("click", function () {
          var all = loadCopies();
          delete all[key];
          saveCopies(all);
          box.remove();
        });
        box.appendChild(restore);
        box.appendChild(document.createTextNode(" "));
        box.appendChild(discard);
        slot.appendChild(box);
      });
    }

    // --- events ------------------------------------------------------------------------------

    function changed(event) {
      var target = event.target;
      var key = partOf(target);
      if (!key || /\.lock_version$/.test(target.name)) {
        return;
      }
      if (stopped && !options.rememberWhenStopped) {
        return;
      }
      if (options.onChange) {
        options.onChange(target);
      }
      if (stopped) {
        remember(key);
        return;
      }
      dirty[key] = true;
      remember(key);
      if (!(key in paused)) {
        setStatus(msg("unsaved"));
        schedule();
      }
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);

    // A button posts the whole form, which saves everything typed: wait for a save under way so
    // the form carries the new lock versions, then let the post go.
    form.addEventListener("submit", function (event) {
      if (submitting) {
        return;
      }
      window.clearTimeout(timer);
      if (inFlight) {
        event.preventDefault();
        var submitter = event.submitter;
        inFlight.then(function () {
          submitting = true;
          dirty = {};
          if (form.requestSubmit) {
            form.requestSubmit(submitter || undefined);
          } else {
            form.submit();
          }
        });
        return;
      }
      submitting = true;
      dirty = {};
    });

    // Leaving by a link or closing the tab: send what is pending; the copy in localStorage stays
    // until the server has confirmed it.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && !submitting && pendingKeys().length) {
        flush(true);
      } else if (options.retryOnFocus && document.visibilityState === "visible" && pendingKeys().length) {
        retryNow();
      }
    });
    window.addEventListener("pagehide", function () {
      if (!submitting && pendingKeys().length) {
        flush(true);
      }
    });
    if (options.retryOnFocus) {
      window.addEventListener("focus", function () {
        if (pendingKeys().length && retryTimer) {
          retryNow();
        }
      });
    }

    var auto = {
      msg: msg,
      element: element,
      elementsOf: elementsOf,
      jsonPost: jsonPost,
      offerCopies: offerCopies
    };
    return auto;
  }

  window.RemissAutosave = { start: start, element: element };
})();
