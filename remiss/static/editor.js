/* Autosave and live preview for the online editor of a draft (templates/documents/editor.html).
 *
 * Progressive enhancement: without this file the editor works by normal form posts. With it,
 * each part (the version's fields, a principle, a section) is saved a moment after typing stops,
 * and each Markdown field shows a live preview rendered (and sanitised) by the server. Typed text
 * is never lost:
 *   - every change is copied to localStorage first and removed only when the server has it;
 *   - 409 conflict: someone else saved the part first – both versions are shown and autosave of
 *     that part pauses until the user has merged them and says so;
 *   - 401 (log-in ended) or 400 (security code expired): the text stays here and in localStorage;
 *     after logging in again and reloading, the page offers to restore it;
 *   - network errors are retried.
 * All user-visible text comes from the server (data-messages), so it is translated with the rest.
 * Modelled on answer.js.
 */
(function () {
  "use strict";

  var form = document.getElementById("editor-form");
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
  var PREVIEW_MS = 600;
  var RETRY_MS = 15000;
  var statusLine = document.getElementById("save-status");
  var csrfInput = form.querySelector('input[name="csrf_token"]');
  var csrfToken = csrfInput ? csrfInput.value : "";
  var storageKey = form.dataset.storageKey || "remiss-editor";
  var dirty = {};
  var paused = {};
  var stopped = false;
  var timer = null;
  var retryTimer = null;
  var inFlight = null;
  var submitting = false;
  var previewTimers = {};

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

  // --- parts and their fields ----------------------------------------------------------------

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

  function fieldsOf(key) {
    var fields = {};
    elementsOf(key).forEach(function (field) {
      if (field.type !== "submit" && field.type !== "button") {
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

  function forget(key, sent) {
    var copies = loadCopies();
    if (copies[key] && sameFields(copies[key].fields, sent)) {
      delete copies[key];
      saveCopies(copies);
    }
  }

  // --- live preview --------------------------------------------------------------------------

  function updatePreview(textarea) {
    var box = document.getElementById(textarea.dataset.preview);
    var body = box ? box.querySelector(".editor-preview-body") : null;
    if (!body) {
      return;
    }
    fetch(form.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ text: textarea.value })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.status === 200 && typeof data.html === "string") {
          // Sanitised by the server (remiss/markdown.py: Markdown, then nh3 with an allow-list).
          body.innerHTML = data.html || "";
        } else {
          body.textContent = data.message || msg("preview_failed");
        }
      });
    }).catch(function () {
      body.textContent = msg("preview_failed");
    });
  }

  function schedulePreview(textarea) {
    window.clearTimeout(previewTimers[textarea.id]);
    previewTimers[textarea.id] = window.setTimeout(function () {
      updatePreview(textarea);
    }, PREVIEW_MS);
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

  function markAgain(keys) {
    keys.forEach(function (key) {
      dirty[key] = true;
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
      setStatus(message || msg("saved"), status === 200 ? "ok" : "error");
      if (pendingKeys().length) {
        schedule();
      }
      return status === 200;
    }
    if (status === 401 || (status === 400 && body.status === "csrf")) {
      // The copy stays in localStorage; after logging in and reloading the page offers it back.
      markAgain(keys);
      setStatus(message, "error", status === 401 ? { href: body.login_url || form.dataset.loginUrl, text: msg("login_link") } : null);
      stopped = true;
      return false;
    }
    if (status === 409) {
      // No longer a draft: nothing more can be saved here; the text stays on the page and in localStorage.
      stopped = true;
      setStatus(message, "error");
      return false;
    }
    if (status === 422) {
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

  function retryLater() {
    if (retryTimer) {
      return;
    }
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      if (!stopped && pendingKeys().length) {
        flush(false);
      }
    }, RETRY_MS);
  }

  // --- conflicts: both versions, the user merges ----------------------------------------------

  function slotOf(key) {
    return form.querySelector('.conflict-slot[data-part="' + key + '"]');
  }

  function clearConflict(key) {
    var slot = slotOf(key);
    if (slot && slot.querySelector(".conflict")) {
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
    box.appendChild(element("h3", "", msg("conflict_heading")));
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
        elementsOf(key).forEach(function (field) {
          if (field.name in copy.fields && !/\.lock_version$/.test(field.name)) {
            field.value = copy.fields[field.name];
            if (field.dataset.preview) {
              updatePreview(field);
            }
          }
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
    if (!key || /\.lock_version$/.test(target.name)) {
      return;
    }
    if (target.dataset && target.dataset.preview) {
      schedulePreview(target);
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

  // A button posts the whole form, which saves everything typed: wait for a save under way so the
  // form carries the new lock versions, then let the post go.
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

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && !submitting && pendingKeys().length) {
      flush(true);
    }
  });
  window.addEventListener("pagehide", function () {
    if (!submitting && pendingKeys().length) {
      flush(true);
    }
  });

  offerCopies();
})();
