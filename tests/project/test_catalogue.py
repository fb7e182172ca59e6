"""The English catalogue translates every string the project marks for translation."""

import polib
import pytest
from django.utils import translation

from tests.worlds import ROOT

PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_entry_has_an_english_translation():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    obsolete = [e.msgid for e in catalogue.obsolete_entries()]
    assert (untranslated, fuzzy, obsolete) == ([], [], [])


def test_the_compiled_catalogue_is_in_use():
    with translation.override("en"):
        assert translation.gettext("评分标准") == "Scoring standard"
    with translation.override("zh-hans"):
        assert translation.gettext("评分标准") == "评分标准"


def test_django_messages_missing_from_its_chinese_catalogue_are_filled_in():
    from django.contrib.auth.password_validation import MinimumLengthValidator
    from django.core.exceptions import ValidationError

    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        MinimumLengthValidator().validate("abc")
    assert error.value.messages == ["密码太短，至少需要 8 个字符。"]


def test_every_translation_keeps_the_placeholders_of_its_source():
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    catalogue = polib.pofile(str(PO))
    wrong = []
    for entry in catalogue:
        expected = sorted(placeholder.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wrong += [entry.msgid for text in translations if sorted(placeholder.findall(text)) != expected]
    assert wrong == []
