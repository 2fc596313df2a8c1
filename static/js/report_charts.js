// The report's charts in the browser: the same figures as the PDF's SVG charts.
(function () {
  const source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  const report = JSON.parse(source.textContent);
  new Chart(document.getElementById("rate-chart"), {
    type: "bar",
    data: {
      labels: report.rows.map((r) => r.label),
      datasets: [{ label: "%", data: report.rows.map((r) => r.rate), backgroundColor: "#198754" }],
    },
    options: { indexAxis: "y", scales: { x: { min: 0, max: 100 } }, plugins: { legend: { display: false } } },
  });
  new Chart(document.getElementById("distribution-chart"), {
    type: "bar",
    data: {
      labels: report.distribution.map((d) => d.label),
      datasets: [{ data: report.distribution.map((d) => d.people), backgroundColor: "#0d6efd" }],
    },
    options: { plugins: { legend: { display: false } } },
  });
})();
