"""The page's Content-Security-Policy nonce for the <style> element inside a pygal chart."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def with_style_nonce(svg: SafeString | str, request: HttpRequest | None) -> SafeString | str:
    """A chart from reports.charts with its <style> allowed by the response's nonce.

    pygal scopes its CSS to the chart's own id inside the SVG; a strict style-src refuses an inline
    <style> unless it carries the nonce. Reading request.csp_nonce is what makes django-csp add the
    nonce to the header, so pages without a chart keep a policy without any."""
    nonce = getattr(request, "csp_nonce", None)
    if not svg or nonce is None:
        return svg
    return mark_safe(str(svg).replace("<style", f'<style nonce="{escape(str(nonce))}"', 1))  # noqa: S308 - a chart made safe by _svg, plus an escaped nonce
