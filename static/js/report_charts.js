// The report's charts in the browser: the same figures as the PDF's SVG charts.
(function () {
  const source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  const report = JSON.parse(source.textContent);
  // Labels grow with the page's text (the elder-friendly mode sets 20 px), in dark grey.
  const rootSize = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  Chart.defaults.font.size = Math.round(rootSize * 0.8);
  Chart.defaults.color = "#212529";
  new Chart(document.getElementById("rate-chart"), {
    type: "bar",
    data: {
      labels: report.rows.map((r) => r.label),
      datasets: [{ label: "%", data: report.rows.map((r) => r.rate), backgroundColor: "#146c43" }],
    },
    options: { indexAxis: "y", scales: { x: { min: 0, max: 100 } }, plugins: { legend: { display: false } } },
  });
  new Chart(document.getElementById("distribution-chart"), {
    type: "bar",
    data: {
      labels: report.distribution.map((d) => d.label),
      datasets: [{ data: report.distribution.map((d) => d.people), backgroundColor: "#0a58ca" }],
    },
    options: { plugins: { legend: { display: false } } },
  });
})();
