"""What an evidence file (佐证材料) may be: its type, read from its content and not only from its
name, its size, and how many an item may have. Pure checks of an upload, read before anything is
stored; the form and the service both ask here.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from assessments.models import Evidence

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PER_ITEM = 10
NAME_MAX_LENGTH = cast(int, Evidence._meta.get_field("original_name").max_length)  # a CharField's

_PDF = (b"%PDF-",)
_PNG = (b"\x89PNG\r\n\x1a\n",)
_JPEG = (b"\xff\xd8\xff",)
_GIF = (b"GIF87a", b"GIF89a")
# The compound-file header of the binary Office formats (and of WPS's own .wps/.et).
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
_ZIP = (b"PK\x03\x04",)


@dataclass(frozen=True)
class FileKind:
    content_type: str
    magic: tuple[bytes, ...]
    # For the zip-based Office formats: the folder every such document has. Without it any zip
    # (or a jar, or an apk) renamed to .docx would pass.
    ooxml_part: str = ""


KINDS: dict[str, FileKind] = {
    "pdf": FileKind("application/pdf", _PDF),
    "png": FileKind("image/png", _PNG),
    "jpg": FileKind("image/jpeg", _JPEG),
    "jpeg": FileKind("image/jpeg", _JPEG),
    "gif": FileKind("image/gif", _GIF),
    "doc": FileKind("application/msword", _OLE),
    "xls": FileKind("application/vnd.ms-excel", _OLE),
    "ppt": FileKind("application/vnd.ms-powerpoint", _OLE),
    "wps": FileKind("application/vnd.ms-works", _OLE),
    "et": FileKind("application/vnd.ms-excel", _OLE),
    "docx": FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP, "word/"),
    "xlsx": FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP, "xl/"),
    "pptx": FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP, "ppt/"),
}
ACCEPT = ",".join(f".{extension}" for extension in KINDS)


def max_bytes() -> int:
    return int(getattr(settings, "KAOPING_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_per_item() -> int:
    return int(getattr(settings, "KAOPING_EVIDENCE_MAX_PER_ITEM", DEFAULT_MAX_PER_ITEM))


def too_large_text() -> str:
    """For a body refused unread, and for the page's script to refuse a file before sending it."""
    return _("文件超过了 %(limit)s 的上限，请压缩或拆分后再上传。") % {"limit": filesizeformat(max_bytes())}


def allowed_types_text() -> str:
    return _("只能上传 PDF、图片（PNG、JPG、GIF）或 Office 文档（Word、Excel、PowerPoint、WPS）。")


def clean_name(name: str) -> str:
    """The uploaded name as a label: no folders, no control characters, at most 255 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    if len(name) > NAME_MAX_LENGTH:
        suffix = PurePath(name).suffix[:10]
        name = name[: NAME_MAX_LENGTH - len(suffix)] + suffix
    return name


def _is_ooxml(upload: UploadedFile, part: str) -> bool:
    # Only the zip's central directory is read, never the members, so a zip bomb costs nothing.
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith(part) for name in names)


def inspect_upload(upload: UploadedFile) -> FileKind:
    """The kind of an uploaded file, judged by its extension and by its first bytes alike.

    Raises ValidationError with a Chinese message for anything else, for an empty file, and for
    a file over the size limit.
    """
    name = clean_name(upload.name or "")
    kind = KINDS.get(PurePath(name).suffix.lower().lstrip("."))
    if kind is None:
        raise ValidationError(allowed_types_text(), code="file_type")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("文件是空的，请重新选择。"), code="empty")
    if size > max_bytes():
        raise ValidationError(
            _("文件大小为 %(size)s，超过了 %(limit)s 的上限。") % {
                "size": filesizeformat(size), "limit": filesizeformat(max_bytes())},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    matches = head.startswith(kind.magic) and (not kind.ooxml_part or _is_ooxml(upload, kind.ooxml_part))
    upload.seek(0)
    if not matches:
        raise ValidationError(
            _("文件内容与扩展名“%(extension)s”不符，请上传原始文件。") % {"extension": PurePath(name).suffix}
            + allowed_types_text(),
            code="content_mismatch",
        )
    return kind
