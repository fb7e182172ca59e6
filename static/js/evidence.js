// Evidence upload and deletion without leaving the score page, so that scores and reasons typed
// but not yet saved stay where they are. The plain forms of _evidence_forms.html still work
// without script; here their posts go by fetch, asking for JSON (assessments/views/evidence.py):
// the answer holds the item's cell, re-rendered (with a refusal's message in it), which replaces
// the old one; #evidence-status says what happened.
(function () {
  "use strict";
  const forms = document.getElementById("evidence-forms");
  const status = document.getElementById("evidence-status");
  if (!forms || !status || !window.fetch || !window.FormData) {
    return;
  }

  function say(text, ok) {
    status.textContent = text;
    status.classList.toggle("alert-success", ok);
    status.classList.toggle("alert-danger", !ok);
  }

  function replace(cell, html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    cell.replaceWith(fresh);
    const control = fresh.querySelector("input[type=file]");
    if (control) {
      control.focus();
    }
  }

  function refuse(cell, text) {
    cell.removeAttribute("aria-busy");
    cell.querySelectorAll("button, input").forEach(function (control) { control.disabled = false; });
    let error = cell.querySelector(".evidence-error");
    if (!error) {
      error = document.createElement("div");
      error.className = "invalid-feedback d-block evidence-error";
      cell.appendChild(error);
    }
    error.textContent = text;
    say(text, false);
  }

  function send(url, body, cell) {
    cell.setAttribute("aria-busy", "true");
    cell.querySelectorAll("button, input").forEach(function (control) { control.disabled = true; });
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": body.get("csrfmiddlewaretoken") },
    })
      .then(function (response) {
        // Anything else (a login page after the session ended, a 403 page, a proxy's own 413)
        // is no answer of ours.
        if (!(response.headers.get("Content-Type") || "").startsWith("application/json")) {
          throw new Error(response.status === 413 ? forms.dataset.tooLarge : forms.dataset.failed);
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer.html) {
          replace(cell, answer.html);
          say(answer.message, answer.ok);
        } else {
          refuse(cell, answer.message);
        }
      })
      .catch(function (error) {
        refuse(cell, error.message === forms.dataset.tooLarge ? error.message : forms.dataset.failed);
      });
  }

  forms.addEventListener("submit", function (event) {
    const submitter = event.submitter;
    const cell = submitter && submitter.closest(".evidence-cell");
    if (!cell) {
      return;
    }
    event.preventDefault();
    const file = cell.querySelector("input[type=file]");
    const limit = Number(forms.dataset.maxBytes);
    const uploading = event.target.enctype === "multipart/form-data";
    if (uploading && file && file.files.length && limit && file.files[0].size > limit) {
      refuse(cell, forms.dataset.tooLarge);  // the server would refuse it: spare the upload
      return;
    }
    // Read before the controls are disabled: a disabled file input is left out of the form data.
    const body = new FormData(event.target);
    send(submitter.getAttribute("formaction") || event.target.getAttribute("action"), body, cell);
  });
})();
