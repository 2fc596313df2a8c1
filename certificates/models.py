"""Annual continuing-education e-certificates (继续教育电子证书)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Authority, City, Job, Unit
from portal.storage import private_storage


def new_verification_code() -> str:
    """128 random bits, URL-safe; unrelated to the serial number."""
    return secrets.token_urlsafe(16)


class SerialCounter(models.Model):
    """The last serial number handed out per year. Incremented inside the issuing
    transaction, so a rolled-back issue gives its number back: no gaps, no repeats."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("certificate serial counter")
        verbose_name_plural = _("certificate serial counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class RevocationCategory(models.TextChoices):
    """Why a certificate was revoked, as the public reads it on its verification page
    and in the check of its file; the reason itself is free text for the issuer's
    records. The grounds: its details were corrected and a new certificate issued
    under a new number (RULES.md, Certificates), its hours were reduced on review so
    that it no longer holds (学时核减), its records were falsified (弄虚作假), or
    anything else. Annual and training certificates (digital_engineer) share them."""

    CORRECTED = "corrected", _("information corrected, reissued")
    HOURS_REDUCED = "hours_reduced", _("hours reduced on review")
    FALSIFIED = "falsified", _("falsified records")
    OTHER = "other", _("other")


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("valid")
        REVOKED = "revoked", _("revoked")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("person"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.CharField(_("certificate number"), max_length=20, unique=True)
    verification_code = models.CharField(
        max_length=32, unique=True, default=new_verification_code, editable=False
    )
    # What the certificate says, fixed at issuance.
    real_name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID card number"), max_length=18)
    unit_name = models.CharField(_("unit"), max_length=100)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    public_hours = models.DecimalField(_("public-subject hours"), max_digits=6, decimal_places=1)
    professional_hours = models.DecimalField(
        _("professional-subject hours"), max_digits=6, decimal_places=1
    )
    total_hours = models.DecimalField(_("total hours"), max_digits=6, decimal_places=1)
    issuer_name = models.CharField(_("issued by"), max_length=100)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.VALID
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)
    # Set with revoked_at; "" while valid.
    revocation_category = models.CharField(
        _("revocation category"), max_length=20, choices=RevocationCategory.choices, blank=True
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    pdf = models.FileField(_("PDF"), storage=private_storage, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    # The characters of its text no certificate font draws: while set, the PDF is not
    # rendered (it would show empty boxes) and provincial HR sees it flagged.
    render_blocked = models.CharField(_("characters no font draws"), max_length=50, blank=True)
    batch = models.ForeignKey(
        "IssuanceBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-year", "serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"],
                condition=Q(status="valid"),
                name="certificate_one_valid_per_person_year",
            )
        ]
        indexes = [models.Index(fields=["unit", "year"], name="certificate_unit_year")]

    def __str__(self):
        return self.serial

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID


class IssuanceBatch(Job):
    """Issue the certificates of everybody eligible in a unit, a city or the province,
    for one year or for every year of a range (`year` to `end_year`)."""

    year = models.PositiveSmallIntegerField(_("year"))
    # The last year of a range; null for a batch of the one year `year`.
    end_year = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, blank=True)
    skipped = models.PositiveIntegerField(_("already held one"), default=0)

    class Meta:
        verbose_name = _("issuance batch")
        verbose_name_plural = _("issuance batches")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.years_label} {self.scope_label}"

    @property
    def scope_label(self) -> str:
        return str(self.unit or self.city or _("the whole province"))

    @property
    def years(self) -> range:
        """The years the batch issues for, in order."""
        return range(self.year, (self.end_year or self.year) + 1)

    @property
    def years_label(self) -> str:
        """ "2023" or "2021–2023"."""
        if self.end_year and self.end_year != self.year:
            return f"{self.year}–{self.end_year}"
        return str(self.year)


class BatchFailure(models.Model):
    """A person-year the batch did not issue, and why (once per person and year)."""

    batch = models.ForeignKey(IssuanceBatch, on_delete=models.CASCADE, related_name="failures")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.CharField(max_length=300)

    class Meta:
        verbose_name = _("batch failure")
        verbose_name_plural = _("batch failures")
        ordering = ["year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "person", "year"], name="batch_failure_once_a_year"
            )
        ]

    def __str__(self):
        return self.reason


class Bundle(Job):
    """All of a unit's certificates of a year as one printable PDF."""

    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    pdf = models.FileField(storage=private_storage, blank=True)

    class Meta:
        verbose_name = _("certificate bundle")
        verbose_name_plural = _("certificate bundles")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.unit} {self.year}"


class DocumentSerialCounter(models.Model):
    """The last serial handed out per kind of document (its prefix) and year: the
    eligibility statements' SDZM…, the title-application documents' SDHD…. Like
    SerialCounter, incremented inside the issuing transaction: no gaps, no repeats."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("document serial counter")
        verbose_name_plural = _("document serial counters")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="document_serial_per_year")
        ]

    def __str__(self):
        return f"{self.prefix}{self.year}: {self.last}"


class IssuedDocument(models.Model):
    """What every document a title application carries has, beside its own content
    (the eligibility statements, the title-application documents): a verification
    code, who it is about as it states it, who issued it and when, and its signed PDF.
    `serial` stays on each model: its label differs (证明编号 / 文件编号)."""

    verification_code = models.CharField(
        max_length=32, unique=True, default=new_verification_code, editable=False
    )
    # Who it is about, as it states it.
    real_name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID card number"), max_length=18)
    unit_name = models.CharField(_("unit"), max_length=100)
    issuer_name = models.CharField(_("issued by"), max_length=100)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    pdf = models.FileField(_("PDF"), storage=private_storage, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    # As on Certificate: the characters no font draws; while set, no PDF.
    render_blocked = models.CharField(_("characters no font draws"), max_length=50, blank=True)

    class Meta:
        abstract = True
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return self.serial


class EligibilityStatement(IssuedDocument):
    """职称申报继续教育学时核验证明: whether each year of a review period met its rule,
    as the ledger stood when the statement was issued. Never changed afterwards: its
    verification page tells when a year's hours have been corrected since."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="eligibility_statements",
        verbose_name=_("person"),
    )
    start_year = models.PositiveSmallIntegerField(_("from year"))
    end_year = models.PositiveSmallIntegerField(_("to year"))
    met = models.BooleanField(_("met"))
    serial = models.CharField(_("statement number"), max_length=20, unique=True)
    # The person's achievements in title evaluation as they stood at issue
    # (credits.achievements.Achievement.as_json each, e.g. her selected quality
    # courses as 教学成果): a later selection or withdrawal never changes the statement.
    achievements = models.JSONField(_("achievements"), default=list, blank=True)

    class Meta(IssuedDocument.Meta):
        verbose_name = _("eligibility statement")
        verbose_name_plural = _("eligibility statements")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__lte=models.F("end_year")),
                name="statement_period_runs_forward",
            )
        ]


class StatementYear(models.Model):
    """One year of a statement: the hours and the rule as they were at issue."""

    statement = models.ForeignKey(
        EligibilityStatement, on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    public_hours = models.DecimalField(_("public-subject hours"), max_digits=6, decimal_places=1)
    professional_hours = models.DecimalField(
        _("professional-subject hours"), max_digits=6, decimal_places=1
    )
    # Null: the year had no rule (never met).
    public_min = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    professional_min = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    met = models.BooleanField(_("met"))

    class Meta:
        verbose_name = _("statement year")
        verbose_name_plural = _("statement years")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "year"], name="statement_year_once")
        ]

    def __str__(self):
        return f"{self.statement_id} {self.year}"


class TitleDocument(IssuedDocument):
    """One PDF for a title application (职称申报继续教育证书合订本): a summary page,
    then the holder's annual certificates of the years she chose, one page each; a
    document of its own with its serial, QR code and verification page."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="title_documents",
        verbose_name=_("person"),
    )
    certificates = models.ManyToManyField(Certificate, related_name="title_documents")
    serial = models.CharField(_("document number"), max_length=20, unique=True)

    class Meta(IssuedDocument.Meta):
        verbose_name = _("title-application document")
        verbose_name_plural = _("title-application documents")


class RegistrationCheck(models.Model):
    """An industry authority's check of the hours of people applying to register a
    professional qualification with it (职业资格登记/注册; the notice, section 一). The
    answer states, per person and year, whether the year's hours met its rule — and
    nothing else about them. A signed PDF with a verification code, and its xlsx."""

    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="registration_checks",
        verbose_name=_("industry authority"),
    )
    kind = models.CharField(_("registration kind"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    serial = models.CharField(_("check number"), max_length=20, unique=True)
    verification_code = models.CharField(
        max_length=32, unique=True, default=new_verification_code, editable=False
    )
    pdf = models.FileField(_("PDF"), storage=private_storage, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("registration check")
        verbose_name_plural = _("registration checks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind=""), name="registration_check_has_kind")
        ]

    def __str__(self):
        return self.serial


class RegistrationCheckRow(models.Model):
    """One person and year of a check: found in the province or not, and whether that
    year's public and professional hours met the year's rule."""

    check_run = models.ForeignKey(RegistrationCheck, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("line"))
    id_number = models.CharField(_("ID card number"), max_length=18)
    real_name = models.CharField(_("name"), max_length=50)
    year = models.PositiveSmallIntegerField(_("year"))
    found = models.BooleanField(_("found"))
    met = models.BooleanField(_("met"))

    class Meta:
        verbose_name = _("registration check row")
        verbose_name_plural = _("registration check rows")
        ordering = ["check_run_id", "line", "year"]

    def __str__(self):
        return f"{self.check_run_id} {self.real_name} {self.year}"
