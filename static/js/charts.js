/* Draws every <canvas data-chart="ID"> from the JSON in <script type="application/json" id="ID">.
   The JSON is a Chart.js config: {"type": "bar", "data": {...}, "options": {...}}. No inline script (CSP). */
(function () {
  function draw() {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) { return; }
      var config = JSON.parse(source.textContent);
      config.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false},
                                     config.options || {});
      new Chart(canvas, config);
      canvas.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
}());
