from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Khảo sát mức độ hài lòng")

    def ready(self):
        from dossiers.notifications import message_composing
        from dossiers.services import dossier_changed

        from . import receivers

        message_composing.connect(receivers.add_rating_link, dispatch_uid="surveys.rating_link")
        dossier_changed.connect(receivers.score_indices_on_return, dispatch_uid="surveys.score_indices")
