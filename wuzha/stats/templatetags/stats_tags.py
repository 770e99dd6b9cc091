from typing import Any

from django import template

register = template.Library()


@register.filter
def cell(row: Any, code: str) -> Any:
    """`row|cell:"coverage"`: one indicator cell of a dashboard row."""
    return row.cells.get(code)


@register.filter
def signed(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:+g}"
