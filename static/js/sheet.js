// Live subtotals, total, progress and warnings on the score page. The server recomputes and
// checks everything on save; this reads every input by the server's own rules
// (KaopingPoints, mirroring assessments/validation.py) and shows the server's own messages
// (rendered into #sheet-rules in the page's language), in the place where the server puts them.
(function () {
  "use strict";
  const table = document.getElementById("sheet-table");
  if (!table) {
    return;
  }

  const points = window.KaopingPoints;
  const rulesNode = document.getElementById("sheet-rules");
  const rules = rulesNode ? JSON.parse(rulesNode.textContent) : { messages: {}, maxReasonLength: 0 };
  const texts = rules.messages;
  // Rows typed in since the page loaded: their server messages are about what was posted, not
  // about what the inputs hold now.
  const touched = new WeakSet();

  function warn(field, text) {
    const feedback = document.getElementById(field.id + "-feedback");
    if (!feedback) {
      return;
    }
    let live = feedback.querySelector(".live-error");
    if (live && !text) {
      live.remove();  // an empty feedback takes no room (kaoping.css)
    } else if (text) {
      if (!live) {
        live = document.createElement("div");
        live.className = "live-error";
        feedback.appendChild(live);
      }
      live.textContent = text;
    }
    field.classList.toggle("is-warning", text !== "");
    if (text) {
      field.setAttribute("aria-invalid", "true");
    } else if (!field.classList.contains("is-invalid")) {
      field.removeAttribute("aria-invalid");
    }
  }

  function forget(row) {
    row.querySelectorAll(".server-error").forEach(function (node) { node.remove(); });
    row.querySelectorAll(".is-invalid").forEach(function (node) { node.classList.remove("is-invalid"); });
  }

  function reasonWarning(reasonInput, score, cap) {
    const reason = points.cleanReason(reasonInput.value);
    const counter = document.getElementById(reasonInput.id + "-count");
    const limit = rules.maxReasonLength;
    if (counter) {
      counter.textContent = reason.length + " / " + limit;
      counter.classList.toggle("text-danger", reason.length > limit);
    }
    if (reason.error) {
      return points.message(texts.reason_control, { char: reason.char });
    }
    if (reason.length > limit) {
      return points.message(texts.reason_too_long, { limit: limit });
    }
    if (!score.error && score.value !== null && score.value < cap && reason.text === "") {
      return texts.reason_required;
    }
    return "";
  }

  function readRow(row) {
    const input = row.querySelector(".score-input");
    const capText = row.dataset.cap;
    const cap = Number(capText);
    if (!input) {
      return points.parse(row.querySelector(".score-value").textContent, capText);
    }
    const score = points.parse(input.value, capText);
    const reasonInput = row.querySelector(".reason-input");
    const reasonText = reasonInput ? reasonWarning(reasonInput, score, cap) : "";
    if (touched.has(row) || !row.querySelector(".server-error")) {
      const scoreText = score.error ? points.message(texts[score.error], { cap: points.format(cap) }) : "";
      warn(input, scoreText);
      if (reasonInput) {
        warn(reasonInput, reasonText);
      }
    }
    return score;
  }

  function recompute() {
    const subtotals = {};
    let total = 0;
    let scored = 0;
    let items = 0;
    table.querySelectorAll("tr.item-row").forEach(function (row) {
      const category = row.dataset.category;
      items += 1;
      subtotals[category] = subtotals[category] || 0;
      const score = readRow(row);
      // Exactly what the server would take as a score; anything it would refuse counts nothing.
      if (score.error || score.value === null) {
        return;
      }
      scored += 1;
      subtotals[category] += score.value;
      total += score.value;
    });
    table.querySelectorAll(".subtotal-value").forEach(function (cell) {
      cell.textContent = points.format(subtotals[cell.dataset.category] || 0);
    });
    document.getElementById("sheet-total").textContent = points.format(total);
    const progress = document.getElementById("sheet-progress");
    if (progress) {
      progress.dataset.scored = String(scored);
      if (progress.dataset.format) {
        progress.textContent = points.message(progress.dataset.format, { scored: scored, items: items });
      }
    }
  }

  // Typed but unsaved scores would be lost by leaving the page; a conflict page holds such input
  // before anything is typed on it.
  let dirty = Boolean(document.getElementById("conflict"));
  const form = document.getElementById("sheet-form");
  table.addEventListener("input", function (event) {
    const row = event.target.closest("tr.item-row");
    if (row && (event.target.matches(".score-input") || event.target.matches(".reason-input"))) {
      dirty = true;
      if (!touched.has(row)) {
        touched.add(row);
        forget(row);
      }
    }
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
  // Delegated: the evidence cells are replaced in place (evidence.js) with new buttons.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
  recompute();
})();
