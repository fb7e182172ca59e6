"""Settings come from the environment; bad values stop the program with one line of advice."""

import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from config import env
from tests.worlds import ROOT

# DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests and must not leak into a "production" run.
CONFIG_VARIABLES = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **environment},
        capture_output=True, text=True, timeout=60,
    )


def test_it_refuses_an_unknown_database_scheme_in_one_line():
    result = run_manage("check", DEBUG="1", DATABASE_URL="mysql://root@localhost/kaoping")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "DATABASE_URL" in result.stderr
    assert "postgres://" in result.stderr


def test_it_refuses_production_without_a_secret_key_in_one_line():
    result = run_manage("check", ALLOWED_HOSTS="kaoping.example.cn")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_production_without_allowed_hosts():
    result = run_manage("check", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_a_debug_value_it_cannot_read():
    result = run_manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_start_with_a_key_and_hosts():
    result = run_manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="kaoping.example.cn")
    assert result.returncode == 0, result.stderr


def test_wsgi_refuses_bad_configuration_in_one_line():
    code = "import config.wsgi"
    base = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES | {"DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("On", True), ("0", False), ("no", False), ("", False)])
def test_env_bool_reads_the_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env.env_bool("SOME_FLAG") is expected


def test_env_bool_defaults_when_unset(monkeypatch):
    monkeypatch.delenv("SOME_FLAG", raising=False)
    assert env.env_bool("SOME_FLAG", default=True) is True


def test_database_defaults_to_sqlite_under_var(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env.database(tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == tmp_path / "var" / "kaoping.sqlite3"


SQLITE_CONCURRENCY = {"transaction_mode": "IMMEDIATE", "timeout": 20}
SQLITE_PRAGMAS = ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"]


@pytest.mark.parametrize("url", ["", "sqlite:////srv/kaoping/kaoping.sqlite3"])
def test_it_configures_sqlite_for_concurrent_savers(monkeypatch, tmp_path, url):
    monkeypatch.setenv("DATABASE_URL", url)
    options = env.database(tmp_path)["OPTIONS"]
    assert {key: options[key] for key in SQLITE_CONCURRENCY} == SQLITE_CONCURRENCY
    assert [part.strip() for part in options["init_command"].split(";") if part.strip()] == SQLITE_PRAGMAS


@pytest.mark.parametrize("url", ["", "sqlite:////srv/kaoping/kaoping.sqlite3", "postgres://kp@db.internal:5432/kaoping"])
def test_it_keeps_connections_across_requests_and_checks_them_before_reuse(monkeypatch, tmp_path, url):
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    config = env.database(tmp_path)
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (60, True)


@pytest.mark.parametrize("url", ["", "postgres://kp@db.internal:5432/kaoping"])
def test_it_closes_connections_after_each_request_when_told_to(monkeypatch, tmp_path, url):
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DB_CONN_MAX_AGE", "0")
    config = env.database(tmp_path)
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (0, False)


def test_it_leaves_postgres_without_sqlite_options(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://kp@db.internal:5432/kaoping")
    assert "transaction_mode" not in env.database(tmp_path).get("OPTIONS", {})


def test_it_turns_postgres_jit_off_unless_the_url_says_otherwise(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://kp@db.internal:5432/kaoping")
    assert env.database(tmp_path)["OPTIONS"]["options"] == "-c jit=off"
    monkeypatch.setenv("DATABASE_URL", "postgres://kp@db.internal:5432/kaoping?options=-c%20jit%3Don")
    assert env.database(tmp_path)["OPTIONS"]["options"] == "-c jit=on"


@pytest.mark.django_db
def test_a_postgres_connection_runs_without_jit():
    from django.db import connection

    if connection.vendor != "postgresql":
        # The option is PostgreSQL's; on SQLite the check is that the setting carries none.
        assert "options" not in connection.settings_dict["OPTIONS"]
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def _savers(db_path: Path, *flags: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    result = subprocess.run(
        [sys.executable, "tests/sqlite_savers.py", str(db_path), "--threads", "8", "--saves", "20", *flags],
        cwd=ROOT, env=base, capture_output=True, text=True, timeout=150,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_holds_concurrent_savers_in_one_sqlite_file(tmp_path):
    outcome = _savers(tmp_path / "savers.sqlite3")
    assert outcome == {"saves": 8 * 20, "conflicts": 0, "locked": 0, "errors": [], "hung": 0, "results_match": True}
    with sqlite3.connect(tmp_path / "savers.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT count(*) FROM assessments_sheet WHERE version = 21").fetchone() == (8,)


def test_it_holds_concurrent_savers_of_one_assessment_in_postgresql():
    """Every save of one assessment rewrites its merged results: on PostgreSQL they must wait for
    each other (the assessment's row lock), or they deadlock, collide on the result rows, or
    merge scores not yet committed."""
    import psycopg2

    name = f"kaoping_savers_{os.getpid()}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        outcome = _savers(f"postgres://postgres@127.0.0.1:5432/{name}")
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
    assert outcome == {"saves": 8 * 20, "conflicts": 0, "locked": 0, "errors": [], "hung": 0, "results_match": True}


def test_database_reads_a_postgres_url(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://kp:secret@db.internal:5433/kaoping")
    config = env.database(tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "kaoping", "kp", "secret", "db.internal", 5433,
    )


def test_database_refuses_a_postgres_url_without_a_name(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://kp@db.internal:5432/")
    with pytest.raises(env.ConfigError, match="数据库名"):
        env.database(tmp_path)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.cn, b.cn ,,")
    assert env.env_list("ALLOWED_HOSTS") == ["a.cn", "b.cn"]
