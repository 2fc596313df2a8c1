"""Continuing-education bases' trainings, their trainees, and the yearly evaluation of
bases (the notice, sections 五(三) and 二(三); RULES.md "Continuing-education bases").
The registry of bases is portal.Base: base staff memberships are scoped to it."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credits.models import HOURS_FIELD, Category, CreditEntry
from portal.models import Base


class Training(models.Model):
    """A training a base proposes; it runs only after the base's managing unit
    approves it (经基地管理单位同意后)."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("online")
        OFFLINE = "offline", _("offline")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("awaiting approval")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved")
        CLOSED = "closed", pgettext_lazy("training status", "closed")

    base = models.ForeignKey(
        Base, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("base")
    )
    title = models.CharField(_("title"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    field = models.CharField(_("field"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    mode = models.CharField(_("form"), max_length=20, choices=Mode.choices)
    hours = models.DecimalField(
        _("hours"), validators=[MinValueValidator(Decimal("0.1"))], **HOURS_FIELD
    )
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    fee = models.DecimalField(
        _("fee (yuan)"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    is_advanced_seminar = models.BooleanField(
        _("advanced seminar"),
        default=False,
        help_text=_("An advanced seminar (高级研修班) of the knowledge-update programme."),
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("base training")
        verbose_name_plural = _("base trainings")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="training_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="training_capacity_positive"),
        ]
        indexes = [models.Index(fields=["base", "starts_on"])]

    def __str__(self):
        return self.title

    @property
    def year(self) -> int:
        """The continuing-education year its hours count in: the year it ends."""
        return self.ends_on.year


class Trainee(models.Model):
    """A person enrolled in a base's training, with her attendance and result. Closing
    the training credits each passed trainee once; the entry's source is this row."""

    class Result(models.TextChoices):
        PENDING = "pending", _("not yet recorded")
        # 合格 / 不合格 (not the 通过 / 失败 of a job or a review).
        PASSED = "passed", pgettext_lazy("trainee result", "passed")
        FAILED = "failed", pgettext_lazy("trainee result", "failed")

    class Via(models.TextChoices):
        SELF = "self", _("enrolled herself")
        BASE = "base", _("listed by the base")

    training = models.ForeignKey(
        Training, on_delete=models.PROTECT, related_name="trainees", verbose_name=_("training")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="base_trainings",
        verbose_name=_("trainee"),
    )
    via = models.CharField(_("enrolled"), max_length=10, choices=Via.choices)
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    attended = models.BooleanField(_("attended"), default=False)
    result = models.CharField(
        _("result"), max_length=10, choices=Result.choices, default=Result.PENDING
    )
    credit = models.OneToOneField(
        CreditEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["training_id", "enrolled_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["training", "person"], name="base_trainee_once")
        ]

    def __str__(self):
        return f"{self.person} · {self.training}"


class Evaluation(models.Model):
    """Provincial HR's evaluation (检查评估) of a base for a year: the score sheet it
    fills beside the indicators computed from the tables, and the grade."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    base = models.ForeignKey(
        Base, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("base")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # Points per part of the score sheet, as provincial HR gave them (bases.evaluation
    # names the parts and their maxima).
    scores = models.JSONField(_("scores"), default=dict)
    total = models.DecimalField(
        _("total score"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    remarks = models.TextField(_("remarks"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now=True)

    class Meta:
        verbose_name = _("base evaluation")
        verbose_name_plural = _("base evaluations")
        ordering = ["-year", "base_id"]
        constraints = [
            models.UniqueConstraint(fields=["base", "year"], name="evaluation_once_a_year")
        ]

    def __str__(self):
        return f"{self.base} {self.year}"
