// Site-wide behaviour, kept out of the templates so that the Content-Security-Policy needs no
// inline script: a control marked data-submit-on-change sends its form as soon as it changes
// (the language switch, the report filters); each form has a <noscript> button as well.
document.addEventListener("change", (event) => {
  const control = event.target.closest("[data-submit-on-change]");
  if (control && control.form) {
    control.form.submit();
  }
});
