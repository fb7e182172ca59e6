"""A job page whose job waits in the queue for long says a worker must be running."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.jobs.models import Job
from common.jobs.selectors import WAITING_LONG_SECONDS, job_progress
from reports.services.print_jobs import print_job_request
from tests.worlds import logged_in, scored_world

pytestmark = pytest.mark.django_db

HINT = "manage.py jobs_worker"


@pytest.fixture
def queued(outline) -> Job:
    world = scored_world(outline)
    analyst = world["analyst"]
    job = print_job_request(
        user=analyst, round=world["round"], organization=analyst.role_grants.get().organization,
        include_submitted=False,
    )
    assert job is not None
    return job


def queued_for(job: Job, seconds: int) -> Job:
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))
    job.refresh_from_db()
    return job


def test_it_says_nothing_of_workers_while_the_wait_is_short(queued):
    job = queued_for(queued, WAITING_LONG_SECONDS - 5)
    assert not job_progress(job).waiting_long
    response = logged_in(job.requested_by).get(reverse("jobs:job", args=[job.pk]))
    assert response.status_code == 200
    assert HINT not in response.content.decode()


def test_it_names_the_worker_command_once_queued_for_long(queued):
    job = queued_for(queued, WAITING_LONG_SECONDS + 1)
    assert job_progress(job).waiting_long
    response = logged_in(job.requested_by).get(reverse("jobs:status", args=[job.pk]))
    assert HINT in response.json()["html"]


def test_it_drops_the_hint_once_a_worker_has_started(queued):
    job = queued_for(queued, 600)
    Job.objects.filter(pk=job.pk).update(state="running", started_at=timezone.now())
    job.refresh_from_db()
    assert not job_progress(job).waiting_long
