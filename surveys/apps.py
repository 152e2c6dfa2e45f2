from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Khảo sát mức độ hài lòng")

    def ready(self):
        from dossiers.signals import dossier_changed
        from integrations.ratings import register_ratings_provider
        from notifications.outbox import message_composing
        from privacy.sections import register_section
        from surveys import dvcqg, personal_data, receivers

        message_composing.connect(receivers.add_rating_link, dispatch_uid="surveys.rating_link")
        dossier_changed.connect(receivers.score_indices_on_return, dispatch_uid="surveys.score_indices")
        # The rating in a citizen's "my data" download and in the archive packages (privacy sits below surveys).
        register_section("rating", dossier_data=personal_data.ratings_by_dossier,
                         archive_records=personal_data.rating_records)
        # The monthly ratings summary for the national portal (integrations sits below surveys).
        register_ratings_provider(dvcqg.monthly_ratings, uid="surveys.ratings")
