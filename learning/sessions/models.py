"""Offline training sessions and their attendance (the models of learning.sessions)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credits.models import Category


class OfflineSession(models.Model):
    """An offline training session (线下培训): closing it posts its hours to each attendee."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    unit = models.ForeignKey("portal.Unit", on_delete=models.PROTECT, null=True, blank=True)
    authority = models.ForeignKey(
        "portal.Authority", on_delete=models.PROTECT, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("offline session")
        verbose_name_plural = _("offline sessions")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="session_hours_positive")
        ]

    def __str__(self):
        return self.title


class Attendance(models.Model):
    session = models.ForeignKey(OfflineSession, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once")
        ]

    def __str__(self):
        return f"{self.session_id}: {self.person_id}"
