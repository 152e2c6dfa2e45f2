"""{% payment_panel dossier %}: the dossier's payments (due, paid) with the pay button and receipts.
Placeholder until the payments pages exist: renders nothing."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def payment_panel(context, dossier, staff=False):
    return ""
