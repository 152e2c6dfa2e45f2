"""{% result_panel dossier %}: the signed electronic result (download, verification link).
Placeholder until signing exists: renders nothing."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def result_panel(context, dossier, staff=False):
    return ""
