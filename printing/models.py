"""Printed documents kept in private storage."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency


class TrackingBookFile(models.Model):
    """A day's tracking book (form 07) of a desk, rendered in the background into private storage."""

    agency = models.ForeignKey(Agency, verbose_name=_("bộ phận một cửa"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("ngày"))
    file = models.FileField(_("tệp PDF"), upload_to="tracking-books/", max_length=255)
    dossier_count = models.PositiveIntegerField(_("số hồ sơ"), default=0)
    rendered_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        db_table = "dossiers_trackingbookfile"  # created by the dossiers app, which owned it before
        verbose_name = _("sổ theo dõi hồ sơ (PDF)")
        verbose_name_plural = _("sổ theo dõi hồ sơ (PDF)")
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="tracking_book_file_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}"
