// Bar chart of public and professional hours per year, with each year's minimums; the
// template follows it with the same figures as a table. Colours: the portal's blue and
// green (portal.css); the professional bars are outlined in black and their minimum's line
// has longer dashes, so that colour is not the only difference.
(function () {
  const canvas = document.getElementById("hours-chart");
  const source = document.getElementById("hours-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // Labels grow with the page's text (the elder-friendly mode sets 20 px), in dark grey.
  const rootSize = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  Chart.defaults.font.size = Math.round(rootSize * 0.8);
  Chart.defaults.color = "#212529";
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.years,
      datasets: [
        { label: data.labels.public, data: data.public, backgroundColor: "#0a58ca" },
        { label: data.labels.professional, data: data.professional, backgroundColor: "#146c43",
          borderColor: "#000", borderWidth: 2 },
        { type: "line", label: data.labels.public + " ≥", data: data.public_min,
          borderColor: "#0a58ca", borderDash: [4, 4], pointRadius: 0, fill: false },
        { type: "line", label: data.labels.professional + " ≥", data: data.professional_min,
          borderColor: "#146c43", borderDash: [10, 4], pointRadius: 0, fill: false },
      ],
    },
    options: { responsive: true, scales: { y: { beginAtZero: true } } },
  });
})();
