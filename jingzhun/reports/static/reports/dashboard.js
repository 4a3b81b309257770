/* Dashboards: draw each section's chart from the page's own JSON (the table beside it holds
   the same numbers). Clicking a region's bar opens that region's dashboard. No network. */
(function () {
  "use strict";
  var select = document.querySelector("select[data-autosubmit]");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var specs = JSON.parse(source.textContent);
  var palette = ["#a61b1b", "#0b4f9c", "#1d6b35", "#c77c02", "#6b3fa0", "#00838f",
                 "#8d6e63", "#d81b60", "#546e7a", "#9e9d24", "#5d4037", "#3949ab", "#757575"];
  var font = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.font.family = font;
  window.Chart.defaults.font.size = 13;
  window.Chart.defaults.animation = false;

  function build(canvas, spec) {
    var round = spec.type === "doughnut" || spec.type === "pie";
    var datasets = spec.datasets.map(function (d, i) {
      var color = round ? palette.slice(0, d.data.length) : palette[i % palette.length];
      return Object.assign({}, d, {
        backgroundColor: color,
        borderColor: round ? "#fff" : palette[i % palette.length],
        borderWidth: round ? 1 : (spec.type === "line" ? 2 : 0),
        tension: 0.2
      });
    });
    var options = { responsive: true, maintainAspectRatio: false,
                    plugins: { legend: { position: round ? "right" : "top" } } };
    if (!round) {
      options.scales = { x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true } };
      if (spec.counts) { options.scales.y.ticks = { precision: 0 }; }  // households: no 0.5
      if (spec.horizontal) {
        options.indexAxis = "y";
        if (spec.percent) { options.scales.x.max = 100; }
      }
    }
    if (spec.urls) {
      options.onClick = function (event, elements) {
        if (elements.length) { window.location.href = spec.urls[elements[0].index]; }
      };
      options.onHover = function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      };
    }
    return new window.Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = specs[canvas.getAttribute("data-chart")];
    if (spec && spec.type) { canvas.chart = build(canvas, spec); }
  });
  document.documentElement.setAttribute("data-charts-ready", "1");
})();
