/* Draw every chart on the page: each .chart[data-option] names a JSON script holding an
   ECharts option built (and translated) on the server. No network access. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var charts = [];
  document.querySelectorAll(".chart[data-option]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-option"));
    if (!source) { return; }
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(source.textContent));
    box.setAttribute("data-rendered", "true");
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
