"""`{{ user|display_name }}`: common.people.display_name in templates."""

from __future__ import annotations

from django import template

from common import people

register = template.Library()


@register.filter
def display_name(user: people.Person | str | None) -> str:
    if isinstance(user, str):  # a variable that does not resolve reaches a filter as ""
        return ""
    return people.display_name(user)
