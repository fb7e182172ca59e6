"""The batch print measured as people run it: one request, real worker processes, the job's own
timestamps. `manage.py bench --print-sheets N` prints one subtree of about N approved sheets with 1
worker and again with 2 (the same request each time), then the speed-up.

Steps of a job (from the job's rows, in seconds since the request began):
planning   the request itself (`print_job_request`: list the sheets, cut them into chunks)
waiting    job created -> first chunk taken (a worker's poll interval)
printing   first chunk taken -> last chunk done (the part any number of workers share)
finishing  last chunk done -> job done (one worker writes the ZIP and the merged PDF)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Max
from django.db.models.functions import Substr

from assessments.models import Assessment, AssessmentState, Round
from common.jobs.models import FINISHED_STATES, Job, JobState
from orgs.models import Organization
from reports.services.print_jobs import print_job_request

# Subtrees the bench may print: the city, its districts and their streets.
SCOPE_DEPTHS = (1, 2, 3)


class Pool(Protocol):
    """Workers for one run: started before the request, stopped after the job ended."""

    def start(self, count: int) -> None: ...
    def wait(self, job: Job, timeout: float) -> Job: ...
    def peaks_kib(self) -> list[int]: ...
    def cpu_seconds(self) -> list[float]: ...
    def stop(self) -> None: ...


@dataclass
class PrintRun:
    workers: int
    sheets: int
    chunks: int
    planning: float
    waiting: float
    printing: float
    finishing: float
    total: float
    peaks_kib: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    load: float = 0.0

    @property
    def serial_share(self) -> float:
        """The longest step only one worker can do (planning or finishing), as a share of the job."""
        return max(self.planning, self.finishing) / self.total if self.total else 0.0


def print_scope(sheets: int) -> tuple[Round, Organization, int] | None:
    """The latest closed round's subtree whose approved sheets are closest to `sheets`."""
    round = Round.objects.filter(assessments__state=AssessmentState.APPROVED).order_by("-year").first()
    if round is None:
        return None
    approved = Assessment.objects.filter(round=round, state=AssessmentState.APPROVED)
    counts: dict[str, int] = {}
    for depth in SCOPE_DEPTHS:
        width = depth * Organization.steplen
        rows = approved.annotate(prefix=Substr("organization__path", 1, width)).values("prefix").annotate(n=Count("pk"))
        counts.update({row["prefix"]: row["n"] for row in rows if len(row["prefix"]) == width})
    paths = Organization.objects.filter(path__in=counts, depth__in=SCOPE_DEPTHS).values_list("path", flat=True)
    best = min(paths, key=lambda path: (abs(counts[path] - sheets), len(path)), default=None)
    if best is None:
        return None
    return round, Organization.objects.get(path=best), counts[best]


def measure_print(*, user: User, round: Round, organization: Organization, workers: int, pool: Pool,
                  timeout: float = 3600) -> PrintRun:
    pool.start(workers)
    try:
        began = time.time()
        job = print_job_request(user=user, round=round, organization=organization, include_submitted=False)
        planned = time.time()
        if job is None:
            raise ValueError("nothing to print")
        job = pool.wait(job, timeout)
        peaks, cpu = pool.peaks_kib(), pool.cpu_seconds()
    finally:
        pool.stop()
    if job.state != JobState.DONE:
        raise RuntimeError(f"print job {job.pk} ended {job.state}: {job.error}")
    last_chunk = job.chunks.aggregate(last=Max("finished_at"))["last"]
    if job.started_at is None or job.finished_at is None or last_chunk is None:
        raise RuntimeError(f"print job {job.pk} is done without its timestamps")
    run = PrintRun(
        workers=workers, sheets=job.total, chunks=job.chunks.count(), planning=planned - began,
        waiting=max(0.0, job.started_at.timestamp() - job.created_at.timestamp()),
        printing=last_chunk.timestamp() - job.started_at.timestamp(),
        finishing=job.finished_at.timestamp() - last_chunk.timestamp(),
        total=job.finished_at.timestamp() - began, peaks_kib=peaks, cpu=cpu, load=load_average(),
    )
    discard(job)
    return run


def discard(job: Job) -> None:
    """The bench's job goes with its files, so the next run is a new job and the disk stays clean."""
    for item in job.files.all():
        item.file.delete(save=False)
    for chunk in job.chunks.exclude(file=""):
        chunk.file.delete(save=False)
    job.delete()


def print_bench(write: Callable[[str], None], *, user: User, sheets: int, pool: Pool,
                worker_counts: Sequence[int] = (1, 2)) -> list[PrintRun]:
    scope = print_scope(sheets)
    if scope is None:
        write("print: no approved sheets (run seed_demo first)")
        return []
    round, organization, found = scope
    write(f"print: {found} approved sheets of {organization.name} ({organization.code}), {round.title}; "
          f"asked for {sheets}; chunk {settings.PRINT_CHUNK_SHEETS} sheets")
    write(f"{'workers':>8}{'sheets':>8}{'chunks':>8}{'planning s':>12}{'waiting s':>11}{'printing s':>12}"
          f"{'finishing s':>13}{'total s':>9}{'serial %':>10}{'sheets/s':>10}{'load':>6}  worker CPU s / peak RSS MiB")
    runs = []
    for count in worker_counts:
        run = measure_print(user=user, round=round, organization=organization, workers=count, pool=pool)
        runs.append(run)
        peaks = " ".join(f"{cpu:.0f}/{kib / 1024:.0f}" for cpu, kib in zip(run.cpu, run.peaks_kib, strict=False)) or "-"
        write(f"{run.workers:>8}{run.sheets:>8}{run.chunks:>8}{run.planning:>12.2f}{run.waiting:>11.2f}"
              f"{run.printing:>12.2f}{run.finishing:>13.2f}{run.total:>9.2f}{run.serial_share * 100:>10.1f}"
              f"{run.sheets / run.total:>10.2f}{run.load:>6.1f}  {peaks}")
    if len(runs) > 1:
        write(f"speed-up with {runs[-1].workers} workers: {runs[0].total / runs[-1].total:.2f}x")
    return runs


class ProcessPool:
    """`manage.py jobs_worker` processes, each in its own process group, on this database."""

    def __init__(self, poll: float = 0.1) -> None:
        self.poll = poll
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[IO[bytes]] = []
        self.peaks: dict[int, int] = {}
        self.cpu: dict[int, float] = {}

    def start(self, count: int) -> None:
        manage = Path(settings.BASE_DIR) / "manage.py"
        for number in range(count):
            log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
            self.logs.append(log)
            self.processes.append(subprocess.Popen(  # noqa: S603 - this interpreter and manage.py
                [sys.executable, str(manage), "jobs_worker", "-v", "1", "--worker-id", f"bench-{os.getpid()}-{number}"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ.copy(),
            ))
        # Django's start-up is not the job's time: wait until every worker polls its queue.
        deadline = time.monotonic() + 60
        while not all(self._started(log) for log in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self.stop()
                raise RuntimeError("a worker did not start")
            time.sleep(self.poll)
        time.sleep(1.5)  # the library's random start-up delay, up to 1 s, and the first sweep task

    @staticmethod
    def _started(log: IO[bytes]) -> bool:
        log.seek(0)
        return b"Starting worker" in log.read() or settings.TASKS_BACKEND == "rq"

    def wait(self, job: Job, timeout: float) -> Job:
        deadline = time.monotonic() + timeout
        while True:
            self._sample()
            job.refresh_from_db()
            if job.state in FINISHED_STATES:
                return job
            if time.monotonic() > deadline:
                raise RuntimeError(f"print job {job.pk} did not end within {timeout:.0f} s")
            time.sleep(self.poll)

    def _sample(self) -> None:
        for process in self.processes:
            peak = vm_hwm_kib(process.pid)
            if peak:
                self.peaks[process.pid] = max(peak, self.peaks.get(process.pid, 0))
            self.cpu[process.pid] = max(cpu_seconds(process.pid), self.cpu.get(process.pid, 0.0))

    def peaks_kib(self) -> list[int]:
        self._sample()
        return [self.peaks.get(process.pid, 0) for process in self.processes]

    def cpu_seconds(self) -> list[float]:
        return [self.cpu.get(process.pid, 0.0) for process in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self.logs:
            log.close()
        self.processes, self.logs, self.peaks, self.cpu = [], [], {}, {}


def vm_hwm_kib(pid: int) -> int:
    """A process's peak resident memory (Linux); 0 where /proc is not there."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (Linux), to tell a slow run from a shared machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    """The machine's 1-minute load: on 2 cores, above 2 means other work shared the run."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0
