from functools import lru_cache

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from indicators.points import format_points
from indicators.requirements import split_clauses

register = template.Library()


@register.filter
def mark_requirements(standard: str) -> SafeString:
    """Escape the standard and wrap its countable requirements in <mark>."""
    return _marked(str(standard))


# A pure function of the text, and a score page prints all 32 standards on every request: the few
# hundred standards of all editions stay marked up (a cache of results, not state: nothing to expire).
@lru_cache(maxsize=1024)
def _marked(standard: str) -> SafeString:
    return format_html_join(
        "",
        "{}",
        (
            (format_html('<mark class="requirement">{}</mark>', piece) if is_req else piece,)
            for piece, is_req in split_clauses(standard)
        ),
    )


@register.filter
def points(value: object) -> str:
    return format_points(value)
