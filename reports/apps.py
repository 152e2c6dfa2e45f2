from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Thống kê, báo cáo")

    def ready(self):
        from dossiers.signals import dossier_figures_changed
        from reports import tally
        from surveys.services import rating_recorded

        def on_figures(sender, changes, **kwargs):
            tally.apply_changes(changes)

        def on_rating(sender, rating, **kwargs):
            tally.apply_rating(rating)

        # Both signals are sent inside the writer's transaction: the summary commits (or not) with the write.
        dossier_figures_changed.connect(on_figures, dispatch_uid="reports.summary.figures", weak=False)
        rating_recorded.connect(on_rating, dispatch_uid="reports.summary.rating", weak=False)
