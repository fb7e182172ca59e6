"""The 32-item score form: a score and a reason per item, each with the value it was loaded with.

Every field travels with its base (a hidden copy of the value the page was loaded with), so the
service can tell what this user changed from what others changed meanwhile. After a conflict
the page lists the conflicting fields in `pending`, and each needs an explicit choice
(`choice_<field>`: theirs or mine) before anything is saved: re-sending the page as it was
rendered overwrites nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _

from assessments.threeway import REASON, SCORE, UNKNOWN, Edit, FieldKey, Value
from assessments.validation import MAX_REASON_LENGTH, SCORE_MAX_LENGTH, clean_reason, parse_score
from indicators.models import Item
from indicators.points import format_points

THEIRS, MINE = "theirs", "mine"


def field_name(key: FieldKey) -> str:
    item_id, field = key
    return f"{field}_{item_id}"


def score_field(item_id: int) -> str:
    return field_name((item_id, SCORE))


def reason_field(item_id: int) -> str:
    return field_name((item_id, REASON))


def base_field(key: FieldKey) -> str:
    return "base_" + field_name(key)


def choice_field(key: FieldKey) -> str:
    return "choice_" + field_name(key)


def as_text(key: FieldKey, value: Value) -> str:
    if key[1] == SCORE:
        return format_points(value)
    return str(value or "")


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
    pending = forms.CharField(widget=forms.HiddenInput, required=False)

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
            for field in (SCORE, REASON):
                self.fields[base_field((item.id, field))] = forms.CharField(
                    required=False, strip=False, widget=forms.HiddenInput
                )

    def shown(self, name: str) -> str:
        """The text the page shows in a field: what was posted, or the initial value of a fresh page.

        BoundField.value() of these text fields, without one BoundField per field (the page has 130).
        """
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        return "" if value is None else str(value)

    def pending_keys(self) -> set[FieldKey]:
        raw = self.data.get("pending", "") if self.is_bound else self.initial.get("pending", "")
        keys = set()
        for name in str(raw).split():
            field, _sep, item_id = name.partition("_")
            if field in (SCORE, REASON) and item_id.isdigit():
                keys.add((int(item_id), field))
        return keys

    def _base(self, key: FieldKey, cap: Any) -> Any:
        name = base_field(key)
        if name not in self.data:
            return UNKNOWN  # a page that did not carry its base: never trusted as unchanged
        raw = self.data[name]
        if key[1] == REASON:
            return raw
        try:
            return parse_score(raw, cap)
        except ValidationError:
            return UNKNOWN

    def _typed(self, key: FieldKey, pending: set[FieldKey]) -> Any:
        """What the user wants for the field: what they typed, or the other person's value if
        they chose to keep it; None and an error if a conflict is left undecided."""
        if key not in pending:
            return self.cleaned_data.get(field_name(key))
        choice = self.data.get(choice_field(key))
        if choice == THEIRS:
            return self.data.get(base_field(key), "")
        if choice == MINE:
            return self.cleaned_data.get(field_name(key))
        self.add_error(field_name(key), _("与他人的修改冲突，请选择保留哪个值。"))
        return None

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data; django-stubs types it Optional
        cleaned = self.cleaned_data
        pending = self.pending_keys()
        self.edits: dict[FieldKey, Edit] = {}
        for item in self.items:
            score_key, reason_key = (item.id, SCORE), (item.id, REASON)
            raw_score, raw_reason = self._typed(score_key, pending), self._typed(reason_key, pending)
            if field_name(score_key) in self.errors or field_name(reason_key) in self.errors:
                continue
            try:
                score = parse_score(raw_score, item.cap)
            except ValidationError as error:
                self.add_error(field_name(score_key), error)
                continue
            try:
                reason = clean_reason(raw_reason, score, item.cap)
            except ValidationError as error:
                self.add_error(field_name(reason_key), error)
                continue
            self.edits[score_key] = Edit(self._base(score_key, item.cap), score)
            self.edits[reason_key] = Edit(self._base(reason_key, item.cap), reason)
        return cleaned


def initial_for(values: dict[FieldKey, Value], version: int, items: list[Item]) -> dict[str, Any]:
    """A fresh page: every field and its base hold the stored value."""
    initial: dict[str, Any] = {"version": version}
    for item in items:
        for key in ((item.id, SCORE), (item.id, REASON)):
            text = as_text(key, values.get(key))
            initial[field_name(key)] = initial[base_field(key)] = text
    return initial


def after_conflict(data: Any, conflict: Any) -> dict[str, Any]:
    """The page to show after a SheetConflict: the user's typing kept wherever they changed a
    field, others' changes shown where they did not, and each conflict pending a choice whose
    base is now the other person's value."""
    initial: dict[str, Any] = {name: data.get(name, "") for name in data if not name.startswith("choice_")}
    initial["version"] = conflict.version
    conflicting = {c.key for c in conflict.conflicts}
    for key, change in conflict.others.items():
        initial[base_field(key)] = as_text(key, change.value)
        if key not in conflicting:
            initial[field_name(key)] = as_text(key, change.value)
    initial["pending"] = " ".join(field_name(key) for key in sorted(conflicting))
    return initial
