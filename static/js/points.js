// Reading and printing points in the browser, the way the server does (3, 2.5 — never 3.0).
// Shared by the score page and the edition editor; the server stays the authority.
//
// parse(text, cap) is indicators/points.py's parse_points, which assessments/validation.py's
// parse_score and the caps' parse_cap build on, step by step (its docstring is the reference;
// tests run one table of inputs through both):
//   1. a character outside the Basic Multilingual Plane → not a number;
//   2. NFKC (full-width digits, signs and spaces become ASCII);
//   3. "，" "。" "．" "," are decimal points;
//   4. trim Python's whitespace (str.isspace, listed in SPACE below — not JavaScript's trim());
//   5. empty → no score;
//   6. ^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)$ → a number; "-" and such a number → "negative";
//      anything else → "not_a_number";
//   7. above cap → "over_cap" (compared digit by digit, never as a float); then a fraction
//      other than .0 or .5 → "half_point".
// It answers {value, error}: value a Number (null for an empty input or an error), error null
// or the code of assessments.validation.messages(). Without a cap, step 7 checks half points only.
//
// cleanReason(text) is normalise_reason + the length count: "\r\n"/"\r" → "\n", direction
// controls removed, any other control character (Cc except \n and \t) → "reason_control",
// trimmed; length in code points. It answers {text, length, error, char}.
window.KaopingPoints = (function () {
  "use strict";

  const SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const TRIM = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");
  const ASTRAL = /[\ud800-\udfff]/;
  const NUMBER = /^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;
  const NEGATIVE = /^-([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;
  const BIDI = /[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g;
  const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

  function normalise(text) {
    return String(text).normalize("NFKC").replace(/[,。]/g, ".").replace(TRIM, "");
  }

  // "012.50" → ["12", "5"]: the integer part without leading zeros, the fraction without trailing ones.
  function digits(text) {
    const parts = text.replace(/^\+/, "").split(".");
    return [parts[0].replace(/^0+/, ""), (parts[1] || "").replace(/0+$/, "")];
  }

  function compare(a, b) {
    if (a[0].length !== b[0].length) {
      return a[0].length < b[0].length ? -1 : 1;
    }
    const width = Math.max(a[1].length, b[1].length);
    const left = a[0] + a[1].padEnd(width, "0");
    const right = b[0] + b[1].padEnd(width, "0");
    return left === right ? 0 : left < right ? -1 : 1;
  }

  function parse(text, cap) {
    if (ASTRAL.test(String(text))) {
      return { value: null, error: "not_a_number" };
    }
    const value = normalise(text);
    if (value === "") {
      return { value: null, error: null };
    }
    if (!NUMBER.test(value)) {
      return { value: null, error: NEGATIVE.test(value) ? "negative" : "not_a_number" };
    }
    const number = digits(value);
    if (cap !== undefined && cap !== null && compare(number, digits(String(cap))) > 0) {
      return { value: null, error: "over_cap" };
    }
    if (number[1] !== "" && number[1] !== "5") {
      return { value: null, error: "half_point" };
    }
    return { value: Number((number[0] || "0") + "." + (number[1] || "0")), error: null };
  }

  function cleanReason(text) {
    const kept = String(text).replace(/\r\n?/g, "\n").replace(BIDI, "");
    const control = CONTROL.exec(kept);
    const trimmed = kept.replace(TRIM, "");
    return {
      text: trimmed,
      length: Array.from(trimmed).length,
      error: control ? "reason_control" : null,
      char: control ? "U+" + control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") : "",
    };
  }

  function format(value) {
    // Half points only: one decimal at most, and none for whole points.
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  // A message of the server's, its %(name)s placeholders filled.
  function message(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  return { parse: parse, cleanReason: cleanReason, format: format, message: message };
})();
