// Bar chart of public and professional hours per year, with each year's minimums.
(function () {
  const canvas = document.getElementById("hours-chart");
  const source = document.getElementById("hours-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.years,
      datasets: [
        { label: data.labels.public, data: data.public, backgroundColor: "#0d6efd" },
        { label: data.labels.professional, data: data.professional, backgroundColor: "#198754" },
        { type: "line", label: data.labels.public + " ≥", data: data.public_min,
          borderColor: "#0d6efd", borderDash: [4, 4], pointRadius: 0, fill: false },
        { type: "line", label: data.labels.professional + " ≥", data: data.professional_min,
          borderColor: "#198754", borderDash: [4, 4], pointRadius: 0, fill: false },
      ],
    },
    options: { responsive: true, scales: { y: { beginAtZero: true } } },
  });
})();
