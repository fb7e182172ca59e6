// Reading and printing points in the browser, the way the server does (3, 2.5 — never 3.0).
// Shared by the score page and the edition editor; the server stays the authority.
window.KaopingPoints = (function () {
  "use strict";

  function parse(text) {
    const value = String(text).trim().replace("，", ".").replace("．", ".");
    if (value === "" || !/^\d+(\.\d+)?$/.test(value)) {
      return null;
    }
    return Number(value);
  }

  function format(value) {
    // Half points only: one decimal at most, and none for whole points.
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  return { parse: parse, format: format };
})();
