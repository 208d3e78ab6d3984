"use strict";
/* Names every select2 autocomplete for screen readers (issue 18: "20 unnamed autocomplete
   fields"). select2 builds its combobox, search box and list of choices in script, named only by
   the value shown; each gets the name of the <select> it stands for: the select's aria-label
   (inline rows, set by curation.admin) or the text of its <label for>. A MutationObserver
   follows every widget select2 adds later (new inline rows, an opened dropdown). Static file:
   the CSP allows no inline script. */
(function () {
  function nameOf(select) {
    if (!select) {
      return "";
    }
    const given = select.getAttribute("aria-label");
    if (given) {
      return given;
    }
    const label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    return label ? label.textContent.replace(/[:*]\s*$/, "").trim() : "";
  }

  function label(container) {
    const select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") {
      return;
    }
    const name = nameOf(select);
    if (!name) {
      return;
    }
    container.querySelectorAll('[role="combobox"]').forEach(function (box) {
      if (box.getAttribute("aria-label") !== name) {
        box.removeAttribute("aria-labelledby"); // it pointed at the value shown, often empty
        box.setAttribute("aria-label", name);
      }
    });
    // The value shown inside the combobox is itself a textbox, named too.
    container.querySelectorAll('.select2-selection__rendered[role="textbox"]').forEach(function (box) {
      if (!box.getAttribute("aria-label")) {
        box.setAttribute("aria-label", name);
      }
    });
    container.querySelectorAll(".select2-search__field").forEach(function (field) {
      if (!field.getAttribute("aria-label")) {
        field.setAttribute("aria-label", name);
      }
    });
    // A multiple select lists its choices in a <ul>; its "remove all" button sits outside it.
    container.querySelectorAll("ul.select2-selection__rendered > .select2-selection__clear")
      .forEach(function (clear) {
        clear.parentElement.before(clear);
      });
  }

  function labelAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(".select2-container")
      .forEach(label);
  }

  function start() {
    labelAll(document);
    let pending = false;
    new MutationObserver(function () {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(function () {
          pending = false;
          labelAll(document);
        });
      }
    }).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
