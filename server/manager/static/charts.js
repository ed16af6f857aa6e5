/* The report pages' charts, drawn with Chart.js from the figures the page carries
 * (<script type="application/json" id="report-data">): the same numbers as its tables. */
(function () {
  "use strict";

  const source = document.getElementById("report-data");
  if (!source || typeof window.Chart !== "function") return;
  const data = JSON.parse(source.textContent);
  const Chart = window.Chart;
  // chartjs-chart-matrix registers its "matrix" chart with Chart.js as it loads.
  const hasMatrix = Boolean(window["chartjs-chart-matrix"]);
  Chart.defaults.font.family = '"Noto Sans CJK JP", "Noto Sans JP", sans-serif';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;  // the box around each chart sets its height
  const BLUE = "#1f5fa8";
  const ORANGE = "#d9822b";
  const charts = {};

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) charts[id] = new Chart(canvas, config);
  }

  function percent(share) { return share === null ? null : Math.round(share * 1000) / 10; }

  if (data.figures) {
    const groups = data.figures.groups;
    const labels = groups.map(function (g) { return g.key; });
    draw("chart-arrivals", {
      type: "bar",
      data: { labels: labels, datasets: [
        { label: "受付", data: groups.map(function (g) { return g.arrivals; }), backgroundColor: BLUE },
        { label: "対応完了", data: groups.map(function (g) { return g.served; }), backgroundColor: ORANGE },
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    draw("chart-service-level", {
      type: "line",
      data: { labels: labels, datasets: [{ label: "目標内の割合(%)", borderColor: BLUE,
        data: groups.map(function (g) { return percent(g.service_level); }), spanGaps: true }] },
      options: { scales: { y: { min: 0, max: 100 } } },
    });
  }
  if (data.waits) {
    draw("chart-waits", {
      type: "bar",
      data: { labels: data.waits.bins, datasets: [{ label: "人数", data: data.waits.total,
        backgroundColor: BLUE }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  if (data.heatmap && hasMatrix) {
    const cells = [];
    let most = 1;
    data.heatmap.weekdays.forEach(function (w) {
      w.visits.forEach(function (v, hour) {
        if (hour >= 7 && hour < 20) {
          cells.push({ x: hour + "時", y: w.name, v: v });
          most = Math.max(most, v);
        }
      });
    });
    draw("chart-heatmap", {
      type: "matrix",
      data: { datasets: [{ label: "来所者", data: cells,
        backgroundColor: function (ctx) {
          const cell = ctx.dataset.data[ctx.dataIndex];
          const alpha = cell ? 0.08 + 0.92 * cell.v / most : 0;
          return "rgba(31, 95, 168, " + alpha.toFixed(3) + ")";
        },
        width: function (ctx) { const a = ctx.chart.chartArea; return a ? a.width / 13 - 2 : 10; },
        height: function (ctx) { const a = ctx.chart.chartArea; return a ? a.height / 7 - 2 : 10; },
      }] },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          title: function () { return ""; },
          label: function (ctx) { const c = ctx.raw; return c.y + " " + c.x + ": " + c.v + "人"; },
        } } },
        scales: {
          x: { type: "category", labels: Array.from({ length: 13 }, function (_, i) { return (i + 7) + "時"; }), offset: true, grid: { display: false } },
          y: { type: "category", labels: ["月", "火", "水", "木", "金", "土", "日"], offset: true, reverse: true, grid: { display: false } },
        },
      },
    });
  }
  if (data.staffing) {
    const hours = data.staffing.hours.filter(function (h) { return h.hour >= 7 && h.hour < 20; });
    draw("chart-staffing", {
      data: { labels: hours.map(function (h) { return h.hour + "時"; }), datasets: [
        { type: "bar", label: "開いている窓口(平均)", data: hours.map(function (h) { return h.open_counters; }), backgroundColor: BLUE },
        { type: "line", label: "待っている人(平均)", data: hours.map(function (h) { return h.waiting; }), borderColor: ORANGE, backgroundColor: ORANGE },
      ] },
      options: { scales: { y: { beginAtZero: true } } },
    });
  }
  if (data.targets) {
    const rows = data.targets.by_site;
    draw("chart-targets", {
      type: "bar",
      data: { labels: rows.map(function (r) { return r.name; }), datasets: [
        { label: "来所者数の達成率(%)", data: rows.map(function (r) { return percent(r.visitors_share); }), backgroundColor: BLUE },
        { label: "就職件数の達成率(%)", data: rows.map(function (r) { return percent(r.placements_share); }), backgroundColor: ORANGE },
      ] },
      options: { scales: { y: { beginAtZero: true, suggestedMax: 100 } } },
    });
  }
  window.madoguchiCharts = charts;
})();
