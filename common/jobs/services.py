"""The writes of the job engine that happen in a request: asking for a job and cancelling it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from common.jobs.engine import enqueue
from common.jobs.models import ACTIVE_STATES, Job, JobChunk, JobState
from common.jobs.sweep import seed_sweep, sweep_overdue


@dataclass(frozen=True)
class ChunkPlan:
    size: int
    params: dict[str, Any] = field(default_factory=dict)


def fingerprint(kind: str, params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([kind, params], sort_keys=True, default=str).encode()).hexdigest()


@transaction.atomic
def job_start(
    *, user: User, kind: str, title: str, params: dict[str, Any], chunks: Sequence[ChunkPlan],
    unit: str = "", next_url: str = "", join_waiting: bool = True,
) -> Job:
    """Record a job of `chunks` and send one task per chunk; workers do the rest.

    A double click, or a second tab, joins the same job of the same person still under way
    (`join_waiting`); an import never does, each upload is its own. The job row is its own
    record of who asked for what and when."""
    key = fingerprint(kind, params)
    if join_waiting:
        waiting = Job.objects.filter(requested_by=user, fingerprint=key, state__in=ACTIVE_STATES).first()
        if waiting is not None:
            return waiting
    job = Job.objects.create(
        kind=kind, title=title[:300], requested_by=user, language=get_language() or "zh-hans",
        params=params, fingerprint=key if join_waiting else "", total=sum(plan.size for plan in chunks),
        unit=unit, next_url=next_url,
    )
    rows = JobChunk.objects.bulk_create(
        JobChunk(job=job, index=index, size=plan.size, params=plan.params) for index, plan in enumerate(chunks)
    )
    from common.jobs.tasks import run_chunk_task

    for row in rows:
        enqueue(run_chunk_task, row.pk)
    if sweep_overdue():
        seed_sweep()
    return job


def job_cancel(*, job: Job) -> bool:
    """Stop a job under way; its workers stop at their next progress report. False if it had
    already ended."""
    return bool(
        Job.objects.filter(pk=job.pk, state__in=ACTIVE_STATES).update(
            state=JobState.CANCELLED, finished_at=timezone.now(),
        )
    )
