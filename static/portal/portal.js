// Partner Portal: progressive enhancement only. Every form works without this file.
(function () {
  "use strict";

  // The onboarding modal: opened with showModal() and impossible to dismiss while the gate holds.
  function blockingModal(dialog) {
    if (typeof dialog.showModal !== "function") return;
    dialog.close();
    dialog.showModal();
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); });
    // Chromium may still close a modal dialog on a repeated Escape; open it again at once.
    dialog.addEventListener("close", function () {
      if (!dialog.open) dialog.showModal();
    });
  }

  // WAI-ARIA tabs: roving tabindex, arrow keys, Home and End. Panels keep what was typed.
  function tabs(root) {
    var tabList = root.querySelector("[role=tablist]");
    var tabEls = Array.prototype.slice.call(tabList.querySelectorAll("[role=tab]"));
    function select(tab, focus) {
      tabEls.forEach(function (other) {
        var selected = other === tab;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        other.tabIndex = selected ? 0 : -1;
        document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
      });
      if (focus) tab.focus();
    }
    var initial = tabEls.filter(function (t) { return t.getAttribute("aria-selected") === "true"; })[0] || tabEls[0];
    if (location.hash) {
      var fromHash = tabEls.filter(function (t) { return t.getAttribute("href") === location.hash; })[0];
      if (fromHash) initial = fromHash;
    }
    select(initial, false);
    tabEls.forEach(function (tab, index) {
      tab.addEventListener("click", function (event) { event.preventDefault(); select(tab, true); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = tabEls[(index + 1) % tabEls.length];
        else if (event.key === "ArrowLeft") next = tabEls[(index - 1 + tabEls.length) % tabEls.length];
        else if (event.key === "Home") next = tabEls[0];
        else if (event.key === "End") next = tabEls[tabEls.length - 1];
        if (next) { event.preventDefault(); select(next, true); }
      });
    });
  }

  // Formset rows: "Add another" clones the empty row; "Remove" marks a row without losing focus.
  function rows(button) {
    var category = button.closest("fieldset.category");
    var container = category.querySelector("[data-rows]");
    var template = category.querySelector("template[data-empty-row]");
    var prefix = container.getAttribute("data-prefix");
    var total = category.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var max = parseInt(container.getAttribute("data-max"), 10) || 10;
    function kept() { return container.querySelectorAll("[data-row]:not(.is-removed)").length; }
    function refresh() { button.disabled = kept() >= max; }
    // Without JavaScript this is a submit button; here it must not be the form's default button,
    // or Enter in any field would add a row instead of saving.
    button.type = "button";
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (kept() >= max) return;
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = container.lastElementChild;
      var first = added.querySelector("input:not([type=hidden]):not([type=checkbox]), input[type=checkbox]");
      if (first) first.focus();
      refresh();
    });
    container.addEventListener("change", function (event) {
      if (!event.target.matches("[data-remove]")) return;
      event.target.closest("[data-row]").classList.toggle("is-removed", event.target.checked);
      refresh();
    });
    Array.prototype.forEach.call(container.querySelectorAll("[data-remove]:checked"), function (box) {
      box.closest("[data-row]").classList.add("is-removed");
    });
    refresh();
  }

  // An error summary link takes the user to the field itself, not just near it.
  function focusField(id, event) {
    var target = document.getElementById(id);
    if (!target) return;
    var field = target.matches("input, select, textarea") ? target
      : target.querySelector("input:not([type=hidden]):not(:disabled), select, textarea");
    if (!field) return;
    event.preventDefault();
    field.focus();
    field.scrollIntoView({block: "center"});
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-blocking-modal]"), blockingModal);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tabs]"), tabs);
    Array.prototype.forEach.call(document.querySelectorAll("[data-add-row]"), rows);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        if (link) focusField(link.getAttribute("href").slice(1), event);
      });
    }
  });
})();
