"""Render a page or, for an htmx request, just the named partial of the same template."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    if partial and getattr(request, "htmx", False):
        template = f"{template}#{partial}"
    return render(request, template, context, status=status)
