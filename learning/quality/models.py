"""The yearly quality online public-course selection (the models of learning.quality)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credits.models import CreditEntry
from learning.catalog.models import Course


class QualityNomination(models.Model):
    """A public-subject course put forward for the year's quality-course selection
    (优质在线公需课评选); a selected course earns its teacher 2 × its hours."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting review")
        SELECTED = "selected", _("selected")
        DECLINED = "declined", _("declined")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="nominations")
    year = models.PositiveSmallIntegerField(_("year"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True)
    credit = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("quality course nomination")
        verbose_name_plural = _("quality course nominations")
        ordering = ["-year", "nominated_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "year"], name="nomination_once_a_year")
        ]

    def __str__(self):
        return f"{self.course} {self.year}"
