/* Autosave for the answer form (templates/responses/respond.html, general.html).
 *
 * Progressive enhancement: without this file the form works by normal POSTs, one page at a time.
 * With it, each part of the answer (a principle, an alternative choice, a general question) is
 * saved a moment after typing stops, and before the page changes. Typed text is never lost:
 *   - every change is copied to localStorage first and removed only when the server has it;
 *   - 409 conflict: someone else saved the part first – both versions are shown and autosave of
 *     that part pauses until the user has merged them and says so;
 *   - 401: the session ended – the text stays, the user logs in in another tab, and the save is
 *     retried (with a fresh CSRF token) as soon as the session works again;
 *   - network errors are retried; 423 (deadline passed) stops autosave with the server's message.
 * All user-visible text comes from the server (data-messages), so it is translated with the rest.
 */
(function () {
  "use strict";

  var form = document.getElementById("answer-form");
  if (!form || form.dataset.editable !== "true" || !window.fetch || !window.JSON) {
    return;
  }

  var messages = {};
  try {
    messages = JSON.parse(form.dataset.messages || "{}");
  } catch (error) {
    messages = {};
  }
  function msg(name, values) {
    var text = messages[name] || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(values[key]);
    });
    return text;
  }

  var DEBOUNCE_MS = 1500;
  var RETRY_MS = 15000;
  var statusLine = document.getElementById("save-status");
  var csrfInput = form.querySelector('input[name="csrf_token"]');
  var csrfToken = csrfInput ? csrfInput.value : "";
  var storageKey = form.dataset.storageKey || "remiss-answer";
  var dirty = {};          // part key -> true: changed since the last save was sent
  var paused = {};         // part key -> lock_version of the other person's version, while a conflict waits
  var stopped = false;     // the server said no more changes (deadline, submitted)
  var timer = null;
  var retryTimer = null;
  var inFlight = null;
  var submitting = false;
  var numberFormat = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "sv") : null;

  function formatNumber(n) {
    return numberFormat ? numberFormat.format(n) : String(n);
  }

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

  // --- parts and their fields ----------------------------------------------------------------

  function partOf(element) {
    var name = element && element.name ? element.name : "";
    var dot = name.indexOf(".");
    return dot > 0 ? name.slice(0, dot) : null;
  }

  function lockInput(key) {
    return form.querySelector('input[name="' + key + '.lock_version"]');
  }

  function elementsOf(key) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && element.name.indexOf(key + ".") === 0;
    });
  }

  // The part's fields as the form would send them (the lock version included).
  function fieldsOf(key) {
    var fields = {};
    elementsOf(key).forEach(function (element) {
      if (element.type === "radio") {
        if (element.checked) {
          fields[element.name] = element.value;
        }
      } else if (element.type !== "submit" && element.type !== "button") {
        fields[element.name] = element.value;
      }
    });
    return fields;
  }

  function sameFields(a, b) {
    var keys = Object.keys(a).concat(Object.keys(b));
    return keys.every(function (name) {
      return name.slice(-13) === ".lock_version" || a[name] === b[name];
    });
  }

  // --- the copy in localStorage --------------------------------------------------------------

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

  // --- character counters ------------------------------------------------------------------

  function updateCounter(textarea) {
    var counter = document.getElementById(textarea.id + "-count");
    var max = parseInt(textarea.dataset.maxLength || "0", 10);
    if (!counter || !max) {
      return;
    }
    var length = textarea.value.replace(/\r\n/g, "\n").length;
    var over = length > max;
    counter.textContent = msg(over ? "counter_over" : "counter", { count: formatNumber(length), max: formatNumber(max) });
    counter.classList.toggle("char-count-over", over);
    if (over) {
      textarea.setAttribute("aria-invalid", "true");
    } else if (!textarea.closest(".has-error")) {
      textarea.removeAttribute("aria-invalid");
    }
  }

  // --- saving --------------------------------------------------------------------------------

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
    inFlight = fetch(form.dataset.autosaveUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ fields: fields })
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (body) {
        return handle(response.status, body, keys, sent);
      });
    }).catch(function () {
      keys.forEach(function (key) {
        dirty[key] = true;
      });
      setStatus(msg("offline"), "error");
      retryLater();
      return false;
    }).then(function (result) {
      inFlight = null;
      return result;
    });
    return inFlight;
  }

  function markAgain(keys) {
    keys.forEach(function (key) {
      dirty[key] = true;
    });
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
      if (body.progress) {
        var progress = document.getElementById("progress-text");
        if (progress) {
          progress.textContent = body.progress.text;
        }
      }
      setStatus(message, status === 200 ? "ok" : "error");
      if (pendingKeys().length) {
        schedule();
      }
      return status === 200;
    }
    if (status === 401) {
      markAgain(keys);
      setStatus(message, "error", { href: body.login_url || form.dataset.loginUrl, text: msg("login_link") });
      retryLater();
      return false;
    }
    if (status === 400 && body.status === "csrf") {
      markAgain(keys);
      return refreshSession().then(function (ok) {
        if (ok) {
          return flush(false);
        }
        retryLater();
        return false;
      });
    }
    if (status === 423 || status === 409) {
      // Deadline passed or answer submitted: the server kept or refused it; the text stays on the page.
      stopped = true;
      setStatus(message, "error");
      return false;
    }
    if (status === 422 || status === 400) {
      // Too long, or a character the server refuses (NUL): wait until the user changes the text.
      showErrors(body.errors || {});
      setStatus(message, "error");
      return false;
    }
    markAgain(keys);
    setStatus(message || msg("offline"), "error");
    retryLater();
    return false;
  }

  function showErrors(errors) {
    Object.keys(errors).forEach(function (id) {
      var field = document.getElementById(id);
      if (field) {
        field.setAttribute("aria-invalid", "true");
      }
    });
  }

  // After a 401 or a network error: try again now and then, and whenever the tab gets the focus
  // back (the user has probably just logged in in another tab).
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
          setStatus(body.message, "error", { href: body.login_url || form.dataset.loginUrl, text: msg("login_link") });
        }
        return false;
      });
    }).catch(function () {
      return false;
    });
  }

  // --- conflicts: both versions, the user merges ----------------------------------------------

  function slotOf(key) {
    return form.querySelector('.conflict-slot[data-part="' + key + '"]');
  }

  function clearConflict(key) {
    var slot = slotOf(key);
    if (slot) {
      slot.textContent = "";
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

  function showConflict(key, conflict) {
    var slot = slotOf(key);
    if (!slot) {
      return;
    }
    slot.textContent = "";
    var box = element("div", "conflict");
    box.setAttribute("role", "alert");
    box.id = "conflict-" + key;
    box.tabIndex = -1;
    box.appendChild(element("h4", "", msg("conflict_heading", { name: conflict.stored_by || msg("someone"), time: conflict.stored_at })));
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

  // --- text left in this browser by an earlier visit ------------------------------------------

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
        Object.keys(copy.fields).forEach(function (name) {
          elementsOf(key).forEach(function (field) {
            if (field.name !== name) {
              return;
            }
            if (field.type === "radio") {
              field.checked = field.value === copy.fields[name];
            } else {
              field.value = copy.fields[name];
              if (field.tagName === "TEXTAREA") {
                updateCounter(field);
              }
            }
          });
        });
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

  // --- events ----------------------------------------------------------------------------------

  function changed(event) {
    var target = event.target;
    var key = partOf(target);
    if (!key || stopped || /\.lock_version$/.test(target.name)) {
      return;
    }
    if (target.tagName === "TEXTAREA") {
      updateCounter(target);
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

  // A mouse press on a button of the sticky button bar does not move focus: Chromium scrolls a
  // focused element that is stuck to where it would sit unstuck, so the button moved away under
  // the pointer before the release and the click was lost. Keyboard use is unchanged.
  Array.prototype.forEach.call(form.querySelectorAll(".form-footer button"), function (button) {
    button.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
  });

  // The page change saves too: wait for a save under way (so the form carries the new lock
  // versions), then let the normal POST go – it carries everything typed since.
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
    } else if (document.visibilityState === "visible" && pendingKeys().length) {
      retryNow();
    }
  });
  window.addEventListener("pagehide", function () {
    if (!submitting && pendingKeys().length) {
      flush(true);
    }
  });
  window.addEventListener("focus", function () {
    if (pendingKeys().length && retryTimer) {
      retryNow();
    }
  });

  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-max-length]"), updateCounter);
  offerCopies();
})();
