"""The digital-technology-engineer programme (数字技术工程师培育项目, 人社厅发〔2021〕71号):
catalogue of institutions and standards, classes, trainees, exams, training
certificates and the 30-day roster filings."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from credits.models import CreditEntry
from portal.models import City, TrainingInstitution
from portal.storage import private_storage

ROSTER_DAYS = 30


class Direction(models.TextChoices):
    AI = "ai", "人工智能"
    IOT = "iot", "物联网"
    BIG_DATA = "big_data", "大数据"
    CLOUD = "cloud", "云计算"
    DIGITAL_MANAGEMENT = "digital_management", "数字化管理"
    SMART_MANUFACTURING = "smart_manufacturing", "智能制造"
    INDUSTRIAL_INTERNET = "industrial_internet", "工业互联网"
    VR = "vr", "虚拟现实"
    BLOCKCHAIN = "blockchain", "区块链"
    IC = "ic", "集成电路"


class Level(models.TextChoices):
    JUNIOR = "junior", "初级"
    INTERMEDIATE = "intermediate", "中级"
    SENIOR = "senior", "高级"


class InstitutionState(models.Model):
    """An institution's place in the catalogue (两目录之一: the institution catalogue)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        LISTED = "listed", _("in the catalogue")
        SUSPENDED = "suspended", _("suspended")

    institution = models.OneToOneField(
        TrainingInstitution, on_delete=models.CASCADE, related_name="state"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )

    def __str__(self):
        return f"{self.institution}: {self.status}"


class Approval(models.Model):
    """A direction and level an institution may train in."""

    institution = models.ForeignKey(
        TrainingInstitution, on_delete=models.CASCADE, related_name="approvals"
    )
    direction = models.CharField(_("direction"), max_length=30, choices=Direction.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "direction", "level"], name="approval_once"
            )
        ]

    def __str__(self):
        return f"{self.institution} {self.direction} {self.level}"


class Standard(models.Model):
    """The subsidy-standard catalogue: training hours and subsidy per direction and level
    (configurable; the seeded figures are placeholders for provincial HR to set)."""

    direction = models.CharField(_("direction"), max_length=30, choices=Direction.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    training_hours = models.PositiveSmallIntegerField(_("training hours"))
    subsidy = models.DecimalField(_("subsidy per trainee"), max_digits=8, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["direction", "level"], name="standard_once")]

    def __str__(self):
        return f"{self.direction} {self.level}: {self.training_hours}"


class TrainingClass(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("open")
        ORDER = "order", "订单"
        CUSTOM = "custom", "订制"
        DIRECTED = "directed", "定向"

    class Group(models.TextChoices):
        MANUFACTURING = "manufacturing", "先进制造业企业"
        TRANSFORMATION = "transformation", "数字化转型企业"
        GRADUATES = "graduates", "高校毕业生"
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    institution = models.ForeignKey(
        TrainingInstitution, on_delete=models.PROTECT, related_name="classes"
    )
    name = models.CharField(_("name"), max_length=200)
    direction = models.CharField(_("direction"), max_length=30, choices=Direction.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    target_group = models.CharField(_("target group"), max_length=20, choices=Group.choices)
    partner = models.CharField(_("partner enterprise"), max_length=200, blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, verbose_name=_("city"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    theory_hours = models.PositiveSmallIntegerField(_("theory hours"))
    practice_hours = models.PositiveSmallIntegerField(_("practice hours"))
    online_percent = models.PositiveSmallIntegerField(_("online share (%)"), default=50)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")), name="class_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="class_capacity_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def hours(self) -> int:
        return self.theory_hours + self.practice_hours

    @property
    def roster_due_on(self):
        return self.ends_on + timedelta(days=ROSTER_DAYS)


class ClassComment(models.Model):
    """A remark by city or provincial HR on a class, shown to the institution."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    text = models.CharField(_("comment"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:50]


class Trainee(models.Model):
    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.PROTECT, related_name="trainees"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    theory_attended = models.PositiveSmallIntegerField(_("theory hours attended"), default=0)
    practice_attended = models.PositiveSmallIntegerField(_("practice hours attended"), default=0)
    theory_score = models.PositiveSmallIntegerField(_("theory score"), null=True, blank=True)
    practice_score = models.PositiveSmallIntegerField(_("practice score"), null=True, blank=True)
    credit = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["training_class", "person"], name="trainee_once"),
            models.CheckConstraint(
                condition=(Q(theory_score__isnull=True) | Q(theory_score__lte=100))
                & (Q(practice_score__isnull=True) | Q(practice_score__lte=100)),
                name="trainee_scores_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.training_class_id}: {self.person_id}"

    @property
    def passed(self) -> bool:
        return (
            self.theory_score is not None
            and self.practice_score is not None
            and self.theory_score >= 60
            and self.practice_score >= 60
        )


def new_code() -> str:
    return secrets.token_urlsafe(16)


class TrainingCertificate(models.Model):
    """培训合格证书 of a passing trainee."""

    trainee = models.OneToOneField(Trainee, on_delete=models.PROTECT, related_name="certificate")
    serial = models.CharField(_("certificate number"), max_length=24, unique=True)
    verification_code = models.CharField(max_length=32, unique=True, default=new_code)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)
    pdf = models.FileField(storage=private_storage, blank=True)
    # The holder asked city HR for title evaluation or recognition service.
    service_requested_at = models.DateTimeField(_("service requested at"), null=True, blank=True)

    def __str__(self):
        return self.serial


class RosterFiling(models.Model):
    """The trainee list and training summary, due 30 days after the class ends."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        SUBMITTED = "submitted", _("submitted")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RETURNED = "returned", _("returned")

    training_class = models.OneToOneField(
        TrainingClass, on_delete=models.PROTECT, related_name="filing"
    )
    due_on = models.DateField(_("due on"))
    summary = models.TextField(_("training summary"), blank=True)
    roster = models.FileField(storage=private_storage, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    def __str__(self):
        return f"{self.training_class} {self.status}"


class CityPlan(models.Model):
    """A city HR bureau's yearly training plan for the programme."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="de_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    groups = models.TextField(_("enterprises and groups aimed at"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="city_plan_once_a_year")
        ]

    def __str__(self):
        return f"{self.city} {self.year}"


class CityPlanTarget(models.Model):
    plan = models.ForeignKey(CityPlan, on_delete=models.CASCADE, related_name="targets")
    direction = models.CharField(_("direction"), max_length=30, choices=Direction.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    target = models.PositiveIntegerField(_("target trainees"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "direction", "level"], name="city_plan_target_once"
            )
        ]

    def __str__(self):
        return f"{self.direction} {self.level}: {self.target}"
