"""The 32-item score form: one score and one reason field per item, plus the version token."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from assessments.services import Entry
from assessments.validation import MAX_REASON_LENGTH, clean_reason, parse_score
from indicators.models import Item
from indicators.points import format_points


def score_field(item_id: int) -> str:
    return f"score_{item_id}"


def reason_field(item_id: int) -> str:
    return f"reason_{item_id}"


class SheetForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            # Scores stay text so that whatever was typed ("9", "abc") comes back unchanged.
            self.fields[score_field(item.id)] = forms.CharField(required=False, max_length=20)
            self.fields[reason_field(item.id)] = forms.CharField(
                required=False, max_length=MAX_REASON_LENGTH + 200, widget=forms.Textarea(attrs={"rows": 2})
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.entries: dict[int, Entry] = {}
        for item in self.items:
            try:
                score = parse_score(cleaned.get(score_field(item.id)), item.cap)
            except ValidationError as error:
                self.add_error(score_field(item.id), error)
                continue
            try:
                reason = clean_reason(cleaned.get(reason_field(item.id)), score, item.cap)
            except ValidationError as error:
                self.add_error(reason_field(item.id), error)
                continue
            self.entries[item.id] = Entry(score, reason)
        return cleaned


def initial_for(scores: dict[int, Any], version: int) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": version}
    for item_id, row in scores.items():
        initial[score_field(item_id)] = format_points(row.score)
        initial[reason_field(item_id)] = row.reason
    return initial
