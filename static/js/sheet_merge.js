// The conflict choices on the score page: picking "theirs" shows their value in the field (so the
// live total counts it), picking "mine" brings back what was typed. The server decides by the
// radio alone; this only keeps what the page shows in step with the choice.
(function () {
  "use strict";
  const form = document.getElementById("sheet-form");
  if (!form) {
    return;
  }
  form.querySelectorAll("fieldset.merge-choice").forEach(function (fieldset) {
    const field = form.elements.namedItem(fieldset.dataset.field.replace(/^choice_/, ""));
    if (!field) {
      return;
    }
    fieldset.addEventListener("change", function (event) {
      const radio = event.target;
      if (radio.type !== "radio" || !radio.checked) {
        return;
      }
      field.value = radio.dataset.value;
      field.classList.remove("is-invalid");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
