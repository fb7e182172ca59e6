"""`make load` in small: ten people for ten seconds against gunicorn (after five seconds of the
floor, /ping/ alone), and the verifier's verdict; and how a run's mix is set and compared.

Runs on the suite's kind of database (SQLite, or PostgreSQL when DATABASE_URL says so, in a
database of its own next to it). It fails whenever the verifier finds a lost update, a 5xx or a
stored total that is not the sum of its scores.
"""

import argparse
import json
import os
import subprocess
import sys

import pytest

from loadtest.run import comparison, mix_classes, persons
from tests.worlds import ROOT


def row(rps: float, p95: float) -> dict[str, float]:
    return {"count": 10, "failures": 0, "rps": rps, "p50": p95 / 2, "p95": p95, "p99": p95 * 2}


@pytest.mark.load
def test_it_loses_no_saved_score_under_concurrent_savers(tmp_path):
    command = [sys.executable, "-m", "loadtest.run", "--users", "10", "--time", "10s", "--trivial-time", "5s",
               "--spawn-rate", "10",
               "--out", str(tmp_path / "run"), "--sqlite-path", str(tmp_path / "load.sqlite3"),
               "--suffix", "_loadtest"]
    result = subprocess.run(command, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300)
    measured = json.loads((tmp_path / "run" / "result.json").read_text())
    verdict = measured["verifier"]
    assert measured["trivial"]["ping"]["count"] > 0, result.stdout
    assert {"save", "sheet"} <= set(measured["requests"]), result.stdout  # six of ten people save
    assert measured["comparison"]["trivial_rps"] == measured["trivial"]["ping"]["rps"]
    assert verdict["saves_ok"] > 0, result.stdout + result.stderr
    assert (verdict["5xx"], verdict["lost_updates"], verdict["mismatches"]) == (0, 0, 0), result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("mix", "expected"), [(60, ["Person", "Analyst"]), (100, ["Person"]), (0, ["Analyst"])])
def test_it_splits_the_users_between_savers_and_readers_by_the_mix(mix, expected):
    args = argparse.Namespace(users=100, mix=mix)
    assert persons(args) == mix
    assert mix_classes(args) == expected


def test_it_compares_the_mix_with_the_floor_leaving_out_the_sign_ins():
    mix = {"sheet": row(20, 300), "save": row(20, 600), "ranking page 1": row(10, 150), "login": row(5, 9000),
           "login page": row(5, 100), "Aggregated": row(60, 900)}
    floor = {"ping": row(100, 100), "login": row(5, 5000), "Aggregated": row(105, 4000)}
    compared = comparison(mix, floor)
    assert compared["mix_rps"] == 20 + 20 + 10
    assert compared["throughput_share"] == (20 + 20 + 10) / 100
    assert compared["p95_ratios"] == {"sheet": 3.0, "save": 6.0, "ranking page 1": 1.5}
    assert compared["worst_p95_ratio"] == 6.0
    assert (compared["throughput_met"], compared["p95_met"]) == (True, False)
