/* Progressive enhancement only: every page works without this file.
 *
 * Wide tables: each table in the main content is put in a box that scrolls sideways, so that a
 * table wider than the screen never widens the page (WCAG 1.4.10). When the box really scrolls it
 * becomes a named region that keyboard users can focus and scroll with the arrow keys.
 */
(function () {
  "use strict";

  function labelFor(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      if (!caption.id) {
        caption.id = "table-caption-" + Math.random().toString(36).slice(2, 10);
      }
      return { labelledby: caption.id };
    }
    var sv = (document.documentElement.lang || "sv").indexOf("sv") === 0;
    return { label: sv ? "Tabell" : "Table" };
  }

  function update(wrapper) {
    var scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
    if (scrolls) {
      var name = labelFor(wrapper.firstElementChild);
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("tabindex", "0");
      if (name.labelledby) {
        wrapper.setAttribute("aria-labelledby", name.labelledby);
      } else {
        wrapper.setAttribute("aria-label", name.label);
      }
    } else if (wrapper.hasAttribute("data-auto")) {
      ["role", "tabindex", "aria-labelledby", "aria-label"].forEach(function (attribute) {
        wrapper.removeAttribute(attribute);
      });
    }
  }

  function wrapTables() {
    var wrappers = [];
    document.querySelectorAll("main table").forEach(function (table) {
      var parent = table.parentElement;
      if (parent.classList.contains("table-wrapper")) {
        if (parent.hasAttribute("data-auto")) {  // written by the template (macros.html, table_wrapper)
          wrappers.push(parent);
        }
        return;
      }
      var wrapper = document.createElement("div");
      wrapper.className = "table-wrapper";
      wrapper.setAttribute("data-auto", "");
      parent.insertBefore(wrapper, table);
      wrapper.appendChild(table);
      wrappers.push(wrapper);
    });
    wrappers.forEach(update);
    if ("ResizeObserver" in window) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { update(entry.target); });
      });
      wrappers.forEach(function (wrapper) { observer.observe(wrapper); });
    } else {
      window.addEventListener("resize", function () { wrappers.forEach(update); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wrapTables);
  } else {
    wrapTables();
  }
})();
