// A lesson page: reports every few seconds that the lesson is being studied (only while
// the page is visible) and shows the time studied against the lesson's length.
(function () {
  "use strict";
  const status = document.getElementById("lesson-status");
  const bar = document.getElementById("lesson-progress");
  const token = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  const required = parseInt(status.dataset.required, 10);
  function show(seconds, done) {
    bar.style.width = Math.min(100, Math.floor(seconds * 100 / required)) + "%";
    if (done) status.textContent = status.dataset.doneText;
  }
  function beat() {
    if (document.visibilityState !== "visible") return;
    fetch(status.dataset.url, {
      method: "POST",
      headers: { "X-CSRFToken": token ? token.split("=")[1] : "" },
      credentials: "same-origin",
    }).then((r) => r.json()).then((data) => { if (!data.error) show(data.seconds, data.done); });
  }
  show(parseInt(status.dataset.seconds, 10), false);
  beat();
  setInterval(beat, parseInt(status.dataset.interval, 10) * 1000);
  document.addEventListener("visibilitychange", beat);
})();
