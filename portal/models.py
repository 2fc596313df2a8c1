"""People and organisations: users, cities, authorities, units, institutions,
professional profiles and the memberships that give users their roles."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.audit_labels import action_label
from portal.identity import (
    mask_id_number,
    normalize_credit_code,
    normalize_id_number,
    normalize_name,
    normalize_phone,
    validate_credit_code,
    validate_id_number,
)

phone_validator = RegexValidator(
    r"^1\d{10}$", _("The mobile phone number must be 11 digits starting with 1.")
)


class NormalizedCharField(models.CharField):
    """A text column stored only in its normal form (portal/identity.py).

    Normalised in `to_python`, so that model validation (and its uniqueness checks)
    sees the value as it will be stored — and Django applies `to_python` to the value
    of a `QuerySet.update()` and of an exact or `__in` lookup too, so that
    `filter(id_number=<full-width number>)` finds the account; and in `pre_save`, so
    that every save (`save(update_fields=…)`, `bulk_create`, a service that skips
    `full_clean`) stores it so. Pattern lookups (`__contains`, `__startswith`) and
    raw SQL pass by it: normalise their search text with portal.identity.
    """

    normalize = staticmethod(str)

    def to_python(self, value):
        value = super().to_python(value)
        return self.normalize(value) if value else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value:
            value = self.normalize(value)
            setattr(model_instance, self.attname, value)
        return value


class NameField(NormalizedCharField):
    """A person's name: middle-dot look-alikes as U+00B7, no spaces in a Chinese name."""

    normalize = staticmethod(normalize_name)


class IdNumberField(NormalizedCharField):
    """An ID-card number: NFKC (full-width digits and Ｘ), no spaces, X upper-cased."""

    normalize = staticmethod(normalize_id_number)


class PhoneField(NormalizedCharField):
    """A mobile phone number: NFKC, no spaces, hyphens or +86; none is NULL, which
    the unique constraint ignores."""

    normalize = staticmethod(normalize_phone)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if not value and self.null:
            value = None
            setattr(model_instance, self.attname, value)
        return value


class ReviewStatus(models.TextChoices):
    """Where a self-registration (of a person or of a unit) stands."""

    PENDING = "pending", _("awaiting approval")
    REJECTED = "rejected", _("rejected")
    APPROVED = "approved", _("approved")


class UserQuerySet(models.QuerySet):
    def professionals(self):
        """People whose registration their unit approved: the only ones who study,
        earn hours and hold certificates."""
        return self.filter(profile__status=ReviewStatus.APPROVED)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, id_number, password, **extra_fields):
        user = self.model(id_number=normalize_id_number(id_number), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, id_number, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(id_number, password, **extra_fields)

    def create_superuser(self, id_number, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(id_number, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. The ID-card number is the login and never changes."""

    id_number = IdNumberField(
        _("ID card number"), max_length=18, unique=True, validators=[validate_id_number]
    )
    real_name = NameField(_("real name"), max_length=50)
    phone = PhoneField(
        _("mobile phone"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[phone_validator],
    )
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("may use the admin site"),
        default=False,
        help_text=_("Whether the user may log in to the Django admin site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    elder_mode = models.BooleanField(
        _("elder-friendly mode"),
        default=False,
        help_text=_("Larger text and controls and a high-contrast palette on every page."),
    )

    objects = UserManager()

    USERNAME_FIELD = "id_number"
    REQUIRED_FIELDS = ["real_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["real_name", "id_number"]

    def __str__(self):
        return f"{self.real_name}（{self.masked_id_number}）"

    def clean(self):
        super().clean()
        self.id_number = normalize_id_number(self.id_number)
        # Store no phone as NULL so that the unique constraint ignores it.
        self.phone = self.phone or None

    def get_full_name(self):
        return self.real_name

    def get_short_name(self):
        return self.real_name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class City(models.Model):
    """One of Shandong's 16 prefecture-level cities, or 省直 (province-direct)."""

    code = models.CharField(_("administrative code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=20, unique=True)
    is_province_direct = models.BooleanField(_("province-direct"), default=False)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Authority(models.Model):
    """A provincial industry authority (省级行业主管部门)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    short_name = models.CharField(_("short name"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("industry authority")
        verbose_name_plural = _("industry authorities")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CreditCodeField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("validators", [validate_credit_code])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_credit_code(value) if value else value


class Unit(models.Model):
    """An employer (用人单位)."""

    name = models.CharField(_("name"), max_length=100)
    credit_code = CreditCodeField(_("unified social credit code"))
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="units", verbose_name=_("city")
    )
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="units",
        null=True,
        blank=True,
        verbose_name=_("industry authority"),
    )
    is_province_direct = models.BooleanField(_("province-direct unit"), default=False)
    is_self_evaluating = models.BooleanField(
        _("self-evaluating unit"),
        default=False,
        help_text=_("Evaluates and appoints professional titles itself (职称自主评聘单位)."),
    )
    # Set and cleared with is_self_evaluating (portal.self_evaluation), never alone.
    self_evaluating_since = models.DateField(
        _("self-evaluating since"),
        null=True,
        blank=True,
        help_text=_("The date provincial HR marked it as a self-evaluating unit."),
    )
    status = models.CharField(
        _("registration status"),
        max_length=20,
        choices=ReviewStatus.choices,
        default=ReviewStatus.APPROVED,
        db_default=ReviewStatus.APPROVED,  # bulk loaders (seed_scale's COPY) omit it
    )
    rejection_reason = models.CharField(
        _("reason for rejection"), max_length=200, blank=True, db_default=""
    )
    registered_by = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["city__code", "name"]

    def __str__(self):
        return self.name


class TrainingInstitution(models.Model):
    """A digital-technology-engineer training institution (数字技术工程师培训机构)."""

    name = models.CharField(_("name"), max_length=100)
    credit_code = CreditCodeField(_("unified social credit code"))
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("city")
    )

    class Meta:
        verbose_name = _("training institution")
        verbose_name_plural = _("training institutions")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Base(models.Model):
    """A national or provincial continuing-education base (专业技术人员继续教育基地),
    kept by provincial HR (鲁人社发〔2016〕38号; RULES.md "Continuing-education bases").

    Its managing unit (基地管理单位) approves its trainings: a city HR bureau, an
    industry authority, or a unit (a province-direct unit or an enterprise) — exactly
    one of the three, enforced by the database."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("national base")
        PROVINCIAL = "provincial", _("provincial base")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        REVOKED = "revoked", _("revoked")

    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    host_name = models.CharField(_("host organisation"), max_length=100)
    host_credit_code = models.CharField(
        _("host's unified social credit code"),
        max_length=18,
        validators=[validate_credit_code],
    )
    managing_city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_bases",
        verbose_name=_("managing city HR bureau"),
    )
    managing_authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_bases",
        verbose_name=_("managing industry authority"),
    )
    managing_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_bases",
        verbose_name=_("managing unit"),
    )
    # The fields (专业领域) it may train in, as their Chinese names.
    fields = models.JSONField(_("fields"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    contact = models.CharField(_("contact"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("continuing-education base")
        verbose_name_plural = _("continuing-education bases")
        ordering = ["level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        managing_city__isnull=False,
                        managing_authority__isnull=True,
                        managing_unit__isnull=True,
                    )
                    | Q(
                        managing_city__isnull=True,
                        managing_authority__isnull=False,
                        managing_unit__isnull=True,
                    )
                    | Q(
                        managing_city__isnull=True,
                        managing_authority__isnull=True,
                        managing_unit__isnull=False,
                    )
                ),
                name="base_one_managing_unit",
                violation_error_message=_(
                    "A base has exactly one managing unit: a city HR bureau, an industry "
                    "authority or a unit."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="base_validity_in_order",
                violation_error_message=_("The period of validity ends before it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def managing(self):
        """The managing unit: a City, an Authority or a Unit."""
        return self.managing_city or self.managing_authority or self.managing_unit

    @property
    def managing_name(self) -> str:
        """The managing unit's name as every page prints it: a city's HR bureau in
        full, an authority's or a unit's own name."""
        if self.managing_city_id:
            return gettext("%(city)s human resources and social security bureau") % {
                "city": self.managing_city.name
            }
        return self.managing.name if self.managing else ""


class TitleLevel(models.TextChoices):
    JUNIOR = "junior", _("junior")
    INTERMEDIATE = "intermediate", _("intermediate")
    DEPUTY_SENIOR = "deputy_senior", _("deputy senior")
    SENIOR = "senior", _("full senior")


class TitleSeries(models.TextChoices):
    ENGINEERING = "engineering", _("engineering")
    HEALTH = "health", _("health")
    HIGHER_EDUCATION = "higher_education", _("higher education teachers")
    SCHOOL_EDUCATION = "school_education", _("primary and secondary school teachers")
    ECONOMICS = "economics", _("economics")
    ACCOUNTING = "accounting", _("accounting")
    AGRICULTURE = "agriculture", _("agriculture")
    RESEARCH = "research", _("natural science research")
    JOURNALISM = "journalism", _("journalism")
    OTHER = "other", _("other")


class ProfessionalProfile(models.Model):
    """What makes a user a professional: the unit and the current title."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("unit")
    )
    title_series = models.CharField(
        _("title series"), max_length=20, choices=TitleSeries.choices, blank=True
    )
    specialty = models.CharField(_("specialty"), max_length=50, blank=True)
    title_level = models.CharField(
        _("title level"), max_length=20, choices=TitleLevel.choices, blank=True
    )
    title_obtained_on = models.DateField(_("current title obtained on"), null=True, blank=True)
    status = models.CharField(
        _("registration status"),
        max_length=20,
        choices=ReviewStatus.choices,
        default=ReviewStatus.APPROVED,
        db_default=ReviewStatus.APPROVED,  # bulk loaders (seed_scale's COPY) omit it
    )
    rejection_reason = models.CharField(
        _("reason for rejection"), max_length=200, blank=True, db_default=""
    )
    unit_since = models.DateField(
        _("in this unit since"),
        null=True,
        blank=True,
        help_text=_("Empty for people whose records predate the portal's unit history."),
    )

    class Meta:
        verbose_name = _("professional profile")
        verbose_name_plural = _("professional profiles")

    def __str__(self):
        return f"{self.user.real_name} @ {self.unit.name}"


class Role(models.TextChoices):
    PROFESSIONAL = "professional", _("professional")
    UNIT_HR = "unit_hr", _("unit HR")
    DEPARTMENT_ADMIN = "department_admin", _("department admin")
    CITY_HR = "city_hr", _("city HR")
    PROVINCE_HR = "province_hr", _("provincial HR")
    INSTITUTION_STAFF = "institution_staff", _("training institution staff")
    BASE_STAFF = "base_staff", _("base staff")
    ASSOCIATION = "association", _("association reviewer")


# Which scope field each role carries; every other scope field must be empty.
ROLE_SCOPE_FIELD = {
    Role.PROFESSIONAL: None,
    Role.UNIT_HR: "unit",
    Role.DEPARTMENT_ADMIN: "authority",
    Role.CITY_HR: "city",
    Role.PROVINCE_HR: None,
    Role.INSTITUTION_STAFF: "institution",
    Role.BASE_STAFF: "base",
    Role.ASSOCIATION: None,
}
SCOPE_FIELDS = ("unit", "authority", "city", "institution", "base")


def _scope_condition(role):
    wanted = ROLE_SCOPE_FIELD[role]
    return Q(role=role) & Q(**{f"{field}__isnull": field != wanted for field in SCOPE_FIELDS})


class Membership(models.Model):
    """A role a user holds, with the organisation it applies to.

    A professional's scope is herself (her unit comes from her profile); provincial
    HR sees everything; the other roles name exactly one unit, authority, city or
    institution. The database enforces both rules.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("unit")
    )
    authority = models.ForeignKey(
        Authority,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("industry authority"),
    )
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("city")
    )
    institution = models.ForeignKey(
        TrainingInstitution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("training institution"),
    )
    base = models.ForeignKey(
        Base,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("continuing-education base"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user_id", "role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    _scope_condition(Role.PROFESSIONAL)
                    | _scope_condition(Role.UNIT_HR)
                    | _scope_condition(Role.DEPARTMENT_ADMIN)
                    | _scope_condition(Role.CITY_HR)
                    | _scope_condition(Role.PROVINCE_HR)
                    | _scope_condition(Role.INSTITUTION_STAFF)
                    | _scope_condition(Role.BASE_STAFF)
                    | _scope_condition(Role.ASSOCIATION)
                ),
                name="membership_scope_matches_role",
                violation_error_message=_(
                    "Unit HR needs a unit, department admins an authority, city HR a city, "
                    "institution staff an institution and base staff a base; professionals, "
                    "provincial HR and association reviewers need none. Fill in exactly "
                    "the one the role needs."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(role__in=[Role.PROFESSIONAL, Role.PROVINCE_HR, Role.ASSOCIATION]),
                name="membership_unique_unscoped_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="membership_unique_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "authority"],
                condition=Q(authority__isnull=False),
                name="membership_unique_authority",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "city"],
                condition=Q(city__isnull=False),
                name="membership_unique_city",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "institution"],
                condition=Q(institution__isnull=False),
                name="membership_unique_institution",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "base"],
                condition=Q(base__isnull=False),
                name="membership_unique_base",
            ),
        ]

    def __str__(self):
        scope = self.scope
        label = self.get_role_display()
        return f"{label}：{scope}" if scope else label

    @property
    def scope(self):
        """The organisation this role applies to, or None (self / the whole province)."""
        field = ROLE_SCOPE_FIELD[self.role]
        return getattr(self, field) if field else None


class AuditLog(models.Model):
    """Every change of state, named with a dotted action (e.g. `credits.entry.reversed`)."""

    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action_label}"

    @property
    def action_label(self) -> str:
        """What happened, in Chinese (the code itself stays in `action`)."""
        return action_label(self.action)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Job(models.Model):
    """The one progress protocol for long jobs: a row with status, counts and an error
    a user may read; its page polls the row. Concrete jobs add what they work on."""

    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE or not self.total:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, (self.done + self.failed) * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class PasswordResetCode(models.Model):
    """A one-time code for a password reset; only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reset_codes")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("password reset code")
        verbose_name_plural = _("password reset codes")

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class PastEmployment(models.Model):
    """A unit a person has left by a transfer. The unit keeps read access to her
    records of the years she worked there, up to the moment she left."""

    person = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="past_employments", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="former_staff", verbose_name=_("unit")
    )
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_at = models.DateTimeField(_("left at"))

    class Meta:
        verbose_name = _("past employment")
        verbose_name_plural = _("past employments")
        ordering = ["-ended_at"]

    def __str__(self):
        return f"{self.person_id} @ {self.unit_id} → {self.ended_at:%Y-%m-%d}"


class Transfer(models.Model):
    """A move to another unit: the new unit accepts, the old one may object within
    TRANSFER_OBJECTION_DAYS, after which the move completes."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("awaiting the new unit")
        ACCEPTED = "accepted", _("accepted, objection period running")
        REJECTED = "rejected", _("rejected by the new unit")
        OBJECTED = "objected", _("objected to by the former unit")
        CANCELLED = "cancelled", _("withdrawn")
        COMPLETED = "completed", _("completed")

    OPEN = (Status.REQUESTED, Status.ACCEPTED)

    person = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("person")
    )
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("from unit")
    )
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to unit")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    objection_deadline = models.DateTimeField(_("objections until"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["requested", "accepted"]),
                name="transfer_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(from_unit=models.F("to_unit")), name="transfer_to_another_unit"
            ),
        ]

    def __str__(self):
        return f"{self.person_id}: {self.from_unit_id} → {self.to_unit_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
