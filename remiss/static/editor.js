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
 * The autosave machinery is in autosave.js (loaded before this file, shared with answer.js); this
 * file adds the live preview.
 */
(function () {
  "use strict";

  var form = document.getElementById("editor-form");
  if (!form || form.dataset.editable !== "true" || !window.fetch || !window.JSON || !window.RemissAutosave) {
    return;
  }

  var PREVIEW_MS = 600;
  var previewTimers = {};
  var auto = null;

  // --- live preview --------------------------------------------------------------------------

  function updatePreview(textarea) {
    var box = document.getElementById(textarea.dataset.preview);
    var body = box ? box.querySelector(".editor-preview-body") : null;
    if (!body) {
      return;
    }
    auto.jsonPost(form.dataset.previewUrl, { text: textarea.value }).then(function (response) {
      return response.json().then(function (data) {
        if (response.status === 200 && typeof data.html === "string") {
          // Sanitised by the server (remiss/markdown.py: Markdown, then nh3 with an allow-list).
          body.innerHTML = data.html || "";
        } else {
          body.textContent = data.message || auto.msg("preview_failed");
        }
      });
    }).catch(function () {
      body.textContent = auto.msg("preview_failed");
    });
  }

  function schedulePreview(textarea) {
    window.clearTimeout(previewTimers[textarea.id]);
    previewTimers[textarea.id] = window.setTimeout(function () {
      updatePreview(textarea);
    }, PREVIEW_MS);
  }

  auto = window.RemissAutosave.start(form, {
    storageKey: "remiss-editor",
    savedMessage: "saved",
    stopStatuses: [409],            // no longer a draft
    refuseStatuses: [422],
    rememberWhenStopped: true,      // the copy in localStorage is what a reload offers back
    onChange: function (target) {
      if (target.dataset && target.dataset.preview) {
        schedulePreview(target);
      }
    },
    restore: function (key, fields) {
      auto.elementsOf(key).forEach(function (field) {
        if (field.name in fields && !/\.lock_version$/.test(field.name)) {
          field.value = fields[field.name];
          if (field.dataset.preview) {
            updatePreview(field);
          }
        }
      });
    }
  });

  auto.offerCopies();
})();
