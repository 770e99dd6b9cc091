from django import template

from wuzha.core.validators import mask_name

from ..services import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Format an amount in fen as ¥1,234.50."""
    return format_yuan(int(fen or 0))


@register.filter
def masked(name: str) -> str:
    return mask_name(name)
