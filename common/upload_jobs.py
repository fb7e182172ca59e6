"""A large import as a background job: the upload kept in Django's default storage for the
worker (so any machine's worker can read it), and the file's problems in the shape the job's
page lists them.

The request checks what it can without parsing a row (`common.upload_checks.upload_rows`) and
stores the file; the worker runs the very service the request runs for a small file, in its one
transaction, and deletes the stored file whatever the outcome.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Generic, TypeVar

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.jobs.engine import Stopped
from common.jobs.handlers import AddFile, JobRefused, Progress
from common.jobs.models import ACTIVE_STATES, Job, JobChunk
from common.upload_checks import Problem

UPLOAD_FOLDER = "job-uploads"
# As on the import pages: a bad file of thousands of rows shows its first problems.
PROBLEMS_SHOWN = 200

Result = TypeVar("Result")


@dataclass(frozen=True)
class Submitted(Generic[Result]):
    """What an import page gets back: the result of a file applied at once, the problems of a
    refused one, or the job a large one became."""

    result: Result | None = None
    problems: list[Problem] = field(default_factory=list)
    job: Job | None = None


def store_upload(upload: IO[bytes]) -> str:
    """Keep the upload for a worker under a generated name; returns the name."""
    upload.seek(0)
    return default_storage.save(f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}.xlsx", File(upload))


@contextmanager
def stored_upload(name: str, job: Job) -> Iterator[IO[bytes]]:
    """The stored upload, opened for reading; deleted afterwards, also when the import failed.
    Kept only when another attempt at the same job now holds it (this one lost its lease)."""
    keep = False
    try:
        with default_storage.open(name, "rb") as handle:
            yield handle
    except Stopped:
        keep = Job.objects.filter(pk=job.pk, state__in=ACTIVE_STATES).exists()
        raise
    finally:
        if not keep:
            default_storage.delete(name)


def problem_rows(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    """The first problems as the job's page lists them; the column's letter leads, as on the import page."""
    return [
        {"row": problem.row, "column": f"{problem.letter} {problem.column}".strip(), "message": problem.message}
        for problem in problems[:PROBLEMS_SHOWN]
    ]


def refusal(file_name: str, problems: Sequence[Problem]) -> JobRefused:
    """The job's failure in the words of the import page."""
    count = len(problems)
    message = ngettext(
        "文件“%(name)s”有 %(counter)s 处问题，没有导入任何数据。请修改后重新上传。",
        "文件“%(name)s”有 %(counter)s 处问题，没有导入任何数据。请修改后重新上传。", count,
    ) % {"name": file_name, "counter": count}
    if count > PROBLEMS_SHOWN:
        message += _("以下列出前 %(shown)s 处。") % {"shown": PROBLEMS_SHOWN}
    return JobRefused(message, problem_rows(problems))


class UploadImport(ABC):
    """The handler of an import job: one chunk, the whole file in one transaction. A subclass
    names its `kind` and applies the file in `apply`, returning the problems that refused it."""

    kind: str

    @abstractmethod
    def apply(self, job: Job, upload: IO[bytes], progress: Callable[[int], None]) -> list[Problem]:
        """Apply the whole file in one transaction; the problems that refused it, or none."""

    def run_chunk(self, job: Job, chunk: JobChunk, progress: Progress) -> None:
        with stored_upload(job.params["upload"], job) as upload:
            problems = self.apply(job, upload, progress)
        if problems:
            raise refusal(job.params["file_name"], problems)
        progress(chunk.size)

    def discard(self, job: Job) -> None:
        """The sweep's removal of an old job: its upload, if no worker ever read it (cancelled first)."""
        default_storage.delete(job.params["upload"])

    def finish(self, job: Job, chunks: Sequence[JobChunk], add_file: AddFile) -> None:  # noqa: B027 - doing nothing is an import's finish, not a missing one
        """An import writes to the database; it has nothing to download."""
