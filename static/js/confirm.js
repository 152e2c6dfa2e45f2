// Ask before destructive actions: buttons carrying data-confirm. Once asked, the form says so (confirmed=1): the
// server's own confirmation step, for browsers without JavaScript, is then skipped.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (!button || !button.dataset.confirm) { return; }
  if (!window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  } else if (!event.target.querySelector("input[name=confirmed]")) {
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    event.target.appendChild(confirmed);
  }
});

// "Print or save" buttons.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
