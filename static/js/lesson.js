// A lesson page: reports every few seconds that the lesson is being studied (only while
// the page is visible) and shows the time studied against the lesson's length. When a
// beat is refused (the session expired: 401; the course closed: 409) it says so, with
// a link to log in again (back to this lesson) after a 401, and keeps beating: once
// the learner has logged in again in another tab the next beat counts and the notice
// goes. When a beat cannot be counted for now (503: Redis or the database is down; a
// reply that is not JSON, such as a proxy's error page or a failed CSRF check; no
// network) it says that timing is paused and retrying, until a beat counts again.
(function () {
  "use strict";
  const status = document.getElementById("lesson-status");
  const bar = document.getElementById("lesson-progress");
  const notice = document.getElementById("lesson-notice");
  const required = parseInt(status.dataset.required, 10);
  function csrfToken() {
    // Read at every beat: logging in again replaces the token.
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? cookie.split("=")[1] : "";
  }
  function show(seconds, done) {
    bar.style.width = Math.min(100, Math.floor(seconds * 100 / required)) + "%";
    if (done) status.textContent = status.dataset.doneText;
  }
  function warn(message, loginUrl) {
    notice.textContent = message;
    if (loginUrl) {
      const link = document.createElement("a");
      link.href = loginUrl;
      link.className = "alert-link ms-2";
      link.textContent = notice.dataset.loginText;
      notice.appendChild(link);
    }
    notice.classList.remove("d-none");
  }
  function paused() {
    warn(notice.dataset.pausedText);
  }
  function beat() {
    if (document.visibilityState !== "visible") return;
    fetch(status.dataset.url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    })
      .then((r) =>
        r.json().then(
          (data) => ({ code: r.status, data: data }),
          () => ({ code: r.status, data: null }), // not JSON
        ),
      )
      .then(({ code, data }) => {
        if (code === 200 && data && !data.error) {
          notice.classList.add("d-none");
          show(data.seconds, data.done);
        } else if (data && data.error && (code === 401 || code === 404 || code === 409)) {
          warn(data.error, data.login_url);
        } else {
          paused(); // 503 and the like: an outage; the next beat tries again
        }
      })
      .catch(paused); // offline: the next beat tries again
  }
  show(parseFloat(status.dataset.seconds), false);
  beat();
  setInterval(beat, parseInt(status.dataset.interval, 10) * 1000);
  document.addEventListener("visibilitychange", beat);
})();
