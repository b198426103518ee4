// Kechuang pages: draw every [data-chart] element with ECharts (bars of one or more series over
// categories), on load and after each htmx swap. The numbers come from the page's own JSON.
(function () {
  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var spec = JSON.parse(el.dataset.chart);
      var chart = echarts.init(el, null, { renderer: "svg" });
      var longest = Math.max.apply(null, spec.categories.map(function (c) { return String(c).length; }));
      var crowded = spec.categories.length * Math.max(longest, 4) * 13 > el.clientWidth;
      chart.setOption({
        color: spec.colors || ["#b3261e", "#2f6f9f", "#d08c2f", "#3c8d5a", "#7a5195", "#9aa5b1"],
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
        xAxis: { type: "category", data: spec.categories,
                 axisLabel: { interval: 0, rotate: crowded ? 35 : 0, width: 120, overflow: "truncate" } },
        yAxis: { type: "value", name: spec.unit || "" },
        series: spec.series.map(function (s) {
          return { name: s.name, type: spec.type || "bar", data: s.data, smooth: true };
        }),
      });
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
