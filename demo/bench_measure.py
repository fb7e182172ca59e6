"""Timing for `manage.py bench --json`: each case's page and its floor measured interleaved
(page, floor, page, floor, …, and the small round's page beside them), so that whatever else
the machine is doing meanwhile weighs on both alike; medians, query counts and the JSON keys."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from common.queries import data_statements

# Statuses a measured request may answer with; anything else is an error page, never timed.
OK = {200, 302}


@dataclass
class Case:
    name: str
    page: Callable[[], Any]  # the request (or job), timed; returns the response if there is one
    floor: Callable[[], Any] | None = None
    small: Callable[[], Any] | None = None  # the same page on the ~240-organization round
    before: Callable[[], None] | None = None  # untimed preparation before each page run
    before_floor: Callable[[], None] | None = None  # untimed preparation before each floor run
    warm: bool = True  # a first, untimed run of each (not for jobs that take seconds)
    memory: bool = False  # sample the process's RSS during the page runs


@dataclass
class Result:
    name: str
    ms: float
    queries: int
    floor_ms: float | None = None
    small_ms: float | None = None
    peak_mb: float | None = None
    status: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return round(self.ms / self.floor_ms, 2) if self.floor_ms else None

    @property
    def growth(self) -> float | None:
        return round(self.ms / self.small_ms, 2) if self.small_ms else None

    def keys(self) -> dict[str, Any]:
        keys: dict[str, Any] = {f"{self.name}_ms": round(self.ms, 1), f"{self.name}_queries": self.queries}
        if self.floor_ms is not None:
            keys[f"{self.name}_floor_ms"] = round(self.floor_ms, 1)
            keys[f"{self.name}_ratio"] = self.ratio
        if self.small_ms is not None:
            keys[f"{self.name}_small_ms"] = round(self.small_ms, 1)
            keys[f"{self.name}_growth"] = self.growth
        if self.peak_mb is not None:
            keys[f"{self.name}_peak_mb"] = self.peak_mb
        return keys


def _consume(response: Any) -> Any:
    if getattr(response, "streaming", False):
        for _chunk in response.streaming_content:
            pass
    return response


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = _consume(call())
    return (time.perf_counter() - started) * 1000, response


def _checked(name: str, response: Any) -> int | None:
    status = getattr(response, "status_code", None)
    if status is not None and status not in OK:
        raise RuntimeError(f"{name}: HTTP {status}")
    return status


class RssPeak:
    """The process's resident memory sampled every 20 ms: the peak above where it started, in MB.

    Unlike tracemalloc it does not slow the Python it watches, so the timed run is the measured one."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss() -> int:
        try:
            with open(f"/proc/{os.getpid()}/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> RssPeak:
        self.start = self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def mb(self) -> float:
        return round((self.peak - self.start) / 2**20, 1)


def _counted(case: Case) -> tuple[int, Any]:
    """One untimed run of the page, its data statements counted (common.queries: transaction
    control aside, as the quality bars count): capturing SQL slows the run it watches."""
    if case.before:
        case.before()
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = _consume(case.page())
    return len(data_statements(captured.captured_queries)), response


def measure(case: Case, repeat: int) -> Result:
    queries, response = _counted(case)
    status = _checked(case.name, response)
    if case.warm:
        for call in (case.floor, case.small):
            if call is not None:
                _checked(case.name, _consume(call()))
    pages, floors, smalls, peaks = [], [], [], []
    for _ in range(repeat):
        if case.before:
            case.before()
        if case.memory:
            with RssPeak() as peak:
                ms, response = _timed(case.page)
            peaks.append(peak.mb)
        else:
            ms, response = _timed(case.page)
        pages.append(ms)
        status = _checked(case.name, response)
        if case.floor is not None:
            if case.before_floor:
                case.before_floor()
            floors.append(_timed(case.floor)[0])
        if case.small is not None:
            small_ms, small_response = _timed(case.small)
            _checked(case.name + " (small)", small_response)
            smalls.append(small_ms)
    return Result(
        name=case.name, ms=statistics.median(pages), queries=queries, status=status,
        floor_ms=statistics.median(floors) if floors else None,
        small_ms=statistics.median(smalls) if smalls else None,
        peak_mb=max(peaks) if peaks else None,
    )


def line(result: Result) -> str:
    def num(value: float | None, width: int, digits: int = 1) -> str:
        return f"{value:>{width}.{digits}f}" if value is not None else f"{'—':>{width}}"

    return (f"{result.name:<14}{num(result.ms, 10)}{result.queries:>8}{num(result.floor_ms, 10)}"
            f"{num(result.ratio, 8, 2)}{num(result.small_ms, 10)}{num(result.growth, 8, 2)}")


HEADER = f"{'page':<14}{'ms':>10}{'queries':>8}{'floor ms':>10}{'ratio':>8}{'240 ms':>10}{'growth':>8}"
