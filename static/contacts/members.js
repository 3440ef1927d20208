// Alert contacts: the member search becomes a WAI-ARIA 1.2 combobox (a text box with a list box of matches,
// aria-activedescendant, arrow keys, Enter and Escape) over contacts:member_search. The member picked joins
// the chosen ones as a ticked checkbox. Without this file, "Search members" shows a paged list instead.
(function () {
  "use strict";

  var DELAY = 200; // ms of quiet typing before asking the server

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }

  function combobox(root) {
    var picker = root.closest("[data-member-picker]");
    var input = root.querySelector("[data-member-search-input]");
    var button = root.querySelector("[data-member-search-button]");
    var status = root.querySelector("[data-member-search-status]");
    var chosenList = picker.querySelector("[data-chosen-members]");
    var noneChosen = picker.querySelector("[data-no-chosen-members]");
    var url = root.getAttribute("data-search-url");
    var listboxId = input.id + "-listbox";
    var fieldName = picker.getAttribute("data-field-name");
    var idPrefix = picker.id + "_";
    var timer = null;
    var asked = 0; // the latest request: older answers arriving late are dropped
    var options = [];
    var active = -1;

    function text(name) { return root.getAttribute("data-text-" + name) || ""; }

    // The list box, built here: without JavaScript it would be an empty, useless element.
    var listbox = document.createElement("ul");
    listbox.id = listboxId;
    listbox.className = "member-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", root.querySelector("label").textContent);
    listbox.hidden = true;
    input.parentNode.appendChild(listbox);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listboxId);
    // The button would submit the whole form to search: here the list box does it. It must not stay the
    // form's default button either, or Enter in any field would search instead of saving.
    if (button) button.parentNode.removeChild(button);

    function announce(message) {
      // Cleared first, so the same message twice is still read out.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }

    function chosenBox(id) {
      return chosenList.querySelector("input[type=checkbox][value='" + id + "']");
    }

    function isChosen(id) {
      var box = chosenBox(id);
      return !!(box && box.checked);
    }

    function setActive(index) {
      options.forEach(function (option, i) {
        option.element.setAttribute("aria-selected", i === index ? "true" : "false");
        option.element.classList.toggle("is-active", i === index);
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (!options.length) return;
      var opening = listbox.hidden;
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      // Near the bottom of the modal the list would open under the sticky Save bar: bring it into view.
      if (opening) listbox.scrollIntoView({block: "nearest"});
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function show(results, more, term) {
      listbox.innerHTML = "";
      options = results.map(function (member) {
        var element = document.createElement("li");
        element.id = listboxId + "-" + member.id;
        element.setAttribute("role", "option");
        element.setAttribute("aria-selected", "false");
        element.className = "member-option";
        element.textContent = member.label;
        if (isChosen(member.id)) {
          element.setAttribute("aria-disabled", "true");
          var note = document.createElement("span");
          note.className = "member-option-note";
          note.textContent = " · " + text("chosen");
          element.appendChild(note);
        }
        listbox.appendChild(element);
        return {member: member, element: element};
      });
      active = -1;
      if (!options.length) {
        close();
        announce(format(text("none"), {term: term}));
        return;
      }
      open();
      var found = options.length === 1 ? text("one") : format(text("many"), {count: options.length});
      announce(more ? found + " " + text("more") : found);
    }

    function search() {
      var term = input.value.trim();
      window.clearTimeout(timer);
      if (!term) {
        asked += 1;
        listbox.innerHTML = "";
        options = [];
        close();
        return;
      }
      var ticket = ++asked;
      fetch(url + "?q=" + encodeURIComponent(term), {
        headers: {"Accept": "application/json"},
        credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) throw new Error("member search: " + response.status);
        return response.json();
      }).then(function (answer) {
        if (ticket === asked) show(answer.results, answer.more, term);
      }).catch(function () {
        if (ticket === asked) {
          close();
          announce(text("failed"));
        }
      });
    }

    function pick(index) {
      var option = options[index];
      if (!option) return;
      var member = option.member;
      if (isChosen(member.id)) {
        announce(format(text("again"), {member: member.label}));
        return;
      }
      var box = chosenBox(member.id);
      if (!box) {
        // The same markup as a chosen member drawn by the server.
        var item = document.createElement("li");
        item.className = "check";
        box = document.createElement("input");
        box.type = "checkbox";
        box.name = fieldName;
        box.value = String(member.id);
        box.id = idPrefix + member.id;
        var label = document.createElement("label");
        label.htmlFor = box.id;
        label.textContent = member.label;
        item.appendChild(box);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(label);
        chosenList.appendChild(item);
      }
      box.checked = true;
      if (noneChosen) noneChosen.hidden = true;
      input.value = "";
      listbox.innerHTML = "";
      options = [];
      close();
      input.focus();
      announce(format(text("added"), {member: member.label}));
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      var count = options.length;
      if (event.key === "ArrowDown" || event.key === "Down") {
        event.preventDefault();
        if (listbox.hidden) {
          if (count) open(); else search();
          if (!event.altKey && count) setActive(0);
        } else if (count) {
          setActive((active + 1) % count);
        }
      } else if (event.key === "ArrowUp" || event.key === "Up") {
        event.preventDefault();
        if (!count) return;
        if (listbox.hidden) open();
        setActive(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter") {
        // Enter in the search never submits the form: it picks, or searches at once.
        event.preventDefault();
        if (!listbox.hidden && active >= 0) pick(active);
        else search();
      } else if (event.key === "Escape" || event.key === "Esc") {
        // Closes the list, or else clears the text; handled here, it must not reach the dialog too.
        if (listbox.hidden && !input.value) return;
        event.preventDefault();
        event.stopPropagation();
        if (!listbox.hidden) close();
        else input.value = "";
      } else if (event.key === "Tab") {
        close();
      }
    });

    // Keep the focus in the text box when an option is clicked.
    listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    listbox.addEventListener("click", function (event) {
      var element = event.target.closest("[role=option]");
      if (!element) return;
      for (var i = 0; i < options.length; i += 1) {
        if (options[i].element === element) { pick(i); return; }
      }
    });
    input.addEventListener("blur", function () { close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-member-search]"), combobox);
  });
})();
