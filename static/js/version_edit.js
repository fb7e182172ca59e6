// Live category subtotals and the total against the version total on the edition editor.
// The server checks everything again on save and before publishing; this only saves the admin
// adding up 32 caps while moving points between items.
(function () {
  "use strict";
  const table = document.getElementById("edit-table");
  if (!table) {
    return;
  }

  const parse = window.KaopingPoints.parse;
  const format = window.KaopingPoints.format;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function deleted(row) {
    const own = row.querySelector(".delete-box");
    const section = row.closest("tbody.category-section");
    const whole = section && section.querySelector(".category-row .delete-box");
    return (own && own.checked) || (whole && whole.checked);
  }

  function recompute() {
    const subtotals = {};
    let sum = 0;
    table.querySelectorAll("tr.item-row").forEach(function (row) {
      const input = row.querySelector(".cap-input");
      const read = parse(input.value);
      const value = read.value;
      const bad = Boolean(read.error) || (value !== null && value <= 0);
      input.classList.toggle("is-warning", bad);
      row.classList.toggle("text-decoration-line-through", Boolean(deleted(row)));
      if (value === null || bad || deleted(row)) {
        return;
      }
      subtotals[row.dataset.category] = (subtotals[row.dataset.category] || 0) + value;
      sum += value;
    });
    table.querySelectorAll(".subtotal-value").forEach(function (cell) {
      cell.textContent = format(subtotals[cell.dataset.category] || 0);
    });
    document.getElementById("edit-sum").textContent = format(sum);
    const total = parse(document.getElementById("version-total").value).value;
    const balance = document.getElementById("edit-balance");
    if (total === null) {
      balance.textContent = "";
      return;
    }
    const values = { sum: format(sum), total: format(total), diff: format(Math.abs(total - sum)) };
    const key = sum === total ? "msgEqual" : sum > total ? "msgOver" : "msgUnder";
    balance.textContent = fill(table.dataset[key], values);
    balance.classList.toggle("text-success", sum === total);
    balance.classList.toggle("text-danger", sum !== total);
  }

  document.getElementById("version-edit-form").addEventListener("input", recompute);
  document.getElementById("version-edit-form").addEventListener("change", recompute);
  recompute();
})();
