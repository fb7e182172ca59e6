"""Responses that hand the browser a file to save: workbooks, PDFs, JSON, stored evidence.

Every one is an attachment whose Content-Disposition is Django's `content_disposition_header`:
an ASCII name as filename="…", any other as RFC 6266 filename*=utf-8''… (RFC 5987 percent-encoded
UTF-8), which every browser in use reads, so the Chinese names are saved as they are.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from typing import IO

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from common.xlsx import XLSX_CONTENT_TYPE

__all__ = ["attachment", "file_attachment", "safe_filename", "xlsx_attachment"]

# Characters that Windows refuses in file names (browsers replace them, but each differently).
UNSAFE_IN_FILENAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_filename(text: str) -> str:
    """`text` with what Windows refuses in a file name replaced by "_"; Chinese is kept."""
    return UNSAFE_IN_FILENAMES.sub("_", text).strip(" .") or "kaoping"


def attachment(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A file made in memory (a PDF, a JSON export)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def file_attachment(handle: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """An open file, streamed in chunks and closed when sent."""
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def xlsx_attachment(write: Callable[[IO[bytes]], object], *, filename: str) -> FileResponse:
    """A workbook `write` puts into a file: a temporary one, not memory, since an export may hold
    20,000 rows; it is streamed out and deleted when closed."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it once streamed
    write(target)
    target.seek(0)
    return file_attachment(target, filename=filename, content_type=XLSX_CONTENT_TYPE)
