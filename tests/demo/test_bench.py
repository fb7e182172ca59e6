"""`manage.py bench --json` keeps working: a one-repeat run on the small demo prints every key.

The figures themselves are not asserted (speed is measured by `make bench`, never in tests);
only that each key is there, of the right type, and that the bench leaves the data as it found it.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from assessments.models import Assessment, AuditEvent, Round, RoundState

pytestmark = pytest.mark.django_db

PAGES = ["ranking", "ranking_deep", "compare_3", "compare_10", "trend", "rollup", "weak", "tree", "search",
         "home", "sheet_get", "save", "save_post", "xlsx", "pdf"]
GROWING = ["ranking", "ranking_deep", "rollup", "weak"]


@pytest.fixture
def demo(outline, settings):
    settings.DEBUG = True
    call_command("seed_demo", years=1, stdout=StringIO())


def run_bench(**options):
    out = StringIO()
    call_command("bench", json=True, repeat=1, stdout=out, **options)
    lines = out.getvalue().strip().splitlines()
    return lines, json.loads(lines[-1])


def is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


# One run serves all the checks: a bench run renders every page, two PDFs and two workbooks.
def test_it_prints_every_key_on_its_last_line_and_leaves_the_data_as_it_found_it(demo):
    rounds = list(Round.objects.order_by("pk").values_list("pk", "title"))
    counts = (Assessment.objects.count(), AuditEvent.objects.count())
    lines, figures = run_bench()
    assert len(lines) > len(PAGES)  # the human lines come first
    assert not any(line.startswith("print:") for line in lines)  # no batch print with --json unless asked
    assert is_number(figures["trivial_page_ms"])
    for page in PAGES:
        for key in ("ms", "floor_ms", "ratio"):
            assert is_number(figures[f"{page}_{key}"]), f"{page}_{key}"
        assert isinstance(figures[f"{page}_queries"], int)
        assert figures["page_queries"][page] == figures[f"{page}_queries"]
    for page in GROWING:
        assert is_number(figures[f"{page}_small_ms"])
        assert is_number(figures[f"{page}_growth"])
    for key in ("ranking_ratio", "xlsx_ratio", "pdf_ratio", "xlsx_peak_mb"):
        assert is_number(figures[key]), key
    # The worst of the ranking pages (page 1's own is ranking_ms / ranking_floor_ms).
    assert figures["ranking_ratio"] >= figures["ranking_deep_ratio"]
    assert 0 < figures["save_queries"] <= 8  # the quality bar, counted by the bench itself
    latest = Round.objects.filter(state=RoundState.CLOSED).order_by("-year").first()
    assert figures["round_assessments"] == Assessment.objects.filter(round=latest).count()
    assert list(Round.objects.order_by("pk").values_list("pk", "title")) == rounds
    assert (Assessment.objects.count(), AuditEvent.objects.count()) == counts
