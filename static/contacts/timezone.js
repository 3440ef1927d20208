// timezone: progressive enhancement of the contact information form; every form works without it.
// A support window's time zone starts as the browser's own: filled in when a window row is added, or when
// something else of a window row is filled in while its time zone is still empty. A value the user typed (or
// cleared) is never replaced, and a blank row stays blank: the server skips blank rows, and a time zone
// alone would make one count.
(function () {
  "use strict";

  var SELECTOR = "input[data-time-zone]";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  // The week coverage grid is drawn in the viewer's own zone: tell the server which it is (checked there).
  function rememberBrowserZone() {
    var zone = browserZone();
    if (!zone || !/^[A-Za-z0-9_+\-\/]+$/.test(zone)) return;
    if (document.cookie.indexOf("browser_time_zone=" + zone) !== -1) return;
    document.cookie = "browser_time_zone=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }
  rememberBrowserZone();

  // The suggestions (one option per zone, some 40 kB) are not in the page: they come once the page is shown, from
  // the URL the empty <datalist data-src> names, and the browser keeps them. Without this script there are no
  // suggestions; the field still reads a city, a country or an offset typed in.
  var suggestions = null;
  function loadSuggestions() {
    if (suggestions) return suggestions;
    var list = document.getElementById("time-zone-names");
    var source = list && list.getAttribute("data-src");
    if (!list || !source || list.options.length || typeof fetch !== "function") {
      suggestions = Promise.resolve();
      return suggestions;
    }
    suggestions = fetch(source, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var parsed = new DOMParser().parseFromString(html, "text/html").getElementById("time-zone-names");
        if (parsed) list.innerHTML = parsed.innerHTML;
      })
      .catch(function () {});
    return suggestions;
  }

  // Only a zone the server knows (one of the suggestions): "Etc/Unknown" and the like are left out.
  function knownZone() {
    var zone = browserZone();
    var list = document.getElementById("time-zone-names");
    if (!zone || !list) return "";
    for (var i = 0; i < list.options.length; i++) {
      if (list.options[i].value === zone) return zone;
    }
    return "";
  }

  function fill(input) {
    if (!input) return;
    loadSuggestions().then(function () { fillNow(input); });
  }

  function fillNow(input) {
    if (input.disabled || input.readOnly || input.value !== "" || input.hasAttribute("data-touched")) return;
    var zone = knownZone();
    if (!zone) return;
    input.value = zone;
    input.setAttribute("data-filled-from-browser", "");
    // Other scripts (drafts, unsaved-changes warning) learn of the value as if it were typed.
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function zoneOfRow(element) {
    var row = element.closest ? element.closest("[data-row]") : null;
    return row ? row.querySelector(SELECTOR) : null;
  }

  // Something of a window row was filled in (a day ticked, a time typed): its empty time zone follows.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || !target.matches || target.matches(SELECTOR) || !event.isTrusted) return;
    if (target.type === "checkbox" ? !target.checked : target.value === "") return;
    if (target.matches("[data-remove]")) return;
    fill(zoneOfRow(target));
  });

  // A support-hours preset filled the row in (static/contacts/form.js): its empty time zone follows too.
  document.addEventListener("contacts:row-filled", function (event) {
    fill(event.target.querySelector ? event.target.querySelector(SELECTOR) : null);
  });

  // Typed into (even emptied): the user's value from now on.
  document.addEventListener("input", function (event) {
    if (event.isTrusted && event.target && event.target.matches && event.target.matches(SELECTOR)) {
      event.target.setAttribute("data-touched", "");
    }
  });

  // A row added (cloned from its <template>): a new window starts in the browser's zone.
  function watch() {
    if (typeof MutationObserver !== "function") return;
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        Array.prototype.forEach.call(mutation.addedNodes, function (node) {
          if (node.nodeType !== 1 || !node.matches("[data-row]")) return;
          fill(node.querySelector(SELECTOR));
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  function start() {
    watch();
    loadSuggestions();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
