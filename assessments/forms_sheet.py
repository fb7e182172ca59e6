"""The 32-item score form: one score and one reason field per item, plus the version token."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from assessments.services import Entry
from assessments.validation import MAX_REASON_LENGTH, SCORE_MAX_LENGTH, clean_reason, parse_score
from indicators.models import Item
from indicators.points import format_points


def score_field(item_id: int) -> str:
    return f"score_{item_id}"


def reason_field(item_id: int) -> str:
    return f"reason_{item_id}"


class RawText(forms.CharField):
    """Text handed to assessments.validation exactly as typed, for it alone to judge.

    Django's own stripping and null-character check would answer some inputs with a second,
    different message than the browser's live check (static/js/points.js) shows.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, strip=False, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


class SheetForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            # Scores stay text so that whatever was typed ("9", "abc") comes back unchanged.
            self.fields[score_field(item.id)] = RawText(max_length=SCORE_MAX_LENGTH)
            # The limit is clean_reason's, counted after its cleaning; the attribute only stops typing.
            self.fields[reason_field(item.id)] = RawText(
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_REASON_LENGTH})
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
