"""{% consultation_panel dossier %} on the staff dossier page: the dossier's consultations (late ones marked),
their history, and the "Xin ý kiến" button for whoever may ask."""

from django import template

from consultations import rules, selectors

register = template.Library()


@register.inclusion_tag("consultations/_panel.html", takes_context=True)
def consultation_panel(context, dossier):
    user = context["request"].user
    return {"dossier": dossier, "consultations": list(selectors.of_dossier(dossier=dossier)),
            "can_ask": rules.ask_refusal(dossier, user=user) is None}
