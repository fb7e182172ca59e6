"""Reading HTML forms the way a browser submits them, so that the load clients post what people post.

Every successful control of a form counts (hidden ones included); buttons are added by the
caller as the one that was clicked; file inputs are sent separately. Nothing here knows the
score sheet's field names: what the server renders is what goes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import cast

NOT_SUBMITTED = frozenset({"submit", "button", "image", "reset", "file"})


@dataclass
class Form:
    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)
    file_inputs: list[str] = field(default_factory=list)
    # Item id → cap, read from the `data-cap` of the `tr.item-row` holding the item's score input.
    caps: dict[int, Decimal] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def names(self) -> set[str]:
        return {key for key, _ in self.fields}

    def replaced(self, values: dict[str, str]) -> list[tuple[str, str]]:
        """The fields in document order with some values changed, as a user typing would."""
        return [(key, values.get(key, value)) for key, value in self.fields]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.cap: Decimal | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.select: tuple[str, list[tuple[str, bool]]] | None = None
        self.option: list[str] | None = None
        self.option_value: str | None = None
        self.option_selected = False

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {key: value or "" for key, value in attr_list}
        if tag == "form":
            self.form = Form(attrs)
            self.forms.append(self.form)
        elif tag == "tr":
            classes = attrs.get("class", "").split()
            self.cap = Decimal(attrs["data-cap"]) if "item-row" in classes and "data-cap" in attrs else None
        if self.form is None or "disabled" in attrs:
            return
        name = attrs.get("name", "")
        if tag == "input" and name:
            self._input(self.form, name, attrs)
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            self.option, self.option_value = [], attrs.get("value")
            self.option_selected = "selected" in attrs

    def _input(self, form: Form, name: str, attrs: dict[str, str]) -> None:
        kind = attrs.get("type", "text").lower()
        if kind == "file":
            form.file_inputs.append(name)
        elif kind in NOT_SUBMITTED:
            return
        elif kind in ("checkbox", "radio"):
            if "checked" in attrs:
                form.fields.append((name, attrs.get("value", "on")))
        else:
            form.fields.append((name, attrs.get("value", "")))
            if self.cap is not None and name.startswith("score_") and name[6:].isdigit():
                form.caps[int(name[6:])] = self.cap

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.option is not None:
            self.option.append(data)

    def handle_endtag(self, tag: str) -> None:
        # Casts: a textarea, select or option only opens inside a form (handle_starttag), and an
        # option inside a select.
        form = cast(Form, self.form)
        if tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            text = "".join(parts)
            # As a browser does: one newline right after <textarea> is not content, and line
            # breaks are sent as CRLF.
            text = text[1:] if text.startswith("\n") else text
            form.fields.append((name, text.replace("\r\n", "\n").replace("\n", "\r\n")))
            self.textarea = None
        elif tag == "option" and self.option is not None:
            text = "".join(self.option).strip()
            select = cast("tuple[str, list[tuple[str, bool]]]", self.select)
            select[1].append((text if self.option_value is None else self.option_value, self.option_selected))
            self.option = None
        elif tag == "select" and self.select is not None:
            name, options = self.select
            chosen = [value for value, selected in options if selected] or [value for value, _ in options[:1]]
            form.fields.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "tr":
            self.cap = None
        elif tag == "form":
            self.form = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def find_form(html: str, *, form_id: str | None = None, having: str | None = None) -> Form | None:
    """The form with this id, or the first one with a control of this name (or a file input)."""
    for form in parse_forms(html):
        if form_id is not None and form.attrs.get("id") == form_id:
            return form
        if having is not None and (having in form.names() or having in form.file_inputs):
            return form
    return None
