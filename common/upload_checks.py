"""What every import checks before it reads a single row of its own: the file's size, that it is a
workbook within the limits of common.xlsx, its header, that it has rows; and the one shape of what
an import tells the user is wrong (`Problem`, shown by templates/common/upload_page.html).

Each app keeps its own row parsing and its own wording of "unreadable" and "too many rows" (the
pages say different things: one offers a template to download, one splits large files); the
checks and the order they run in are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, NamedTuple

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from common.xlsx import (
    CellProblem,
    RefusedWorkbook,
    SheetRow,
    TooManyRows,
    UnreadableWorkbook,
    count_sheet_rows,
    read_sheet,
)

__all__ = ["Problem", "RefusedUpload", "check_size", "read_upload", "sorted_problems", "upload_rows", "workbook_refusals"]


class Problem(NamedTuple):
    row: int | None  # as Excel numbers rows (a JSON record's place in its list); None: the file as a whole
    column: str  # the column's title, "" when the problem is not about one column
    message: str
    letter: str = ""  # the column as Excel names it, where it helps to find the cell

    @classmethod
    def of_cell(cls, cell: CellProblem) -> Problem:
        # A refused cell (a formula, a column too far right) has only the letter to name its column.
        return cls(cell.row, cell.letter, cell.message)


class RefusedUpload(Exception):
    """The file cannot be read as the import's file at all; its problems say why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def check_size(upload: object, *, max_bytes: int) -> None:
    """Refuses a file larger than `max_bytes`; an upload of unknown size is left to the reader."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise RefusedUpload([Problem(None, "", _("文件大小为 %(size)s，超过了 %(limit)s 的上限。") % {
            "size": filesizeformat(size), "limit": filesizeformat(max_bytes)})])


@contextmanager
def workbook_refusals(*, unreadable: str, too_many_rows: str) -> Iterator[None]:
    """Turns what common.xlsx.read_sheet raises inside the block into a RefusedUpload: every
    refused cell as a problem of its own, an unreadable file or one with too many rows as one
    problem of the file with the import's own message."""
    try:
        yield
    except RefusedWorkbook as refused:  # before UnreadableWorkbook, which it extends
        raise RefusedUpload([Problem.of_cell(cell) for cell in refused.problems]) from None
    except UnreadableWorkbook:
        raise RefusedUpload([Problem(None, "", unreadable)]) from None
    except TooManyRows:
        raise RefusedUpload([Problem(None, "", too_many_rows)]) from None


def read_upload(
    upload: IO[bytes], *, max_rows: int, unreadable: str, too_many_rows: str,
    header_problems: Callable[[tuple[str, ...]], list[Problem]],
) -> tuple[tuple[str, ...], list[SheetRow]]:
    """The header and the data rows of an uploaded workbook's first sheet, or RefusedUpload.

    Called after `check_size`. The checks stop at the first that fails, in this order: the
    workbook itself (limits, formulas, rows), the header (every problem `header_problems` finds),
    at least one data row.
    """
    with workbook_refusals(unreadable=unreadable, too_many_rows=too_many_rows):
        header, rows = read_sheet(upload, max_rows=max_rows)
    problems = header_problems(header)
    if problems:
        raise RefusedUpload(problems)
    if not rows:
        raise RefusedUpload([Problem(None, "", _("文件中没有数据行。"))])
    return header, rows


def upload_rows(upload: IO[bytes], *, max_bytes: int, max_rows: int, unreadable: str, too_many_rows: str) -> int:
    """The checks of `check_size` and `read_upload` that come before a row is parsed (size, a
    workbook within the limits, rows), refused in the same words, and about how many data rows
    the file has: what a request looks at to decide whether an import runs in it or as a job."""
    check_size(upload, max_bytes=max_bytes)
    with workbook_refusals(unreadable=unreadable, too_many_rows=too_many_rows):
        return count_sheet_rows(upload, max_rows=max_rows)


def sorted_problems(problems: Iterable[Problem], columns: Sequence[str] = ()) -> list[Problem]:
    """By row (the file as a whole first), then in the order of `columns`; a column not among
    them (a header the file should not have) comes first, and ties keep the order found."""
    order = {title: index for index, title in enumerate(columns)}
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, -1)))
