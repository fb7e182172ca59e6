"""What the load clients were told, one JSON object a line, for the verifier to hold against the database.

Each process appends to a file of its own with one write() per record, so neither several
locust processes nor the greenlets inside one can interleave a line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# A line longer than this is not a record of ours; refusing it keeps a corrupt log from being half-read.
MAX_LINE_BYTES = 64 * 1024


class ClientLog:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"client-{os.getpid()}.jsonl"
        self._fd: int | None = None

    def write(self, **record: Any) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(self._fd, (json.dumps(record, ensure_ascii=False) + "\n").encode())


def read_logs(directory: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(directory.glob("client-*.jsonl")):
        with path.open("rb") as lines:
            for number, line in enumerate(lines, 1):
                if len(line) > MAX_LINE_BYTES:
                    raise ValueError(f"{path}:{number}: line of {len(line)} bytes")
                if line.strip():
                    records.append(json.loads(line))
    return records
