// Drafts of the contact form: what is typed is kept server-side while the user types (about a second after the
// last change, and when the page is hidden or left), so a reload, a switch, a visit to the Users tab, an
// invitation or signing out loses nothing. Progressive enhancement only: without this file the language and
// environment switches still carry the form (they submit it to the draft switch).
(function () {
  "use strict";

  var DEBOUNCE_MS = 1000;

  function drafts(root) {
    var form = document.getElementById(root.getAttribute("data-draft-form")) ||
      document.querySelector("form[data-contact-form]");
    if (!form) return;
    var url = root.getAttribute("data-draft-url");
    var status = root.querySelector("[data-draft-status]");
    var notice = root.querySelector("[data-draft-notice]");
    var discardForm = root.querySelector("form[data-draft-discard]");
    var kept = null;       // the form as the server holds it: stored, or the draft it restored
    var touched = false;   // only the user's own changes make a draft, not what other scripts fill in
    var done = false;      // the form was submitted, or the draft discarded: nothing more to keep
    var timer = null;
    var inflight = null;

    function serialize() {
      return new URLSearchParams(new FormData(form)).toString();
    }

    function dirty() {
      return !done && touched && serialize() !== kept;
    }

    function say(text) {
      if (status && text && status.textContent !== text) status.textContent = text;
    }

    function save() {
      clearTimeout(timer);
      timer = null;
      if (!dirty()) return inflight || Promise.resolve();
      var body = serialize();
      var request = fetch(url, {
        method: "POST",
        body: new FormData(form),  // with the form's CSRF token
        credentials: "same-origin",
        headers: {"Accept": "application/json"}
      }).then(function (response) {
        if (!response.ok) throw new Error("draft not kept: " + response.status);
        return response.json();
      }).then(function (answer) {
        kept = body;
        // A form typed back to what is stored is no draft: nothing to discard then.
        if (notice) notice.hidden = !answer.saved;
        if (answer.saved) say(root.getAttribute("data-text-saved"));
      }).catch(function () {
        say(root.getAttribute("data-text-failed"));
      }).then(function () {
        if (inflight === request) inflight = null;
      });
      inflight = request;
      return request;
    }

    function schedule(event) {
      if (done || !event.isTrusted) return;
      touched = true;
      clearTimeout(timer);
      timer = setTimeout(save, DEBOUNCE_MS);
    }

    // When the page goes away: a beacon survives it (fetch might not).
    function beacon() {
      if (!dirty() || !navigator.sendBeacon) return;
      var body = serialize();
      if (navigator.sendBeacon(url, new FormData(form))) kept = body;
    }

    // Submit `target` for real, as `submitter` would have, without running the submit handlers again.
    function submitNow(target, submitter) {
      if (submitter && submitter.name) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = submitter.name;
        input.value = submitter.value;
        target.appendChild(input);
      }
      if (submitter && submitter.hasAttribute("formaction")) target.action = submitter.formAction;
      HTMLFormElement.prototype.submit.call(target);
    }

    document.addEventListener("submit", function (event) {
      var target = event.target;
      if (event.defaultPrevented) return;
      if (target === form || target === discardForm) {
        // Saving, a switch (the server keeps the posted form) or discarding: the draft is settled by the request.
        done = true;
        clearTimeout(timer);
        if (inflight) {
          // Let the last autosave land first, or it could bring back a draft this request deletes.
          event.preventDefault();
          var pending = event.submitter;
          inflight.then(function () { submitNow(target, pending); });
        }
        return;
      }
      if (!dirty() && !inflight) return;
      // Another form of the page (an invitation, signing out): keep the draft first, then go.
      event.preventDefault();
      var submitter = event.submitter;
      save().then(function () {
        done = true;
        submitNow(target, submitter);
      });
    });

    ["input", "change", "click", "keyup"].forEach(function (type) {
      form.addEventListener(type, schedule);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") beacon();
    });
    window.addEventListener("pagehide", beacon);
    // Back to this page from the history (the back/forward cache): keeping drafts again.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      done = false;
      kept = serialize();
    });
    // Leaving with changes not yet kept asks first (they are sent on the way out too, should the user leave).
    window.addEventListener("beforeunload", function (event) {
      if (!dirty()) return;
      if (navigator.sendBeacon) navigator.sendBeacon(url, new FormData(form));
      event.preventDefault();
      event.returnValue = "";
    });

    // Once every other script has filled in its defaults, what the page holds is the starting point.
    setTimeout(function () { kept = serialize(); }, 0);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-draft]"), drafts);
  });
})();
