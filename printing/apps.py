from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintingConfig(AppConfig):
    """Printed forms (the PDF engine, the seven forms of Decree 118, the tracking book) and the signed electronic
    results (signing on approval, verification)."""

    name = "printing"
    verbose_name = _("Biểu mẫu in")

    def ready(self):
        from dossiers.signals import dossier_acted
        from printing.results import on_dossier_acted

        # Inside the approval's transaction: the signed result is stored with the decision, or not at all.
        dossier_acted.connect(on_dossier_acted, dispatch_uid="printing.sign_result_on_approval")
