"""The bound on every request body, checked from the declared length before a byte is read.

Django's parsers never read past CONTENT_LENGTH, so refusing on the declared length bounds what
reaches memory or the temporary directory. Views with a finer limit (evidence files) refuse
with their own message from the same declared length, through `declared_length`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# The largest legitimate body is one evidence file (20 MB) with its form around it.
DEFAULT_MAX_REQUEST_BYTES = 21 * 1024 * 1024


def max_request_bytes() -> int:
    return int(getattr(settings, "KAOPING_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))


def declared_length(request: HttpRequest) -> int | None:
    """The body's length as the client declared it; None when it declared none or nonsense."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def _is_chunked(request: HttpRequest) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


class RequestSizeLimitMiddleware:
    """Answers 413 to a body declared larger than the limit, and 411 to a chunked body without
    a length (Django would read such a body as empty, and a server in front might not bound it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        limit = max_request_bytes()
        if length is not None and length > limit:
            return _refusal(request, 413, _("上传的内容有 %(size)s，超过了 %(limit)s 的上限，没有接收。") % {
                "size": filesizeformat(length), "limit": filesizeformat(limit)})
        if length is None and _is_chunked(request):
            return _refusal(request, 411, _("请求没有声明内容长度，没有接收。请直接在页面上选择文件上传。"))
        return self.get_response(request)


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    # Rendered without the session or user middleware having run: the page is the anonymous one.
    return HttpResponse(render_to_string("413.html", {"message": message}, request=request), status=status)
