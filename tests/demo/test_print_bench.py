"""The bench's batch print: both runs and the speed-up are reported. The worker processes of
`manage.py bench` are replaced by the `jobs` fixture (in this process), so the test stays fast;
the figures themselves come from real workers, in docs/benchmarks.md."""

import re

import pytest

from common.jobs.models import Job
from demo.print_bench import print_bench, print_scope
from orgs.models import Organization, Role
from tests.factories import build_tree, make_round, user_with_role
from tests.worlds import run_jobs, score_unit

pytestmark = [pytest.mark.django_db, pytest.mark.jobs]


class InProcess:
    """The bench's worker pool, run by the `jobs` fixture: no processes, so no memory figures."""

    def __init__(self) -> None:
        self.started: list[int] = []

    def start(self, count: int) -> None:
        self.started.append(count)

    def wait(self, job: Job, timeout: float) -> Job:
        run_jobs()
        job.refresh_from_db()
        return job

    def peaks_kib(self) -> list[int]:
        return []

    def cpu_seconds(self) -> list[float]:
        return []

    def stop(self) -> None:
        pass


@pytest.fixture
def world(outline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRINT_CHUNK_SHEETS = 2
    build_tree(districts=1, branches_per_district=4)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline, title="2026年度学习型党组织考评")
    for unit in Organization.objects.filter(code__startswith="BD000B"):
        score_unit(round, unit, evaluator, admin, {})
    return {"admin": admin, "round": round}


def test_it_picks_the_subtree_closest_to_the_sheets_asked_for(world):
    round, organization, sheets = print_scope(3)
    # The city and its one district hold the same 4 sheets: the wider scope is printed.
    assert (round, organization.code, sheets) == (world["round"], "BROOT", 4)
    assert print_scope(1)[1].code == "BD000B0000"


def test_it_reports_both_runs_and_the_speed_up(world, jobs):
    lines: list[str] = []
    pool = InProcess()
    runs = print_bench(lines.append, user=world["admin"], sheets=4, pool=pool)
    assert pool.started == [1, 2]
    assert [(run.workers, run.sheets, run.chunks) for run in runs] == [(1, 4, 2), (2, 4, 2)]
    assert all(run.total >= run.printing > 0 and run.finishing >= 0 for run in runs)
    assert "4 approved sheets of 测试市委 (BROOT)" in lines[0]
    assert "chunk 2 sheets" in lines[0]
    assert [line.split()[:3] for line in lines[2:4]] == [["1", "4", "2"], ["2", "4", "2"]]
    assert re.fullmatch(r"speed-up with 2 workers: \d+\.\d\dx", lines[4])
    # Each run's job goes with its files, so the second run was a job of its own.
    assert not Job.objects.exists()


def test_it_says_when_there_is_nothing_to_print(db):
    lines: list[str] = []
    assert print_bench(lines.append, user=user_with_role(Role.ADMIN), sheets=6, pool=InProcess()) == []
    assert lines == ["print: no approved sheets (run seed_demo first)"]
