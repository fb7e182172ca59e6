"""A district analyst asks for every score sheet of the district as one print: the job page's bar
moves as a real worker prints the chunks, and the ZIP holds one PDF per part and a contents list.

The worker is the configured backend's own (django-tasks-db's, or RQ's under TASKS_BACKEND=rq),
run in the test's thread one task at a time: with SQLite the live server shares the test's
in-memory database connection, so the worker and the server must never use it at once. The
page's polls are held (Playwright routes) and let through one at a time between two tasks.
"""

import csv
import io
import zipfile

import pytest
from django.conf import settings
from playwright.sync_api import Page, Route, expect

from assessments.models import Round, RoundState
from common.jobs.models import Job, JobState
from common.jobs.selectors import job_progress
from orgs.models import Organization, Role
from tests.browser.pages import log_in
from tests.factories import user_with_role
from tests.worlds import DISTRICT_0, clear_queue, scored_world

pytestmark = [pytest.mark.browser, pytest.mark.jobs, pytest.mark.django_db(transaction=True)]


def work_one_task() -> None:
    if settings.TASKS_BACKEND == "rq":
        import django_rq

        django_rq.get_worker(
            "default", worker_class="rq.worker.SimpleWorker", job_class="django_tasks_rq.backend.Job",
        ).work(burst=True, max_jobs=1, with_scheduler=False)
        return
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=1, worker_id="browser-test", excluded_queue_names=[],
    ).run()


@pytest.fixture
def district(live_server, outline, settings):
    settings.PRINT_CHUNK_SHEETS = 2  # the district's 3 approved sheets print as 2 chunks
    clear_queue()
    world = scored_world(outline)
    Round.objects.filter(pk=world["round"].pk).update(state=RoundState.CLOSED)
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD000"), username="analyst_bd0")
    yield live_server.url, world["round"], analyst
    clear_queue()


def test_a_district_analyst_prints_every_sheet_and_watches_it_happen(page: Page, district, tmp_path):
    base_url, round, analyst = district
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/jobs/*/status/", hold)

    def poll() -> tuple[str, str | None]:
        """Let the page's next poll reach the server; the state and bar value it then shows."""
        with page.expect_response(lambda response: response.url.endswith("/status/")):
            while not held:
                page.wait_for_timeout(50)
            held.pop(0).continue_()
        job = Job.objects.get()
        status = page.locator("#job-status")
        expect(status).to_have_attribute("data-state", job.state)
        if job.is_finished:
            return job.state, None
        expect(page.locator("#job-bar")).to_have_attribute("value", str(job_progress(job).done))
        return job.state, page.locator("#job-bar").get_attribute("value")

    log_in(page, base_url, analyst.username, "pw-for-tests")
    page.goto(f"{base_url}/reports/rounds/{round.pk}/ranking/")
    page.get_by_role("button", name="批量打印评分表（PDF）").click()
    job = Job.objects.get()
    expect(page).to_have_url(f"{base_url}/jobs/{job.pk}/")
    expect(page.locator("#job-status")).to_have_attribute("data-state", "queued")
    seen = [("queued", page.locator("#job-bar").get_attribute("value"))]

    for _ in range(12):
        work_one_task()
        seen.append(poll())
        if seen[-1][0] == JobState.DONE:
            break
    states = [state for state, _ in seen]
    assert states[0] == "queued", seen
    assert "running" in states, seen
    assert states[-1] == "done", seen
    assert len({value for _, value in seen if value is not None}) >= 2, seen

    with page.expect_download() as download:
        page.get_by_role("link", name="下载 ZIP（每区一个 PDF）").click()
    path = tmp_path / "print.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pdfs = [name for name in names if name.endswith(".pdf")]
        assert sorted(names) == sorted([*pdfs, "目录.csv"])
        assert len(pdfs) == 2
        assert all(archive.read(name).startswith(b"%PDF") for name in pdfs)
        rows = list(csv.reader(io.StringIO(archive.read("目录.csv").decode("utf-8-sig"))))
    assert rows[0] == ["文件", "党组织编码", "党组织名称"]
    assert sorted(code for _, code, _ in rows[1:]) == sorted(DISTRICT_0)
    assert {name for name, _, _ in rows[1:]} == set(pdfs)
