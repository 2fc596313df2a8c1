// Behaviour the templates ask for with data attributes: the Content-Security-Policy
// allows no inline script and no event-handler attribute (onclick=…) in the pages.
// Listeners sit on the document, so content htmx swaps in later behaves the same.
(function () {
  "use strict";
  // <button data-confirm="…">: ask before the button submits its form.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]:is(button, input)");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
  // <form data-confirm="…">: ask before the form is sent, whichever button sent it.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
