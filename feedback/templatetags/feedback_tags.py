"""{% published_feedback procedure %}: the published answers on a procedure's public page (redacted texts only,
never the sender). Outside any {% cache %} block: one small query per page."""

from django import template

from feedback.selectors import published_for_procedure

register = template.Library()


@register.inclusion_tag("feedback/_published.html")
def published_feedback(procedure, limit: int = 10):
    return {"procedure": procedure, "items": published_for_procedure(procedure_id=procedure.pk, limit=limit)}
