from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The outbox: messages to applicants and staff, their delivery and the deadline sweep."""

    name = "notifications"
    verbose_name = _("Thông báo")

    def ready(self):
        from dossiers.signals import appointments_moved, dossier_acted
        from notifications import receivers, sweep  # noqa: F401 - sweep registers the deadline_sweep task

        dossier_acted.connect(receivers.on_dossier_acted, dispatch_uid="notifications.on_dossier_acted")
        appointments_moved.connect(receivers.on_appointments_moved, dispatch_uid="notifications.on_appointments_moved")
