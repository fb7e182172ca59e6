"""Indicators: the Django admin and the edition workbook."""

from __future__ import annotations

from django.urls import reverse

from indicators.models import IndicatorSystem

# --- Indicators: the Django admin and the edition workbook ---------------------------------------

CHANGELIST = "admin:indicators_indicatorsystem_changelist"
VERSION_HEADER = ["考评项目", "子项目", "评分标准", "分值"]


def change_url(system: IndicatorSystem) -> str:
    return reverse("admin:indicators_indicatorsystem_change", args=[system.pk])


def inline_management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
