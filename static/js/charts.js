/* Draws every <canvas data-chart="ID"> from the JSON in <script type="application/json" id="ID">.
   The JSON is a Chart.js config: {"type": "bar", "data": {...}, "options": {...}}, with an optional "fullLabels"
   list (the tooltip's title for each label, e.g. a procedure's code and whole name). No inline script (CSP).
   Without JavaScript the page shows each chart's table; once a chart is drawn its box gets the class
   "chart-drawn" (shown by the CSS) and the table beside it (<details class="chart-data">) folds away. */
(function () {
  function draw() {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) { return; }
      var config = JSON.parse(source.textContent);
      var fullLabels = config.fullLabels;
      delete config.fullLabels;
      config.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false},
                                     config.options || {});
      if (fullLabels) {
        config.options.plugins = config.options.plugins || {};
        config.options.plugins.tooltip = config.options.plugins.tooltip || {};
        config.options.plugins.tooltip.callbacks = {
          title: function (items) { return items.length ? fullLabels[items[0].dataIndex] : ""; }
        };
      }
      canvas.parentElement.classList.add("chart-drawn");  // shown before drawing: Chart.js measures its box
      new Chart(canvas, config);
      canvas.dataset.drawn = "1";
      var block = canvas.closest(".chart-block");
      var table = block && block.querySelector("details.chart-data");
      if (table) { table.open = false; }
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
}());
