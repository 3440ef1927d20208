// The contact information form: progressive enhancement only. Without this file every feature is a
// plain submit button (add a row, "Same as …", the support-hour presets) answered by the server.
(function () {
  "use strict";

  var MINUTES_PER_DAY = 24 * 60;
  var MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function announce(form, message) {
    var status = form.querySelector("[data-form-status]");
    if (!status) return;
    status.textContent = "";
    // A fresh text node, a moment later, so the same message is read again when repeated.
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function fire(element, type) {
    var event = document.createEvent("Event");
    event.initEvent(type, true, true);
    element.dispatchEvent(event);
  }

  function rowsOf(category) {
    var container = category.querySelector("[data-rows]");
    return container ? Array.prototype.slice.call(container.querySelectorAll("[data-row]")) : [];
  }

  function isRemoved(row) { return row.classList.contains("is-removed"); }

  // The controls of a row by their name after the row's prefix: {email: input, phone_1: input, ...}.
  function partsOf(row) {
    var prefix = row.id.replace(/^row-/, "") + "-";
    var parts = {};
    each(row.querySelectorAll("input[name], select[name], textarea[name]"), function (control) {
      if (control.name.indexOf(prefix) !== 0) return;
      var name = control.name.slice(prefix.length);
      (parts[name] = parts[name] || []).push(control);
    });
    return parts;
  }

  function valueOf(controls) {
    var control = controls[0];
    if (control.type === "checkbox") {
      return controls.filter(function (box) { return box.checked; }).map(function (box) { return box.value; }).join(",");
    }
    return control.value;
  }

  // Whether anything was typed in a row: its text boxes (a select, like a language or a phone's country,
  // always holds a value; a checkbox is a mark, not an entry).
  function isTyped(row) {
    return Array.prototype.some.call(row.querySelectorAll("input[name]"), function (input) {
      return !/^(checkbox|radio|hidden|submit|button)$/.test(input.type) && input.value.trim() !== "";
    });
  }

  function setValue(controls, value) {
    controls.forEach(function (control) {
      completeCountries(control);  // a country the select does not hold yet could not be chosen
      if (control.type === "checkbox") {
        control.checked = value.split(",").indexOf(control.value) !== -1;
      } else {
        control.value = value;
      }
      fire(control, "input");
      fire(control, "change");
    });
  }

  // --- A phone's country select: every country, copied in before it is browsed -------------------------
  // The page carries the list of countries once (<template data-phone-regions>). A select beside a number that
  // names its country, or in a row "Add another" cloned, arrives with its own country alone; it gets the others
  // when it is about to be used (focus for the keyboard and screen readers, a press for a pointer), not at load:
  // a page of sixty contacts would build some fifteen thousand options nobody looks at.
  function completeCountries(select) {
    if (!select.matches || !select.matches("select.phone-region")) return;
    var list = document.getElementById("phone-regions");
    if (!list || !list.content || select.options.length >= list.content.children.length) return;
    var chosen = select.value;
    select.textContent = "";
    select.appendChild(list.content.cloneNode(true));
    select.value = chosen;
    // Still the country the page was drawn with, should the form be reset.
    if (select.selectedIndex !== -1) select.options[select.selectedIndex].defaultSelected = true;
  }

  function completeTarget(event) { completeCountries(event.target); }

  // --- "Remove": never on the only row left of a required category ------------------------------------
  function refreshRemovable(container) {
    if (container.getAttribute("data-required") !== "true") return;
    var category = container.closest("fieldset.category");
    var template = category.querySelector("template[data-empty-row]");
    var rows = Array.prototype.slice.call(container.querySelectorAll("[data-row]"));
    var kept = rows.filter(function (row) { return !isRemoved(row); });
    rows.forEach(function (row) {
      var toggle = row.querySelector(".entry-remove");
      var fixed = kept.length <= 1 && !isRemoved(row);
      if (!toggle && !fixed && template) {
        // The page was drawn with this row alone: give it the toggle its siblings have.
        var index = row.id.split("-").pop();
        var holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.replace(/__prefix__/g, index);
        toggle = holder.querySelector(".entry-remove");
        if (toggle) row.appendChild(toggle);
      }
      if (toggle) toggle.hidden = fixed;
    });
  }

  // --- Suggestions: every address or name typed joins the lists offered in every row ------------------
  function suggest(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var value = input.value.trim();
    if (!list || !value) return;
    var known = Array.prototype.some.call(list.options, function (option) {
      return option.value.toLowerCase() === value.toLowerCase();
    });
    if (known) return;
    var option = document.createElement("option");
    option.value = value;
    if (list.id === "contact-emails") {
      var row = input.closest("[data-row]");
      var name = row && row.querySelector("input[list='contact-names']");
      if (name && name.value.trim()) option.label = name.value.trim();
    }
    list.appendChild(option);
  }

  // --- "Same as technical emergency contacts", in place -----------------------------------------------
  function emailOf(row) {
    var parts = partsOf(row);
    return parts.email ? parts.email[0].value.trim().toLowerCase() : "";
  }

  function copyRows(button) {
    var form = button.form;
    var pair = button.value.split(":");
    var target = document.getElementById("category-" + pair[0]);
    var source = document.getElementById("category-" + pair[1]);
    if (!target || !source) return;
    var copies = rowsOf(source).filter(function (row) { return !isRemoved(row) && isTyped(row); });
    if (!copies.length) {
      announce(form, button.getAttribute("data-nothing-message"));
      return;
    }
    var values = copies.map(function (row) {
      var parts = partsOf(row);
      var copied = {};
      Object.keys(parts).forEach(function (name) { if (name !== "DELETE") copied[name] = valueOf(parts[name]); });
      return copied;
    });
    var container = target.querySelector("[data-rows]");
    if (!container) {
      // The shared contact: one form, which takes the first contact (its support page stays).
      var single = target.querySelector("[data-row]");
      var parts = partsOf(single);
      Object.keys(parts).forEach(function (name) {
        if (name === "url" || name === "language") return;
        setValue(parts[name], values[0][name] !== undefined ? values[0][name] : "");
      });
    } else {
      var addButton = target.querySelector("[data-add-row]");
      var held = {};
      rowsOf(target).forEach(function (row) { if (!isRemoved(row) && emailOf(row)) held[emailOf(row)] = true; });
      values.forEach(function (copied) {
        var email = (copied.email || "").trim().toLowerCase();
        if (email && held[email]) return;
        var row = rowsOf(target).filter(function (r) { return !isRemoved(r) && !isTyped(r); })[0];
        if (!row) {
          if (!addButton || addButton.disabled) return;
          addButton.click();
          row = container.lastElementChild;
        }
        var parts = partsOf(row);
        Object.keys(copied).forEach(function (name) { if (parts[name]) setValue(parts[name], copied[name]); });
        held[email] = true;
      });
      refreshRemovable(container);
    }
    button.focus();
    announce(form, button.getAttribute("data-copied-message"));
  }

  // --- Support hours: presets, 24/7 and overlap hints -------------------------------------------------
  var PRESETS = {
    weekdays: { days: "0,1,2,3,4", start: "09:00", end: "17:00" },
    every_day: { days: "0,1,2,3,4,5,6", start: "09:00", end: "17:00" }
  };

  function applyPreset(button) {
    var preset = PRESETS[button.getAttribute("data-hours-preset")];
    var category = button.closest("fieldset.category");
    var group = button.closest(".hours-presets");
    var container = category.querySelector("[data-rows]");
    if (!preset || !container) return;
    function isEmpty(row) {
      var parts = partsOf(row);
      return ["days", "start", "end"].every(function (name) { return !parts[name] || !valueOf(parts[name]); });
    }
    var row = rowsOf(category).filter(function (r) { return !isRemoved(r) && isEmpty(r); })[0];
    if (!row) {
      var addButton = category.querySelector("[data-add-row]");
      if (!addButton || addButton.disabled) {
        announce(button.form, group.getAttribute("data-full-message"));
        return;
      }
      addButton.click();
      row = container.lastElementChild;
    }
    var parts = partsOf(row);
    setValue(parts.days, preset.days);
    setValue(parts.start, preset.start);
    setValue(parts.end, preset.end);
    if (parts.overnight) setValue(parts.overnight, "");
    if (parts.time_zone && !parts.time_zone[0].value.trim()) {
      // Keep the time zone typed elsewhere: the same team usually works in one zone.
      var typed = rowsOf(category).map(function (r) {
        var zone = partsOf(r).time_zone;
        return zone ? zone[0].value.trim() : "";
      }).filter(Boolean)[0];
      if (typed) setValue(parts.time_zone, typed);
    }
    // A preset is the user's choice of days and times: whatever fills in a row's defaults (timezone.js) hears it.
    row.dispatchEvent(new CustomEvent("contacts:row-filled", { bubbles: true }));
    var allWeek = button.form.querySelector("input[name='general-support_24_7']");
    if (allWeek && allWeek.checked) {
      allWeek.checked = false;
      fire(allWeek, "change");
    }
    button.focus();
    var number = rowsOf(category).indexOf(row) + 1;
    announce(button.form, group.getAttribute("data-filled-message").replace("{number}", String(number)) + " " +
      button.textContent.trim());
  }

  function refreshAllWeek(box) {
    var windows = box.closest("fieldset.category").querySelector("[data-hours-windows]");
    if (windows) windows.hidden = box.checked;
  }

  function minutes(value) {
    var match = /^(\d{1,2}):(\d{2})/.exec(value || "");
    return match ? parseInt(match[1], 10) * 60 + parseInt(match[2], 10) : null;
  }

  // The [from, to) minute ranges of the week a window covers, as contacts/validation.py computes them.
  function intervalsOf(row) {
    var parts = partsOf(row);
    if (!parts.days || !parts.start || !parts.end || !parts.time_zone) return null;
    var days = parts.days.filter(function (box) { return box.checked; }).map(function (box) { return parseInt(box.value, 10); });
    var start = minutes(parts.start[0].value), end = minutes(parts.end[0].value);
    var overnight = parts.overnight ? parts.overnight[0].checked : false;
    var zone = parts.time_zone[0].value.trim();
    if (!days.length || start === null || end === null || !zone) return null;
    if (overnight ? end > start : end <= start) return null;  // the server explains this one
    var finish = end + (overnight ? MINUTES_PER_DAY : 0);
    var ranges = [];
    days.forEach(function (day) {
      var low = day * MINUTES_PER_DAY + start, high = day * MINUTES_PER_DAY + finish;
      if (high > MINUTES_PER_WEEK) {
        ranges.push([low, MINUTES_PER_WEEK]);
        ranges.push([0, high - MINUTES_PER_WEEK]);
      } else {
        ranges.push([low, high]);
      }
    });
    return { zone: zone, key: zone.toLowerCase(), ranges: ranges };
  }

  function overlaps(first, second) {
    if (first.key !== second.key) return false;
    return first.ranges.some(function (a) {
      return second.ranges.some(function (b) { return a[0] < b[1] && b[0] < a[1]; });
    });
  }

  function refreshOverlaps(container) {
    var message = container.getAttribute("data-overlap-message");
    var rows = Array.prototype.slice.call(container.querySelectorAll("[data-row]"));
    var windows = rows.map(function (row) { return isRemoved(row) ? null : intervalsOf(row); });
    rows.forEach(function (row, j) {
      var hint = row.querySelector("[data-overlap-hint]");
      if (!hint) return;
      var text = "";
      for (var i = 0; i < j && !text; i += 1) {
        if (windows[i] && windows[j] && overlaps(windows[i], windows[j])) {
          text = message.replace("{other}", String(i + 1)).replace("{zone}", windows[j].zone);
        }
      }
      if (hint.textContent !== text) hint.textContent = text;  // unchanged text is not announced again
    });
  }

  function setUp(form) {
    // Without JavaScript these submit; here they must not become the form's default button (Enter saves).
    each(form.querySelectorAll("[data-copy-rows], [data-hours-preset]"), function (button) { button.type = "button"; });
    each(form.querySelectorAll("[data-rows][data-required]"), refreshRemovable);
    each(form.querySelectorAll("input[name='general-support_24_7']"), refreshAllWeek);
    each(form.querySelectorAll("[data-rows][data-overlap-message]"), refreshOverlaps);
    // Captured, so the list is complete before the select's own handling (opening it, moving with the keys).
    ["focusin", "pointerdown", "mousedown", "keydown"].forEach(function (type) {
      form.addEventListener(type, completeTarget, true);
    });
    if (form.contains(document.activeElement)) completeCountries(document.activeElement);  // focused before now

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      if (button.matches("[data-copy-rows]")) {
        event.preventDefault();
        copyRows(button);
      } else if (button.matches("[data-hours-preset]")) {
        event.preventDefault();
        applyPreset(button);
      } else if (button.matches("[data-add-row]")) {
        // portal.js has added the row by now (its listener is on the button itself).
        var container = button.closest("fieldset.category").querySelector("[data-rows]");
        if (container) refreshRemovable(container);
      }
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches("[data-remove]")) {
        // portal.js marks the row first (its listener is on the rows' container).
        var rows = target.closest("[data-rows]");
        refreshRemovable(rows);
        if (rows.hasAttribute("data-overlap-message")) refreshOverlaps(rows);
      } else if (target.name === "general-support_24_7") {
        refreshAllWeek(target);
      }
      if (target.matches("input[list='contact-emails'], input[list='contact-names']")) suggest(target);
    });
    form.addEventListener("input", function (event) {
      var rows = event.target.closest("[data-rows][data-overlap-message]");
      if (rows) refreshOverlaps(rows);
    });
  }

  // Leaving a contact form with changes asks first. Where the form keeps a draft (drafts.js, [data-draft]) the
  // draft script asks, only for changes not kept yet; elsewhere (a section's own page) any change counts.
  function guardLeaving(form) {
    if (document.querySelector("[data-draft]")) return;
    var changed = false;
    var submitting = false;
    form.addEventListener("input", function () { changed = true; });
    form.addEventListener("change", function () { changed = true; });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!changed || submitting) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    each(document.querySelectorAll("form[data-contact-form]"), setUp);
    each(document.querySelectorAll("form[data-contact-form]"), guardLeaving);
  });
})();
