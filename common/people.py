"""How a person is named wherever the system shows them (pages, workbooks, PDFs, history): the full
name, or the username for someone who has none. Templates use the `display_name` filter
(`{% load people %}`), the same function."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Person", "display_name"]


class Person(Protocol):
    def get_full_name(self) -> str: ...

    def get_username(self) -> str: ...


def display_name(user: Person | None) -> str:
    """"" for no one (a system change, an unassigned sheet), so that callers need not ask first."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
