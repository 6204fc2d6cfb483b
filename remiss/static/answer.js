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
 * The machinery is in autosave.js (loaded before this file); this file adds what only the answer
 * form has: character counters, the progress text and the conflict heading with name and time.
 */
(function () {
  "use strict";

  var form = document.getElementById("answer-form");
  if (!form || form.dataset.editable !== "true" || !window.fetch || !window.JSON || !window.RemissAutosave) {
    return;
  }

  var numberFormat = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "sv") : null;
  var auto = null;

  function formatNumber(n) {
    return numberFormat ? numberFormat.format(n) : String(n);
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
    counter.textContent = auto.msg(over ? "counter_over" : "counter", { count: formatNumber(length), max: formatNumber(max) });
    counter.classList.toggle("char-count-over", over);
    if (over) {
      textarea.setAttribute("aria-invalid", "true");
    } else if (!textarea.closest(".has-error")) {
      textarea.removeAttribute("aria-invalid");
    }
  }

  auto = window.RemissAutosave.start(form, {
    storageKey: "remiss-answer",
    stopStatuses: [423, 409],       // deadline passed or answer submitted
    refuseStatuses: [422, 400],     // too long, or a character the server refuses (NUL)
    refreshSession: true,
    retryOnFocus: true,
    clearAnyNotice: true,
    conflictFocusable: true,
    conflictHeading: function (conflict, auto) {
      return auto.element("h4", "", auto.msg("conflict_heading", { name: conflict.stored_by || auto.msg("someone"), time: conflict.stored_at }));
    },
    onSaved: function (body) {
      if (body.progress) {
        var progress = document.getElementById("progress-text");
        if (progress) {
          progress.textContent = body.progress.text;
        }
      }
    },
    onChange: function (target) {
      if (target.tagName === "TEXTAREA") {
        updateCounter(target);
      }
    },
    restore: function (key, fields) {
      Object.keys(fields).forEach(function (name) {
        auto.elementsOf(key).forEach(function (field) {
          if (field.name !== name) {
            return;
          }
          if (field.type === "radio") {
            field.checked = field.value === fields[name];
          } else {
            field.value = fields[name];
            if (field.tagName === "TEXTAREA") {
              updateCounter(field);
            }
          }
        });
      });
    }
  });

  // A mouse press on a button of the sticky button bar does not move focus: Chromium scrolls a
  // focused element that is stuck to where it would sit unstuck, so the button moved away under
  // the pointer before the release and the click was lost. Keyboard use is unchanged.
  Array.prototype.forEach.call(form.querySelectorAll(".form-footer button"), function (button) {
    button.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
  });

  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-max-length]"), updateCounter);
  auto.offerCopies();
})();
