// A form's error summary ([data-error-summary]) takes the focus when the page opens, so that a screen reader reads
// it and the keyboard starts from it; each of its links moves the focus to the field in error, its label in view.
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  if (document.activeElement !== summary) { summary.focus(); }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) { return; }
    event.preventDefault();
    var label = field.id && document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
}());
