// The declaration form: the hours the conversion table suggests for the activity and
// quantity entered, shown as the professional types.
(function () {
  "use strict";
  const form = document.getElementById("declaration-form");
  const box = document.getElementById("suggested");
  if (!form || !box) return;
  function update() {
    const kind = form.elements["kind"].value;
    const row = document.querySelector('#conversion-table tr[data-kind="' + kind + '"]');
    const quantity = parseFloat(form.elements["quantity"].value || "0");
    if (!row || !(quantity > 0)) { box.hidden = true; return; }
    let hours = parseFloat(row.dataset.hours) * quantity;
    if (form.elements["with_bonus"].checked) hours += parseFloat(row.dataset.bonus || "0");
    document.getElementById("suggested-hours").textContent = (Math.round(hours * 10) / 10).toFixed(1);
    box.hidden = false;
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
