// Live subtotals and total on the score page. The server recomputes everything on save;
// this only spares the evaluator adding up 32 numbers while typing.
(function () {
  "use strict";
  const table = document.getElementById("sheet-table");
  if (!table) {
    return;
  }

  const parse = window.KaopingPoints.parse;
  const format = window.KaopingPoints.format;

  function recompute() {
    const subtotals = {};
    let total = 0;
    let scored = 0;
    let items = 0;
    table.querySelectorAll("tr.item-row").forEach(function (row) {
      const input = row.querySelector(".score-input");
      const category = row.dataset.category;
      const cap = Number(row.dataset.cap);
      items += 1;
      subtotals[category] = subtotals[category] || 0;
      let value = input ? parse(input.value) : parse(row.querySelector(".score-value").textContent);
      const bad = value !== null && (value > cap || value * 2 !== Math.floor(value * 2));
      if (input) {
        input.classList.toggle("is-warning", bad);
        const reason = row.querySelector(".reason-input");
        if (reason) {
          reason.classList.toggle("needs-reason", value !== null && value < cap && reason.value.trim() === "");
        }
      }
      if (value === null || bad) {
        return;
      }
      scored += 1;
      subtotals[category] += value;
      total += value;
    });
    table.querySelectorAll(".subtotal-value").forEach(function (cell) {
      cell.textContent = format(subtotals[cell.dataset.category] || 0);
    });
    document.getElementById("sheet-total").textContent = format(total);
    const progress = document.getElementById("sheet-progress");
    if (progress) {
      progress.dataset.scored = String(scored);
    }
  }

  // Typed but unsaved scores would be lost by leaving the page (an evidence upload reloads it).
  let dirty = false;
  const form = document.getElementById("sheet-form");
  table.addEventListener("input", function () {
    dirty = true;
    recompute();
  });
  if (form) {
    form.addEventListener("submit", function () {
      dirty = false;
    });
  }
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
  recompute();
})();
