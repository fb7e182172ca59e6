"""`make load` in small: ten people for ten seconds against gunicorn, and the verifier's verdict.

Runs on the suite's kind of database (SQLite, or PostgreSQL when DATABASE_URL says so, in a
database of its own next to it). It fails whenever the verifier finds a lost update, a 5xx or a
stored total that is not the sum of its scores.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.worlds import ROOT


@pytest.mark.load
def test_it_loses_no_saved_score_under_concurrent_savers(tmp_path):
    command = [sys.executable, "-m", "loadtest.run", "--users", "10", "--time", "10s", "--spawn-rate", "10",
               "--out", str(tmp_path / "run"), "--sqlite-path", str(tmp_path / "load.sqlite3"),
               "--suffix", "_loadtest"]
    result = subprocess.run(command, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=240)
    verdict = json.loads((tmp_path / "run" / "result.json").read_text())["verifier"]
    assert verdict["saves_ok"] > 0, result.stdout + result.stderr
    assert (verdict["5xx"], verdict["lost_updates"], verdict["mismatches"]) == (0, 0, 0), result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
