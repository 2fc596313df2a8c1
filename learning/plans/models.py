"""Professional-subject plans and their versions, filings with the provincial HR
department, deadlines and reminders (the models of learning.plans)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learning.catalog.models import Course
from portal.storage import private_storage

PLAN_SECTIONS = [
    ("guiding", _("Guiding principles and learning objectives")),
    ("audience", _("Who it is for")),
    ("forms", _("Forms of study")),
    ("channels", _("Channels and platforms")),
    ("recognition", _("How hours are recognised")),
    ("organisation", _("Organisation and implementation")),
    ("contacts", _("Contacts")),
]


class ProfessionalPlan(models.Model):
    """An authority's yearly professional-subject plan (attachment 1 of the notice)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    authority = models.ForeignKey(
        "portal.Authority", on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    guiding = models.TextField(_("Guiding principles and learning objectives"), blank=True)
    audience = models.TextField(_("Who it is for"), blank=True)
    forms = models.TextField(_("Forms of study"), blank=True)
    channels = models.TextField(_("Channels and platforms"), blank=True)
    recognition = models.TextField(_("How hours are recognised"), blank=True)
    organisation = models.TextField(_("Organisation and implementation"), blank=True)
    contacts = models.TextField(_("Contacts"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("professional-subject plan")
        verbose_name_plural = _("professional-subject plans")
        ordering = ["-year", "authority__name"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "year"], name="plan_once_a_year")
        ]

    def __str__(self):
        return self.title

    @property
    def total_hours(self):
        return sum((item.hours for item in self.items.all()), start=0)


class PlanItem(models.Model):
    class Mode(models.TextChoices):
        ONLINE = "online", _("online")
        OFFLINE = "offline", _("offline")

    plan = models.ForeignKey(ProfessionalPlan, on_delete=models.CASCADE, related_name="items")
    topic = models.CharField(_("topic or course"), max_length=200)
    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("course")
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    mode = models.CharField(_("form"), max_length=10, choices=Mode.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan_id", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="plan_item_hours")
        ]

    def __str__(self):
        return self.topic


class PlanVersion(models.Model):
    """Each publication of a plan, kept as it was published."""

    plan = models.ForeignKey(ProfessionalPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    published_at = models.DateTimeField()
    snapshot = models.JSONField()

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once")]

    def __str__(self):
        return f"{self.plan_id} v{self.number}"


class FilingDeadline(models.Model):
    """The filing deadline of a year (the notice: end of April), editable per year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    due_on = models.DateField(_("due on"))

    class Meta:
        verbose_name = _("filing deadline")
        verbose_name_plural = _("filing deadlines")

    def __str__(self):
        return f"{self.year}: {self.due_on}"


class Filing(models.Model):
    """A plan of an authority, or a city HR bureau's yearly notice, filed with the
    provincial HR department as Word and PDF. Filing again for the same year (a
    changed plan) adds the next version; every version is kept with its date."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("professional-subject plan")
        NOTICE = "notice", _("municipal continuing-education notice")

    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    authority = models.ForeignKey(
        "portal.Authority", on_delete=models.PROTECT, null=True, blank=True
    )
    city = models.ForeignKey("portal.City", on_delete=models.PROTECT, null=True, blank=True)
    word = models.FileField(storage=private_storage)
    pdf = models.FileField(storage=private_storage)
    filed_at = models.DateTimeField(_("filed at"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    # The published plan version this filing was made from (None for uploaded files).
    plan_version = models.ForeignKey(
        PlanVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="filings",
        verbose_name=_("plan version"),
    )

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "authority", "version"],
                condition=models.Q(authority__isnull=False),
                name="filing_version_once_per_authority",
            ),
            models.UniqueConstraint(
                fields=["year", "city", "version"],
                condition=models.Q(city__isnull=False),
                name="filing_version_once_per_city",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="filing_version_positive"
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.authority or self.city} v{self.version}"


class FilingReminder(models.Model):
    """One reminder a day at most per filer (an authority or a city)."""

    year = models.PositiveSmallIntegerField()
    authority = models.ForeignKey(
        "portal.Authority", on_delete=models.CASCADE, null=True, blank=True
    )
    city = models.ForeignKey("portal.City", on_delete=models.CASCADE, null=True, blank=True)
    sent_on = models.DateField()

    class Meta:
        verbose_name = _("filing reminder")
        verbose_name_plural = _("filing reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "sent_on"],
                condition=models.Q(authority__isnull=False),
                name="reminder_once_a_day_authority",
            ),
            models.UniqueConstraint(
                fields=["city", "sent_on"],
                condition=models.Q(city__isnull=False),
                name="reminder_once_a_day_city",
            ),
        ]

    def __str__(self):
        return f"{self.authority or self.city} {self.sent_on}"
