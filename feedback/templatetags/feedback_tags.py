"""{% published_feedback procedure %}: the published answers on a procedure's public page (redacted texts only,
never the sender). Outside the catalog's cached fragments; its HTML is kept in the cache by procedure and language
until an answer is published or withdrawn, or the catalog changes (feedback.selectors.published_cached)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from feedback.selectors import published_cached, published_for_procedure

register = template.Library()


@register.simple_tag
def published_feedback(procedure, limit: int = 10):
    def html():
        items = published_for_procedure(procedure_id=procedure.pk, limit=limit)
        return render_to_string("feedback/_published.html", {"procedure": procedure, "items": items})

    name = f"html:{get_language()}:{procedure.national_code}:{limit}"
    return mark_safe(published_cached(procedure_id=procedure.pk, name=name, compute=html))  # noqa: S308 - our HTML
