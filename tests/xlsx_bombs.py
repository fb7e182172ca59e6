"""Hostile workbooks, built in the test run (no binary files in the repository).

Size bombs are written without ever holding their expanded content: one block of repeated XML is
deflated once, ending on a full flush so that the block's bytes are the same wherever it stands,
and the member's compressed data is that block written many times. The CRC is computed over the
repeats, so the zip is valid and would expand to its full size if anything read it.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import io
import random
import re
import zipfile
import zlib
from collections.abc import Iterator
from unittest import mock

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_BLOCK = 1 << 20


def workbook(rows: list[list[object]], *, hidden: dict[str, list[list[object]]] | None = None) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    for name, sheet_rows in (hidden or {}).items():
        sheet = book.create_sheet(name)
        sheet.sheet_state = "veryHidden"
        for row in sheet_rows:
            sheet.append(row)
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()


def _deflated_repeat(head: bytes, unit: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate data, uncompressed size and CRC of head + (unit × fill of _BLOCK) × times + tail."""
    block = unit * (_BLOCK // len(unit))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return start + body * times + end, len(head) + len(block) * times + len(tail), crc


def _rebuilt(base: bytes, *, replace: dict[str, bytes] | None = None,
             raw: dict[str, tuple[bytes, int, int]] | None = None) -> bytes:
    """`base` with members replaced or added; `raw` members are written as given deflate data."""
    replace, raw = replace or {}, raw or {}
    target = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename not in replace and info.filename not in raw:
                out.writestr(info.filename, source.read(info))
        for name, content in replace.items():
            out.writestr(name, content)
        for name, (data, size, crc) in raw.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.file_size, info.compress_size, info.CRC = size, len(data), crc
            info.header_offset = out.fp.tell()
            out.fp.write(info.FileHeader(zip64=False))
            out.fp.write(data)
            out.filelist.append(info)
            out.NameToInfo[name] = info
            out.start_dir = out.fp.tell()
    return target.getvalue()


@functools.cache
def blank_rows(base: bytes, megabytes: int = 1024) -> bytes:
    """A first sheet of about `megabytes` of blank rows and no <dimension>, compressing to ~1 MB."""
    head = f"<?xml version='1.0' encoding='UTF-8'?><worksheet {_NS}><sheetData>".encode()
    return _rebuilt(base, raw={SHEET: _deflated_repeat(head, b"<row/>", megabytes, b"</sheetData></worksheet>")})


@functools.cache
def shared_strings(base: bytes, megabytes: int = 512) -> bytes:
    head = f"<?xml version='1.0' encoding='UTF-8'?><sst {_NS}>".encode()
    return _rebuilt(base, raw={"xl/sharedStrings.xml": _deflated_repeat(head, b"<si><t>a</t></si>", megabytes, b"</sst>")})


def many_members(base: bytes, count: int = 5000) -> bytes:
    return _rebuilt(base, replace={f"customXml/item{n}.xml": b"<a/>" for n in range(count)})


def high_ratio(base: bytes) -> bytes:
    """A member within the size limits whose content compresses about a thousand to one."""
    return _rebuilt(base, raw={"xl/media/image1.png": _deflated_repeat(b"", b"\0", 8, b"")})


def with_cached_formula(base: bytes, cell: str, formula: str, cached: str, *, text: bool = False) -> bytes:
    """The first sheet with `cell` turned into a formula carrying a cached value, as Excel saves it."""
    with zipfile.ZipFile(io.BytesIO(base)) as source:
        sheet = source.read(SHEET).decode()
    kind = ' t="str"' if text else ""
    new = f'<c r="{cell}"{kind}><f>{formula}</f><v>{cached}</v></c>'
    pattern = rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)'
    sheet, count = re.subn(pattern, new, sheet, count=1)
    assert count == 1, f"{cell} is not in the sheet"
    return _rebuilt(base, replace={SHEET: sheet.encode()})


def with_external_link(base: bytes) -> bytes:
    """A workbook linking to another file, as Excel saves a reference to [other.xlsx]."""
    with zipfile.ZipFile(io.BytesIO(base)) as source:
        rels = source.read("xl/_rels/workbook.xml.rels").decode()
    rels = rels.replace("</Relationships>", (
        '<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"'
        ' Target="externalLinks/externalLink1.xml"/></Relationships>'))
    link = (f'<externalLink {_NS}><externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships" r:id="rId1"/></externalLink>').encode()
    link_rels = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'externalLinkPath" Target="file:///C:/other.xlsx" TargetMode="External"/></Relationships>')
    return _rebuilt(base, replace={
        "xl/_rels/workbook.xml.rels": rels.encode(), "xl/externalLinks/externalLink1.xml": link,
        "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels})


def with_external_relationship(base: bytes) -> bytes:
    """Only a relationship pointing outside (an OLE object's source), no externalLinks part."""
    with zipfile.ZipFile(io.BytesIO(base)) as source:
        rels = source.read("xl/_rels/workbook.xml.rels").decode()
    rels = rels.replace("</Relationships>", (
        '<Relationship Id="rIdY" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject"'
        ' Target="\\\\server\\share\\x.bin" TargetMode="External"/></Relationships>'))
    return _rebuilt(base, replace={"xl/_rels/workbook.xml.rels": rels.encode()})


def lying_size(base: bytes) -> bytes:
    """The first sheet declared in the central directory as far smaller than it expands to."""
    with zipfile.ZipFile(io.BytesIO(base)) as source:
        sheet = source.read(SHEET)
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b"<row/>" * 200_000, 1)
    data = zlib.compress(padded, 9)[2:-4]
    return _rebuilt(base, raw={SHEET: (data, len(sheet), zlib.crc32(padded))})


def repeated_row_number(base: bytes, rows: int = 1_300_000) -> bytes:
    """Within every size and ratio limit: rows that all claim to be row 1, so that reading never
    yields one and no row limit applied while reading could stop it. Random attributes keep the
    compression ratio ordinary."""
    noise = random.Random(10)
    head = f"<?xml version='1.0' encoding='UTF-8'?><worksheet {_NS}><sheetData>".encode()
    body = b"".join(b'<row r="1" x="%d"/>' % noise.randrange(10**6) for _ in range(rows))
    return _rebuilt(base, replace={SHEET: head + body + b"</sheetData></worksheet>"})


class Expansion:
    """The bytes zipfile decompressed, part by part, while `expansion()` was on."""

    def __init__(self) -> None:
        self.parts: collections.Counter[str] = collections.Counter()

    def beyond_relationships(self) -> dict[str, int]:
        """Every part decompressed but the small relationship parts the guard reads itself; any
        other part read means the workbook was expanded (openpyxl starts with xl/workbook.xml)."""
        return {name: size for name, size in self.parts.items() if not name.endswith(".rels")}


@contextlib.contextmanager
def expansion() -> Iterator[Expansion]:
    """Counts what zipfile decompresses, whoever reads (the guard or openpyxl).

    Every decompressed chunk passes through ZipExtFile._update_crc before it is returned, the
    chunk whose CRC check then fails included, so the count is all that reading produced."""
    seen = Expansion()
    update_crc = zipfile.ZipExtFile._update_crc

    def counting(self: zipfile.ZipExtFile, data: bytes) -> None:
        seen.parts[self.name] += len(data)
        update_crc(self, data)

    with mock.patch.object(zipfile.ZipExtFile, "_update_crc", counting):
        yield seen
