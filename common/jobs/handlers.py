"""What a kind of job does: the registry the engine looks kinds up in, and the handler's shape.

Apps register their handlers in `AppConfig.ready`, so a worker knows every kind once Django is
set up, and this package never imports the apps that use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import IO, Any, Protocol

from common.jobs.models import Job, JobChunk


class JobRefused(Exception):
    """The work cannot be done as asked (nothing left to print, an import with bad rows): the job
    fails with this message, and the rows' problems, for the person to read. Nothing is retried."""

    def __init__(self, message: str, problems: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class Progress(Protocol):
    def __call__(self, done: int) -> None:
        """Report `done` units of the chunk; raises `Stopped` when the job was cancelled or the
        chunk was handed to another worker, so the work stops at once."""


AddFile = Callable[..., None]


class Handler(Protocol):
    kind: str

    def run_chunk(self, job: Job, chunk: JobChunk, progress: Progress) -> tuple[IO[bytes], str] | None:
        """Do one chunk's work. Return an open file and its suffix ("pdf") to keep as the chunk's
        result, or None. Must be idempotent: a chunk is run again when its worker died."""

    def finish(self, job: Job, chunks: Sequence[JobChunk], add_file: AddFile) -> None:
        """Make the job's downloads from its chunks' results: `add_file(label=, filename=,
        content_type=, handle=)` for each."""


_registry: dict[str, Handler] = {}


def register(handler: Handler) -> None:
    _registry[handler.kind] = handler


def handler_for(kind: str) -> Handler:
    return _registry[kind]


def registered(kind: str) -> Handler | None:
    return _registry.get(kind)
