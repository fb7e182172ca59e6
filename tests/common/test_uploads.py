"""Request bodies are bounded from their declared length, before a byte of them is read."""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from django.urls import reverse

from common.uploads import DEFAULT_MAX_REQUEST_BYTES, max_request_bytes

pytestmark = pytest.mark.django_db

GIB = 1024**3


class Unreadable(io.RawIOBase):
    """A wsgi.input that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = readinto = read


def call(path: str, **environ) -> tuple[str, dict[str, str], bytes]:
    base = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="POST", **environ)
    answer: dict[str, object] = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(WSGIHandler()(base, start_response))
    return answer["status"], answer["headers"], body


def test_it_refuses_a_gigabyte_body_unread_with_a_chinese_page():
    status, headers, body = call(
        reverse("login"), CONTENT_LENGTH=str(GIB), CONTENT_TYPE="multipart/form-data; boundary=x",
        **{"wsgi.input": Unreadable()})
    html = body.decode()
    assert status.startswith("413")
    assert headers["Content-Type"].startswith("text/html")
    assert "没有接收上传的内容" in html
    assert "上传的内容有 1.0\xa0GB，超过了 21.0\xa0MB 的上限，没有接收。" in html
    assert "<html" in html  # the site's own page, not a bare status


def test_it_refuses_a_chunked_body_without_a_length():
    status, _, body = call(
        reverse("login"), HTTP_TRANSFER_ENCODING="chunked", CONTENT_TYPE="multipart/form-data; boundary=x",
        **{"wsgi.input": Unreadable()})
    assert status.startswith("411")
    assert "请求没有声明内容长度" in body.decode()


def test_the_limit_sits_just_above_the_largest_evidence_file(settings):
    assert settings.KAOPING_EVIDENCE_MAX_BYTES < max_request_bytes() <= settings.KAOPING_EVIDENCE_MAX_BYTES + 2 * 1024**2
    assert max_request_bytes() == DEFAULT_MAX_REQUEST_BYTES
    # Only header middleware that never reads the body stands before it (so its 413 carries them too).
    before = settings.MIDDLEWARE[: settings.MIDDLEWARE.index("common.uploads.RequestSizeLimitMiddleware")]
    assert before == ["django.middleware.security.SecurityMiddleware", "csp.middleware.CSPMiddleware",
                      "django_permissions_policy.PermissionsPolicyMiddleware"]


def test_a_body_within_the_limit_reaches_the_view(client, settings):
    settings.KAOPING_MAX_REQUEST_BYTES = 2000
    response = client.post(reverse("login"), {"username": "nobody", "password": "x" * 100})
    assert response.status_code == 200
    assert "没有接收上传的内容" not in response.content.decode()
    refused = client.post(reverse("login"), {"username": "nobody", "password": "x" * 3000})
    assert refused.status_code == 413
    assert "default-src 'self'" in refused["Content-Security-Policy"]
    assert "Permissions-Policy" in refused
