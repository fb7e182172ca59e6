"""Reading the score page the way a browser does: every field of the form, as it would be sent."""

from __future__ import annotations

from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, {}
        self.textarea: str | None = None
        self.radios: dict[str, list[tuple[str, bool]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = attr.get("id") == self.form_id
        elif self.inside and tag == "input" and attr.get("name"):
            kind = attr.get("type", "text")
            if kind == "radio":
                self.radios.setdefault(attr["name"], []).append((attr.get("value", ""), "checked" in attr))
                if "checked" in attr:
                    self.fields[attr["name"]] = attr.get("value", "")
            elif kind not in ("submit", "button", "file", "checkbox"):
                self.fields[attr["name"]] = attr.get("value", "")
        elif self.inside and tag == "textarea" and attr.get("name"):
            self.textarea = attr["name"]
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[self.textarea] += data


def read_form(html: str, form_id: str = "sheet-form") -> tuple[dict[str, str], dict[str, list[tuple[str, bool]]]]:
    """The fields the form would send as it stands (a textarea's leading newline dropped as a
    browser drops it), and its radio groups with their options."""
    reader = _FormReader(form_id)
    reader.feed(html)
    fields = {name: value[1:] if value.startswith("\n") and name.startswith("reason_") else value
              for name, value in reader.fields.items()}
    return fields, reader.radios


def sheet_url(sheet) -> str:
    return reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk])


def open_sheet(client: Client, sheet) -> dict[str, str]:
    response = client.get(sheet_url(sheet))
    assert response.status_code == 200
    return read_form(response.content.decode())[0]


def typed(fields: dict[str, str], items: dict[str, int], changes: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The page's fields with some items typed over: {"2.2": ("0.5", "reason")}."""
    data = dict(fields)
    for number, (score, reason) in changes.items():
        data[f"score_{items[number]}"] = score
        data[f"reason_{items[number]}"] = reason
    data["action"] = "save"
    return data
