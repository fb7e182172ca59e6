"""Typed readers for settings that come from the environment.

Each reader refuses a value it cannot understand with a ConfigError whose message is one line
that names the variable to set, so a misconfigured server stops with advice, not a traceback
(manage.py and wsgi.py print the message and exit).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
SUPPORTED_DB_SCHEMES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
}
# Several gunicorn workers write one SQLite file. BEGIN IMMEDIATE takes the write lock when a
# transaction starts, so a saver waits in the busy timeout instead of failing at once with
# "database is locked" when its read lock cannot be upgraded; WAL lets pages be read meanwhile,
# and synchronous=NORMAL is safe with WAL (a power cut may lose the last commits, never corrupt).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
# PostgreSQL compiles a query with LLVM once its cost estimate passes jit_above_cost (100,000).
# This application's queries are short (a page's are a few ms to ~100 ms), so whenever one crosses
# the threshold the compile costs more than it saves: the old ranking's last page at 20,000
# organizations took 1,530 ms with JIT (757 ms of it compiling) and 715 ms without, and nothing
# measured ran faster with it (docs/architecture.md, "Ranking"). An `options` in DATABASE_URL's
# query string replaces this one.
POSTGRES_OPTIONS = {"options": "-c jit=off"}


class ConfigError(ImproperlyConfigured):
    """A setting read from the environment is missing or malformed."""


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"环境变量 {name}={raw!r} 无法识别：请设为 1/true/yes/on 或 0/false/no/off。")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"环境变量 {name}={raw!r} 不是整数：请设为一个整数。") from None


def env_path(name: str, default: Path) -> Path:
    """An absolute folder: a relative one would depend on the directory a command is started from
    (cron starts in the home directory), so it is refused."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise ConfigError(f"环境变量 {name}={raw!r} 不是绝对路径：请写成以 / 开头的完整路径。")
    return path


def secret_key(debug: bool) -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if debug:
        # Only ever used with DEBUG on, where nothing of value is protected by it.
        return "django-insecure-kaoping-development-only"
    raise ConfigError(
        "生产环境（DEBUG 未开启）必须设置 SECRET_KEY：export SECRET_KEY=\"$(python -c "
        "'import secrets; print(secrets.token_urlsafe(50))')\"，或在开发时设置 DEBUG=1。"
    )


def allowed_hosts(debug: bool) -> list[str]:
    hosts = env_list("ALLOWED_HOSTS")
    if hosts:
        return hosts
    if debug:
        return ["127.0.0.1", "localhost", "[::1]"]
    raise ConfigError(
        "生产环境（DEBUG 未开启）必须设置 ALLOWED_HOSTS，例如 ALLOWED_HOSTS=kaoping.example.cn（多个用逗号分隔）。"
    )


def database(base_dir: Path) -> dict[str, Any]:
    """DATABASE_URL, or the SQLite file under var/.

    Connections persist for DB_CONN_MAX_AGE seconds (60 by default; 0 closes them after every
    request) on either database: a request then spends no connect (PostgreSQL: a backend process
    forked, authentication) and no per-connection PRAGMAs (SQLite). CONN_HEALTH_CHECKS makes a
    request that inherits a connection the database has dropped (a restart, a failover, an idle
    timeout) reconnect rather than fail.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    max_age = env_int("DB_CONN_MAX_AGE", 60)
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": base_dir / "var" / "kaoping.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
            "CONN_MAX_AGE": max_age,
            "CONN_HEALTH_CHECKS": max_age != 0,
        }
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in SUPPORTED_DB_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL 的协议 {scheme or url!r} 不受支持：请使用 postgres://用户:密码@主机:端口/库名，"
            "或删去 DATABASE_URL 以使用内置 SQLite。"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=max_age != 0)
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL 无法解析（{exc}）：请检查其格式。") from None
    config["ENGINE"] = SUPPORTED_DB_SCHEMES[scheme]
    if scheme == "sqlite":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    if scheme.startswith("postgres"):
        config["OPTIONS"] = {**POSTGRES_OPTIONS, **config.get("OPTIONS", {})}
    if scheme.startswith("postgres") and not config.get("NAME"):
        raise ConfigError("DATABASE_URL 缺少数据库名：请写成 postgres://用户@主机:端口/库名。")
    return dict(config)


# --- Background work: Django's Tasks API (django-tasks) ------------------------------------------
TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}


def tasks_backend() -> str:
    """TASKS_BACKEND: "db" (the default: the database every server already shares) or "rq"
    (Redis at REDIS_URL, for many workers on many machines)."""
    name = os.environ.get("TASKS_BACKEND", "db").strip().lower() or "db"
    if name not in TASK_BACKENDS:
        raise ConfigError(f"环境变量 TASKS_BACKEND={name!r} 不受支持：请设为 db（数据库，默认）或 rq（Redis）。")
    return name


def tasks(name: str) -> dict[str, Any]:
    return {"default": {"BACKEND": TASK_BACKENDS[name], "QUEUES": ["default"]}}


def rq_queues() -> dict[str, Any]:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").strip()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"环境变量 REDIS_URL={url!r} 无法识别：请写成 redis://主机:端口/库号。")
    return {"default": {"URL": url, "DEFAULT_TIMEOUT": env_int("RQ_JOB_TIMEOUT", 3600)}}


# --- HTTPS in production: HSTS and the redirect (check --deploy stays silent) ---------------------
HSTS_PRODUCTION_SECONDS = 31536000  # one year: what browsers' preload lists ask for


def hsts_seconds(debug: bool) -> int:
    """On by default in production; off under DEBUG, where a browser must not pin localhost to HTTPS."""
    seconds = env_int("SECURE_HSTS_SECONDS", 0 if debug else HSTS_PRODUCTION_SECONDS)
    if seconds < 0:
        raise ConfigError(f"环境变量 SECURE_HSTS_SECONDS={seconds} 不能为负数：请设为秒数，0 表示不发送 HSTS。")
    return seconds


def ssl_redirect(debug: bool) -> bool:
    """Django redirects http:// to https:// in production unless the proxy is declared to do it.

    The old switch SECURE_SSL_REDIRECT is refused rather than ignored: its `0` meant "the proxy
    redirects", which is now said with PROXY_REDIRECTS_HTTPS=1.
    """
    if "SECURE_SSL_REDIRECT" in os.environ:
        raise ConfigError(
            "环境变量 SECURE_SSL_REDIRECT 已不再使用：生产环境默认由 Django 跳转到 HTTPS；"
            "若反向代理负责跳转，请改设 PROXY_REDIRECTS_HTTPS=1。"
        )
    return not debug and not env_bool("PROXY_REDIRECTS_HTTPS", default=False)


# --- Uploaded and generated files: local MEDIA_ROOT, or an S3-compatible store every machine shares --
FILE_SYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
S3_STORAGE = "storages.backends.s3.S3Storage"
S3_REQUIRED = ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
S3_OPTIONAL = ("S3_ENDPOINT_URL", "S3_REGION")


def default_storage() -> dict[str, Any]:
    """STORAGES["default"]: files under MEDIA_ROOT, or with S3_BUCKET set a bucket of an
    S3-compatible store (AWS, MinIO, OSS, COS …) that every web server and worker reaches.

    Half a configuration is refused rather than falling back to local files, which on several
    machines would scatter uploads and print results over their disks.
    """
    values = {name: os.environ.get(name, "").strip() for name in S3_REQUIRED + S3_OPTIONAL}
    if not any(values.values()):
        return {"BACKEND": FILE_SYSTEM_STORAGE}
    missing = [name for name in S3_REQUIRED if not values[name]]
    if missing:
        given = "、".join(name for name, value in values.items() if value)
        raise ConfigError(
            f"对象存储配置不完整：已设置 {given}，还须设置 {'、'.join(missing)}；"
            "或把 S3_* 变量全部删去，改用本机 MEDIA_ROOT 存放文件。"
        )
    endpoint = values["S3_ENDPOINT_URL"]
    if endpoint and not endpoint.startswith(("https://", "http://")):
        raise ConfigError(
            f"环境变量 S3_ENDPOINT_URL={endpoint!r} 无法识别：请写成 https://主机[:端口]，"
            "使用 AWS S3 时可不设置。"
        )
    return {
        "BACKEND": S3_STORAGE,
        "OPTIONS": {
            "bucket_name": values["S3_BUCKET"],
            "endpoint_url": endpoint or None,
            "access_key": values["S3_ACCESS_KEY_ID"],
            "secret_key": values["S3_SECRET_ACCESS_KEY"],
            "region_name": values["S3_REGION"] or None,
            # Objects stay private: every download goes through the app's scope checks, or a
            # signed link that expires; a name already taken gets a new one, never replaced.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
