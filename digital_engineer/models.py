"""The digital-technology-engineer programme (数字技术工程师培育项目, 人社厅发〔2021〕71号):
catalogue of institutions and standards, classes, trainees, exams, training
certificates and the 30-day roster filings."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certificates.models import RevocationCategory
from credits.models import CreditEntry
from portal.models import City, TrainingInstitution
from portal.storage import private_storage

ROSTER_DAYS = 30
PASS_MARK = 60  # each part of the completion exam, out of 100


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


def level_rank() -> Case:
    """The level as a number (初级 0 < 中级 1 < 高级 2), for ordering by it."""
    return Case(
        *(When(level=value, then=rank) for rank, value in enumerate(Level.values)),
        output_field=models.IntegerField(),
    )


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
    # Public: shown beside a listed institution on the front page (附件2 of the
    # notice lists each institution with its contact person and telephone).
    contact = models.CharField(
        _("contact"),
        max_length=200,
        blank=True,
        help_text=_("Contact person and telephone, as the public list shows them."),
    )

    class Meta:
        verbose_name = _("institution catalogue entry")
        verbose_name_plural = _("institution catalogue entries")

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
        verbose_name = _("approved direction and level")
        verbose_name_plural = _("approved directions and levels")
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
        verbose_name = _("subsidy standard")
        verbose_name_plural = _("subsidy standards")
        constraints = [models.UniqueConstraint(fields=["direction", "level"], name="standard_once")]

    def __str__(self):
        return f"{self.direction} {self.level}: {self.training_hours}"


class TrainingClass(models.Model):
    class Kind(models.TextChoices):
        # "open" is also the status of a running class (进行中); as a kind it is 开放班.
        OPEN = "open", pgettext_lazy("training class kind", "open")
        # The notice's 订单、订制、定向培训班, each read as a kind of class.
        ORDER = "order", "订单班"
        CUSTOM = "custom", "订制班"
        DIRECTED = "directed", "定向班"

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
        verbose_name = _("class comment")
        verbose_name_plural = _("class comments")
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:50]


def passed_condition(*, trainee: str = "", klass: str = "training_class__") -> Q:
    """The pass rule as a query condition, for filters and aggregates: theory and
    practice hours attended reach the class's (对完成规定学时和内容的学员进行结业考核)
    and both exam parts score at least PASS_MARK. `trainee` and `klass` are the
    lookup paths to the trainee and to its class from the queried model. It states
    the same rule as `Trainee.passed`; a test holds the two together."""
    return Q(
        **{
            f"{trainee}theory_attended__gte": models.F(f"{klass}theory_hours"),
            f"{trainee}practice_attended__gte": models.F(f"{klass}practice_hours"),
            f"{trainee}theory_score__gte": PASS_MARK,
            f"{trainee}practice_score__gte": PASS_MARK,
        }
    )


class TraineeQuerySet(models.QuerySet):
    def passed(self) -> "TraineeQuerySet":
        return self.filter(passed_condition())


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

    objects = TraineeQuerySet.as_manager()

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
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
    def hours_done(self) -> int:
        """Theory and practice hours attended: what the certificate and the ledger state."""
        return self.theory_attended + self.practice_attended

    @property
    def completed_hours(self) -> bool:
        klass = self.training_class
        return (
            self.theory_attended >= klass.theory_hours
            and self.practice_attended >= klass.practice_hours
        )

    @property
    def passed(self) -> bool:
        """The pass rule of `passed_condition`: the class's hours done and both
        exam parts at least PASS_MARK."""
        return (
            self.completed_hours
            and self.theory_score is not None
            and self.practice_score is not None
            and self.theory_score >= PASS_MARK
            and self.practice_score >= PASS_MARK
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
    # Set with revoked_at; "" while valid (certificates.models.RevocationCategory).
    revocation_category = models.CharField(
        _("revocation category"), max_length=20, choices=RevocationCategory.choices, blank=True
    )
    pdf = models.FileField(storage=private_storage, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    # The characters no certificate font draws (certificates.models.Certificate).
    render_blocked = models.CharField(_("characters no font draws"), max_length=50, blank=True)
    # When the rendering was last queued: a download while the PDF is missing queues it
    # again only after a while (services.training_certificate_render_request).
    render_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The holder asked city HR for title evaluation or recognition service.
    service_requested_at = models.DateTimeField(_("service requested at"), null=True, blank=True)

    class Meta:
        verbose_name = _("training certificate")
        verbose_name_plural = _("training certificates")

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
    # The first submission decides lateness (portal.deadlines.filing_lateness): kept
    # when a returned filing is submitted again, while `submitted_at` is the latest.
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("roster filing")
        verbose_name_plural = _("roster filings")

    def __str__(self):
        return f"{self.training_class} {self.status}"


class RosterReminder(models.Model):
    """One roster-filing reminder e-mail a day at most per institution: the row is
    written before the mail is sent, and a second run on the same day finds it."""

    institution = models.ForeignKey(TrainingInstitution, on_delete=models.CASCADE)
    sent_on = models.DateField(_("sent on"))

    class Meta:
        verbose_name = _("roster filing reminder")
        verbose_name_plural = _("roster filing reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "sent_on"], name="roster_reminder_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.institution} {self.sent_on}"


class CityPlan(models.Model):
    """A city HR bureau's yearly training plan for the programme."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="de_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    groups = models.TextField(_("enterprises and groups aimed at"), blank=True)

    class Meta:
        verbose_name = _("city training plan")
        verbose_name_plural = _("city training plans")
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
        verbose_name = _("city plan target")
        verbose_name_plural = _("city plan targets")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "direction", "level"], name="city_plan_target_once"
            )
        ]

    def __str__(self):
        return f"{self.direction} {self.level}: {self.target}"
