"""Helpers of every suite: the repository's root, direct SQL, query counts, signing in, production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP

ROOT = Path(__file__).resolve().parents[2]  # the repository: manage.py, fixtures/, locale/, static/


def direct_sql(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def query_count(client: Client, address: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(address).status_code == 200
    return len(context.captured_queries)


# --- Signing in ---------------------------------------------------------------------------------

THROTTLE_PASSWORD = "correct-horse-1"  # the password of the login-throttle tests' users


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def signed_in(user, password: str = "pw-for-tests") -> Client:
    """A client signed in through the login page, as a browser is (force_login skips axes and the form)."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.get_username(), "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def attempt(client: Client, username: str, password: str, **meta: str):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def lock_out(username: str, address: str = "10.0.0.3") -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(Client(), username, "wrong", REMOTE_ADDR=address)


def totp_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for this key now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(key)
    totp.time = totp.time + 30 * steps_ahead
    return f"{totp.token():06d}"


# --- Production settings, in a fresh interpreter -----------------------------------------------

# Anything a developer's shell may have set that would make the run differ from the README's.
DROPPED = {
    "DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "PROXY_REDIRECTS_HTTPS", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION",
}


def production(*args: str, **extra: str) -> subprocess.CompletedProcess:
    """manage.py under the environment of the README's deploy section (SQLite stands in for PostgreSQL)."""
    base = {k: v for k, v in os.environ.items() if k not in DROPPED}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY=secrets.token_urlsafe(50),
                ALLOWED_HOSTS="kaoping.example.cn", CSRF_TRUSTED_ORIGINS="https://kaoping.example.cn")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **extra},
                          capture_output=True, text=True, timeout=60)
