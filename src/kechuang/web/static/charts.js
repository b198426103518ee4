// Kechuang charts: draw every [data-chart] element with ECharts, on load and after each htmx
// swap. Its data is the JSON of the <script type="application/json"> block inside it (escaped
// on the server by http.htmlsafe.json_for_html), never an attribute and never code:
// data-chart="option" holds a whole ECharts option (indicators, cultivation, annual report),
// data-chart="spec" a few bar or line series over categories (dashboard, what-if, portfolio).
// The annual report file inlines this script (allowed by its hash), so it needs no server.
(function () {
  var PALETTE = ["#b3261e", "#2f6f9f", "#d08c2f", "#3c8d5a", "#7a5195", "#9aa5b1"];

  function data(el) {
    var block = el.querySelector('script[type="application/json"]');
    return block ? JSON.parse(block.textContent) : null;
  }

  function fromSpec(spec, el) {
    var longest = Math.max.apply(null, spec.categories.map(function (c) { return String(c).length; }));
    var crowded = spec.categories.length * Math.max(longest, 4) * 13 > el.clientWidth;
    return {
      color: spec.colors || PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "category", data: spec.categories,
               axisLabel: { interval: 0, rotate: crowded ? 35 : 0, width: 120, overflow: "truncate" } },
      yAxis: { type: "value", name: spec.unit || "" },
      series: spec.series.map(function (s) {
        return { name: s.name, type: spec.type || "bar", data: s.data, smooth: true };
      }),
    };
  }

  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var found = data(el);
      if (found === null) return;
      var option = el.dataset.chart === "spec" ? fromSpec(found, el) : found;
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function start() {
    draw(document);
    window.kechuangChartsReady = true;  // the PDF printer waits for this
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
