// Class × fraud-type mastery heatmap (ECharts); the same numbers are in the table below it.
(function () {
  function draw() {
    var el = document.getElementById("heatmap");
    if (!el || !window.echarts) return;
    var d = JSON.parse(el.dataset.chart);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { formatter: function (p) { return d.classes[p.value[1]] + "<br>" + d.types[p.value[0]] + "：" + p.value[2] + "%"; } },
      grid: { left: 110, right: 10, top: 10, bottom: 110 },
      xAxis: { type: "category", data: d.types, axisLabel: { rotate: 50, fontSize: 10 } },
      yAxis: { type: "category", data: d.classes, inverse: true },
      visualMap: { min: 0, max: 100, calculable: false, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#fef3f2", "#fdb022", "#12b76a"] } },
      series: [{ type: "heatmap", data: d.data, label: { show: true, fontSize: 10 } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
