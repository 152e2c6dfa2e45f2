from django import template

from core.masking import mask_digits
from procedures import formatting

register = template.Library()
register.filter("vn_datetime", formatting.vn_datetime)
register.filter("vn_date", formatting.vn_date)
register.filter("vn_short_datetime", formatting.vn_short_datetime)


@register.filter
def copy_kind_label(value: str) -> str:
    from procedures.models import DocumentCopyKind

    try:
        return str(DocumentCopyKind(value).label)
    except ValueError:
        return value


@register.filter
def masked(value: str) -> str:
    return mask_digits(value)

