// Asking before an action that cannot be taken back (removing a member, launching): progressive enhancement only.
// Without this file the server asks on a page of its own; here a native <dialog> asks in place, then the form is
// sent with confirmed=1. A form opts in with data-confirm (the question), data-confirm-detail (what follows),
// data-confirm-button and data-cancel-button (the labels, translated by the server).
(function () {
  "use strict";

  var dialog = null;
  var title, detail, confirmButton, cancelButton;
  var pending = null; // the form waiting for an answer
  var opener = null; // the button that asked: focus goes back to it

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-detail");
    title = document.createElement("h2");
    title.id = "confirm-dialog-title";
    detail = document.createElement("p");
    detail.id = "confirm-dialog-detail";
    var actions = document.createElement("div");
    actions.className = "confirm-actions";
    confirmButton = document.createElement("button");
    confirmButton.type = "button";
    confirmButton.className = "button button-danger";
    cancelButton = document.createElement("button");
    cancelButton.type = "button";
    cancelButton.className = "button";
    actions.appendChild(confirmButton);
    actions.appendChild(cancelButton);
    dialog.appendChild(title);
    dialog.appendChild(detail);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);

    confirmButton.addEventListener("click", function () {
      var form = pending;
      pending = null;
      dialog.close();
      if (!form.querySelector("input[name='confirmed']")) {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "confirmed";
        field.value = "1";
        form.appendChild(field);
      }
      // requestSubmit, not submit(): other scripts (the draft kept before leaving) hear this submission too.
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    });
    cancelButton.addEventListener("click", function () { dialog.close(); });
    // Escape closes the dialog natively (a cancel): either way, nothing is sent and focus goes back.
    dialog.addEventListener("close", function () {
      if (pending && opener && document.contains(opener)) opener.focus();
      pending = null;
      opener = null;
    });
  }

  function ask(form, submitter) {
    if (!dialog) build();
    title.textContent = form.getAttribute("data-confirm");
    detail.textContent = form.getAttribute("data-confirm-detail") || "";
    detail.hidden = !detail.textContent;
    confirmButton.textContent = form.getAttribute("data-confirm-button") || submitter.textContent;
    cancelButton.textContent = form.getAttribute("data-cancel-button") || "Cancel";
    pending = form;
    opener = submitter;
    dialog.showModal();
    cancelButton.focus(); // the safe answer first: Enter or Space on it changes nothing
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-confirm]")) return;
    if (form.querySelector("input[name='confirmed']")) return; // confirmed in the dialog: let it go
    if (typeof HTMLDialogElement !== "function" || !("showModal" in HTMLDialogElement.prototype)) return;
    event.preventDefault();
    ask(form, event.submitter || document.activeElement);
  });
})();
