"""The yearly quality online public-course selection (the models of learning.quality)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from credits.models import CreditEntry
from learning.catalog.models import Course
from portal.models import Base


class QualityNomination(models.Model):
    """A public-subject course put forward for the year's quality-course selection
    (优质在线公需课评选) by its teacher or her base. The association's experts score it,
    the association shortlists it (or declines it), and provincial HR confirms the
    shortlist; a selected course earns its teacher 2 × its hours (RULES.md "Quality
    online public courses")."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting review")
        SHORTLISTED = "shortlisted", _("shortlisted")
        SELECTED = "selected", _("selected")
        DECLINED = "declined", _("declined")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="nominations")
    year = models.PositiveSmallIntegerField(_("year"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    # The base that put it forward (or the teacher's base, named by her); its selected
    # courses are a bonus in the base's evaluation.
    base = models.ForeignKey(
        Base,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name=_("base"),
    )
    shortlisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    shortlisted_at = models.DateTimeField(_("shortlisted at"), null=True)
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


class QualityReview(models.Model):
    """An association expert's score (0–100) and comment on a nomination; one per
    expert and nomination, changeable until the association decides."""

    nomination = models.ForeignKey(
        QualityNomination, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    comment = models.TextField(_("comment"))
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now=True)

    class Meta:
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")
        ordering = ["nomination_id", "reviewed_at"]
        constraints = [
            models.UniqueConstraint(fields=["nomination", "reviewer"], name="review_once"),
            models.CheckConstraint(
                condition=models.Q(score__lte=100), name="review_score_at_most_100"
            ),
        ]

    def __str__(self):
        return f"{self.nomination} · {self.score}"
