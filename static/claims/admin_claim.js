/* The claim's change page in the admin (templates/admin/claims/claim/attribution_inline.html).
 *
 * - Quote picking: select words in a document's text (mouse, or Shift+arrows then Enter or
 *   "Use selection"); the quote field gets the words and the hidden picked_start/picked_end get
 *   their offsets in Python's units (code points: JS indices are UTF-16, so a character outside
 *   the BMP, an emoji, counts once).
 * - A closest passage's "Use the document's words" takes the document's own characters.
 * - Figures nested under an attribution: "Add a figure" clones the row template, "Remove" drops
 *   a new row and renumbers the rows after it, so the formset's indices stay 0..TOTAL-1.
 * No inline script, no eval: the page's Content-Security-Policy stays strict.
 */
"use strict";
(function () {
  function codePoints(text, utf16Index) {
    return Array.from(text.slice(0, utf16Index)).length;
  }

  function field(prefix, name) {
    return document.getElementById("id_" + prefix + "-" + name);
  }

  function fill(prefix, quote, start, end, status) {
    const quoteField = field(prefix, "quote");
    if (!quoteField) return;
    quoteField.value = quote;
    const startField = field(prefix, "picked_start");
    const endField = field(prefix, "picked_end");
    if (startField) startField.value = String(start);
    if (endField) endField.value = String(end);
    if (status) {
      status.textContent = "Quote filled: “" + quote.slice(0, 60) + (quote.length > 60 ? "…" : "") + "”.";
    }
  }

  function useSelection(picker) {
    const area = picker.querySelector(".picker-text");
    const status = picker.querySelector(".picker-status");
    const text = area.value;
    let start = area.selectionStart;
    let end = area.selectionEnd;
    while (start < end && /\s/.test(text[start])) start += 1;
    while (end > start && /\s/.test(text[end - 1])) end -= 1;
    if (end <= start) {
      status.textContent = "Select some words in the text first.";
      return false;
    }
    fill(picker.dataset.form, text.slice(start, end), codePoints(text, start), codePoints(text, end), status);
    return true;
  }

  function loadDocument(picker, documentId) {
    const area = picker.querySelector(".picker-text");
    const title = picker.querySelector(".picker-title");
    if (!documentId) {
      area.value = "";
      return;
    }
    const url = picker.dataset.textUrl.replace(/0\/$/, encodeURIComponent(documentId) + "/");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        area.value = data.text;
        if (title) title.textContent = data.title;
      })
      .catch(() => {
        picker.querySelector(".picker-status").textContent = "The document's text could not be loaded.";
      });
  }

  function setupPicker(picker) {
    const area = picker.querySelector(".picker-text");
    const button = picker.querySelector(".use-selection");
    button.hidden = false;
    button.addEventListener("click", () => useSelection(picker));
    // Chromium moves no caret in a readonly textarea, so Shift+arrows could not select: the text
    // becomes caret-navigable but every edit is refused (it is still announced as read-only).
    area.readOnly = false;
    area.setAttribute("aria-readonly", "true");
    area.addEventListener("beforeinput", (event) => event.preventDefault());
    area.addEventListener("drop", (event) => event.preventDefault());
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        useSelection(picker);
      }
    });
    area.addEventListener("mouseup", () => {
      if (area.selectionEnd > area.selectionStart) useSelection(picker);
    });
    const select = field(picker.dataset.form, "document");
    if (select && window.django && window.django.jQuery) {
      // select2 (the autocomplete) reports its changes through jQuery.
      window.django.jQuery(select).on("change", () => loadDocument(picker, select.value));
    } else if (select) {
      select.addEventListener("change", () => loadDocument(picker, select.value));
    }
  }

  function renumber(row, prefix, from, to) {
    const old = prefix + "-" + from + "-";
    const now = prefix + "-" + to + "-";
    row.id = prefix + "-" + to;
    row.querySelectorAll("[id], [name], [for]").forEach((el) => {
      ["id", "name", "for"].forEach((attr) => {
        const value = el.getAttribute(attr);
        if (value && value.includes(old)) el.setAttribute(attr, value.replace(old, now));
      });
    });
  }

  function setupFigures(group) {
    const prefix = group.dataset.prefix;
    const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    const rows = group.querySelector(".figure-rows");
    const template = group.querySelector(".figure-template");
    const add = group.querySelector(".add-figure");
    if (!total || !rows || !template || !add) return;

    function bindRemove(row) {
      const remove = row.querySelector(".remove-figure");
      if (!remove) return;
      remove.hidden = false;
      remove.addEventListener("click", () => {
        const index = Number(row.id.slice(prefix.length + 1));
        row.remove();
        const count = Number(total.value);
        for (let i = index + 1; i < count; i += 1) {
          const later = document.getElementById(prefix + "-" + i);
          if (later) renumber(later, prefix, i, i - 1);
        }
        total.value = String(count - 1);
        add.focus();
      });
    }

    add.hidden = false;
    add.addEventListener("click", () => {
      const index = Number(total.value);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      const holder = document.createElement("tbody");
      holder.innerHTML = html;
      const row = holder.querySelector("tr");
      rows.appendChild(row);
      total.value = String(index + 1);
      bindRemove(row);
      const first = row.querySelector("select, input:not([type=hidden])");
      if (first) first.focus();
    });
    rows.querySelectorAll("tr.figure-row").forEach(bindRemove);
  }

  function setupPassages() {
    document.querySelectorAll(".use-passage").forEach((button) => {
      button.addEventListener("click", () => {
        const prefix = button.dataset.form;
        const status = document.querySelector('.quote-picker[data-form="' + prefix + '"] .picker-status');
        fill(prefix, button.dataset.text, Number(button.dataset.start), Number(button.dataset.end), status);
        const quoteField = field(prefix, "quote");
        if (quoteField) quoteField.focus();
      });
    });
  }

  function init() {
    document.querySelectorAll(".quote-picker").forEach(setupPicker);
    document.querySelectorAll(".nested-figures").forEach(setupFigures);
    setupPassages();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
