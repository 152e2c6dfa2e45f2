from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data protection (Law on Personal Data Protection 2025, Decree 13/2023/NĐ-CP): the staff access
    log, the privacy notice, a citizen's copy of their data and correction requests, and the archiving of old
    closed dossiers. Sits above dossiers and notifications, which it reads, and below surveys: the apps above add
    what they hold about a dossier (surveys: the rating) through privacy.sections, from their ready()."""

    name = "privacy"
    verbose_name = _("Bảo vệ dữ liệu cá nhân")
