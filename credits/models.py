"""The hour ledger and what decides over it: yearly rules, the conversion table of
declarable activities, declarations and their reviews, offline-hours uploads."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Authority, Job, Membership, Role, TitleLevel, Unit
from portal.storage import private_storage

HOURS_FIELD = {"max_digits": 6, "decimal_places": 1}


class Category(models.TextChoices):
    PUBLIC = "public", _("public subjects")
    PROFESSIONAL = "professional", _("professional subjects")


class Source(models.TextChoices):
    COURSE = "course", _("course completion")
    OFFLINE = "offline", _("offline training")
    PLATFORM = "platform", _("platform import")
    DECLARATION = "declaration", _("approved declaration")
    QUALITY_COURSE = "quality_course", _("quality online course teaching")
    DIGITAL_ENGINEER = "digital_engineer", _("digital engineer training")
    BASE_TRAINING = "base_training", _("base training")
    CORRECTION = "correction", _("correction")


class YearRule(models.Model):
    """Minimum hours of a continuing-education year (the calendar year)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    public_min = models.DecimalField(_("minimum public-subject hours"), **HOURS_FIELD)
    professional_min = models.DecimalField(_("minimum professional-subject hours"), **HOURS_FIELD)

    class Meta:
        verbose_name = _("yearly rule")
        verbose_name_plural = _("yearly rules")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(public_min__gte=0, professional_min__gte=0),
                name="yearrule_minimums_not_negative",
            )
        ]

    def __str__(self):
        return f"{self.year}：{self.public_min} + {self.professional_min}"


class ReviewPeriodRule(models.Model):
    """How many years before a title application are checked (RULES.md, title evaluation)."""

    title_level = models.CharField(
        _("level applied for"), max_length=20, choices=TitleLevel.choices, unique=True
    )
    max_years = models.PositiveSmallIntegerField(_("at most this many years"))

    class Meta:
        verbose_name = _("review period rule")
        verbose_name_plural = _("review period rules")

    def __str__(self):
        return f"{self.get_title_level_display()}：{self.max_years}"


class CreditEntry(models.Model):
    """One credited (or reversed) amount of hours. Append-only: a database trigger
    rejects UPDATE and DELETE; a correction is a new entry that `reverses` another."""

    # Indexes are few on purpose: every one costs on each insert. (person, year)
    # serves the person's lookups; recorded_by / recorded_unit are read per person.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credit_entries",
        verbose_name=_("person"),
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    hours = models.DecimalField(_("hours"), **HOURS_FIELD)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=200)
    description = models.CharField(_("content"), max_length=200, blank=True)
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        db_index=False,
    )
    recorded_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by unit"),
        db_index=False,
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # A ForeignKey with a partial unique constraint rather than a OneToOneField:
    # the same "reversed at most once", with an index holding only the reversals.
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
        db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["person", "year"], name="credit_person_year")]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"], name="credit_unique_source"),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="credit_reversed_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(reverses__isnull=True, hours__gt=0)
                    | Q(reverses__isnull=False, hours__lt=0, source=Source.CORRECTION)
                ),
                name="credit_hours_sign",
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | ~Q(reason=""),
                name="credit_reversal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.person_id} {self.year} {self.category} {self.hours}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def reversal(self) -> "CreditEntry | None":
        """The entry that reverses this one, if any (prefetch `reversals` for lists)."""
        reversals = self.reversals.all()
        return reversals[0] if reversals else None


class PersonYearTotal(models.Model):
    """Per person and year, the sum of the ledger; written in the same transaction as
    every entry, checked against the ledger by `manage.py verify_ledger`.

    `version` counts the writes to the person-year: every statement that changes the
    totals (credits.services) adds 1 to it in the same UPDATE, so it changes with
    every ledger entry of the person-year and with nothing else. The cached 我的学时
    is keyed on it (credits.hours_cache)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="year_totals"
    )
    year = models.PositiveSmallIntegerField()
    public_hours = models.DecimalField(default=Decimal(0), **HOURS_FIELD)
    professional_hours = models.DecimalField(default=Decimal(0), **HOURS_FIELD)
    version = models.IntegerField(_("version"), db_default=1, editable=False)

    class Meta:
        verbose_name = _("person's year total")
        verbose_name_plural = _("people's year totals")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="total_unique_person_year")
        ]
        indexes = [models.Index(fields=["year", "person"], name="total_year_person")]

    def __str__(self):
        return f"{self.person_id} {self.year}: {self.public_hours} + {self.professional_hours}"


class ActivityKind(models.Model):
    """A row of the conversion table: how a declared activity turns into hours."""

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("activity"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    unit_label = models.CharField(_("counted per"), max_length=20)
    hours_per_unit = models.DecimalField(_("hours per unit"), **HOURS_FIELD)
    bonus_label = models.CharField(_("bonus for"), max_length=50, blank=True)
    bonus_hours = models.DecimalField(_("bonus hours"), default=Decimal(0), **HOURS_FIELD)
    cap_per_year = models.DecimalField(
        _("cap per year"), null=True, blank=True, help_text=_("Empty: no cap."), **HOURS_FIELD
    )
    evidence_required = models.BooleanField(_("evidence required"), default=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("activity kind")
        verbose_name_plural = _("activity kinds (conversion table)")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    def suggested_hours(self, quantity: Decimal, with_bonus: bool = False) -> Decimal:
        hours = self.hours_per_unit * quantity + (self.bonus_hours if with_bonus else 0)
        return hours.quantize(Decimal("0.1"))


class SecondReviewSetting(models.Model):
    """Whether an authority reviews declarations again after the unit (RULES.md, Reviews)."""

    authority = models.OneToOneField(
        Authority,
        on_delete=models.CASCADE,
        related_name="review_setting",
        verbose_name=_("industry authority"),
    )
    requires_second_review = models.BooleanField(_("requires a second review"), default=False)

    class Meta:
        verbose_name = _("second review setting")
        verbose_name_plural = _("second review settings")

    def __str__(self):
        return str(self.authority)


class DeclarationQuerySet(models.QuerySet):
    def with_review_facts(self) -> "DeclarationQuerySet":
        """Annotate what the status shown to users depends on (Declaration.status_label):

        - `unit_can_review`: the unit has an active HR administrator other than the
          declarant. If not, no HR officer of the unit can review it (every
          declaration of a unit without HR, a sole HR officer's own) and its unit
          review goes up to the HR bureau above the unit
          (portal.scoping.units_overseen_by).
        - `is_reversed`: the credit its approval posted has a reversal in the ledger.
        """
        other_hr = Membership.objects.filter(
            role=Role.UNIT_HR, unit_id=OuterRef("unit_id"), user__is_active=True
        ).exclude(user_id=OuterRef("person_id"))
        reversal = CreditEntry.objects.filter(reverses_id=OuterRef("credit_id"))
        return self.annotate(unit_can_review=Exists(other_hr), is_reversed=Exists(reversal))


class Declaration(models.Model):
    """An activity a professional declares for hours, and its review."""

    class Status(models.TextChoices):
        UNIT_REVIEW = "unit_review", _("awaiting unit review")
        AUTHORITY_REVIEW = "authority_review", _("awaiting authority review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("unit"))
    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, verbose_name=_("activity"))
    occurred_on = models.DateField(_("date of the activity"))
    quantity = models.DecimalField(_("quantity"), **HOURS_FIELD)
    with_bonus = models.BooleanField(_("bonus applies"), default=False)
    description = models.TextField(_("description"), max_length=2000)
    claimed_hours = models.DecimalField(_("hours suggested"), **HOURS_FIELD)
    approved_hours = models.DecimalField(_("hours approved"), null=True, blank=True, **HOURS_FIELD)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNIT_REVIEW
    )
    needs_second_review = models.BooleanField(_("needs authority review"), default=False)
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    credit = models.OneToOneField(
        CreditEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="declaration"
    )

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.person} · {self.kind} · {self.occurred_on}"

    @property
    def year(self) -> int:
        return self.occurred_on.year

    # Lists and detail pages read these from Declaration.objects.with_review_facts()
    # (the annotations take the place of the cached properties); a declaration got
    # some other way asks the database once.

    @cached_property
    def unit_can_review(self) -> bool:
        return self._review_facts()["unit_can_review"]

    @cached_property
    def is_reversed(self) -> bool:
        return self._review_facts()["is_reversed"]

    def _review_facts(self) -> dict:
        facts = Declaration.objects.with_review_facts().filter(pk=self.pk)
        return facts.values("unit_can_review", "is_reversed").get()

    @property
    def goes_to_hr_bureau(self) -> bool:
        """Waiting for a unit review nobody in the unit may give: the HR bureau of the
        unit's city (provincial HR for province-direct units) reviews it instead."""
        return self.status == self.Status.UNIT_REVIEW and not self.unit_can_review

    @property
    def status_label(self) -> str:
        """The status as every page shows it. An approval whose credit was reversed in
        the ledger reads 已冲销; a unit review gone up to the HR bureau says so."""
        if self.status == self.Status.APPROVED and self.is_reversed:
            return pgettext_lazy("declaration status", "reversed")
        if self.goes_to_hr_bureau:
            return pgettext_lazy("declaration status", "awaiting HR bureau review")
        return self.get_status_display()

    @property
    def status_tone(self) -> str:
        """The badge colour of status_label."""
        if self.status == self.Status.APPROVED:
            return "secondary" if self.is_reversed else "success"
        return "danger" if self.status == self.Status.REJECTED else "warning"

    @property
    def awaited_reviewer(self) -> str:
        """Who decides next, in words ("由本单位人事管理员审核"); empty once decided."""
        if self.status == self.Status.AUTHORITY_REVIEW:
            name = self.unit.authority.name if self.unit.authority_id else ""
            return _("Reviewed again by %(authority)s") % {"authority": name}
        if self.status != self.Status.UNIT_REVIEW:
            return ""
        if self.unit_can_review:
            return _("Reviewed by the unit's HR administrator")
        if self.unit.is_province_direct:
            return _("Reviewed by the provincial HR department")
        return _("Reviewed by the HR bureau of %(city)s") % {"city": self.unit.city.name}


class Evidence(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name


class Review(models.Model):
    """One decision on a declaration: who, when, what and why. Kept for good."""

    class Level(models.TextChoices):
        UNIT = "unit", _("unit review")
        # The unit review of a declaration no HR officer of the unit can review (of a
        # unit without HR, a sole HR officer's own), given by the city HR bureau or
        # provincial HR instead.
        HR_BUREAU = "hr_bureau", _("HR bureau review")
        AUTHORITY = "authority", _("authority review")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("approve")
        REJECT = "reject", _("reject")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="reviews")
    # "level" alone is the digital-engineer training level (等级); here it is who reviews.
    level = models.CharField(pgettext_lazy("review", "level"), max_length=20, choices=Level.choices)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    hours = models.DecimalField(_("hours"), null=True, blank=True, **HOURS_FIELD)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("reviewer")
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["decided_at", "id"]

    def __str__(self):
        return f"{self.get_level_display()} {self.get_decision_display()}"


class OfflineUpload(models.Model):
    """An accepted offline-hours workbook: previewed, then confirmed by unit HR.

    Only files without a single bad row get here; the parsed rows wait in `rows`
    until confirmation posts them (source_ref "offline:<unit>:<row key>")."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("unit"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("uploaded by")
    )
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.JSONField(default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PREVIEW
    )
    posted = models.PositiveIntegerField(_("entries credited"), default=0)
    duplicates = models.PositiveIntegerField(_("rows credited before"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("offline hours upload")
        verbose_name_plural = _("offline hours uploads")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name


class OfflineParseJob(Job):
    """A large offline-hours file being read on a worker (credits/offline_jobs.py).

    `done` counts the rows read so far (`total` stays 0: the row count is known only
    at the end). It ends with `upload` set (the preview), with row messages in
    `problems` (the file was refused, nothing written), or failed with `error`. The
    file is deleted once the job has ended."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("unit"))
    file = models.FileField(storage=private_storage, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    upload = models.OneToOneField(
        OfflineUpload,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parse_job",
        verbose_name=_("offline hours upload"),
    )
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("offline hours file check")
        verbose_name_plural = _("offline hours file checks")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name


class ReportJob(Job):
    """A compliance report for a unit, an authority, a city or the whole province."""

    class Scope(models.TextChoices):
        UNIT = "unit", _("unit")
        AUTHORITY = "authority", _("industry authority")
        CITY = "city", _("city")
        PROVINCE = "province", _("the whole province")

    # Scheduled reports have no requester.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("requested by"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, null=True, blank=True)
    city = models.ForeignKey("portal.City", on_delete=models.PROTECT, null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # Whether the requester may see ID numbers in full (RULES.md); else masked.
    full_ids = models.BooleanField(default=True)
    xlsx = models.FileField(storage=private_storage, blank=True)
    pdf = models.FileField(storage=private_storage, blank=True)
    expires_at = models.DateTimeField(_("files kept until"), null=True, blank=True)
    expired = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("compliance report")
        verbose_name_plural = _("compliance reports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.year} {self.scope_label}"

    @property
    def scope_label(self) -> str:
        target = self.unit or self.authority or self.city
        return str(target) if target else str(self.Scope.PROVINCE.label)
