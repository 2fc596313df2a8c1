"""Learning: the public-subject online platforms and the hours they send.

(The course catalog and study tracking of issue 4 will live here too.)
"""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from credits.models import Category, CreditEntry
from portal.models import Job
from portal.storage import private_storage


class Platform(models.Model):
    """One of the public-subject online platforms (山东开放大学, 蟹壳云学, 专技知到)."""

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=50)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["code"]

    def __str__(self):
        return self.name


class PlatformKey(models.Model):
    """An API key of a platform. The secret is shown once, when created; HMAC needs it
    on the server, so it is stored, but never shown, logged or put in the admin."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(_("key id"), max_length=32, unique=True)
    secret = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform API key")
        verbose_name_plural = _("platform API keys")

    def __str__(self):
        return self.key_id

    @classmethod
    def new_for(cls, platform) -> tuple["PlatformKey", str]:
        """Create a key; return it with its secret, which is not retrievable later."""
        secret = secrets.token_hex(32)
        key = cls.objects.create(
            platform=platform, key_id=f"{platform.code}-{secrets.token_hex(6)}", secret=secret
        )
        return key, secret


class ReceivedBatch(models.Model):
    """A push or an imported file, as it arrived."""

    class Channel(models.TextChoices):
        API = "api", _("push API")
        FILE = "file", _("file import")

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="batches")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    key = models.ForeignKey(PlatformKey, on_delete=models.PROTECT, null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    record_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("received batch")
        verbose_name_plural = _("received batches")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.platform} {self.received_at:%Y-%m-%d %H:%M}"


class PlatformRecord(models.Model):
    """One completion record, stored whatever became of it; nothing is dropped."""

    class Outcome(models.TextChoices):
        CREDITED = "credited", _("credited")
        DUPLICATE = "duplicate", _("duplicate")
        REJECTED = "rejected", _("rejected")

    batch = models.ForeignKey(ReceivedBatch, on_delete=models.PROTECT, related_name="records")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="records")
    raw = models.JSONField(_("record as received"))
    external_id = models.CharField(_("external id"), max_length=100, db_index=True)
    id_number = models.CharField(_("ID card number"), max_length=30, blank=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    course_title = models.CharField(_("course"), max_length=200, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    credit = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, null=True, blank=True)
    resolved = models.BooleanField(
        _("resolved"),
        default=False,
        help_text=_("Rejected on arrival, processed successfully later."),
    )

    class Meta:
        verbose_name = _("platform record")
        verbose_name_plural = _("platform records")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["platform", "year", "outcome"], name="platform_record_recon")
        ]

    def __str__(self):
        return f"{self.platform_id}:{self.external_id}"

    @property
    def source_ref(self) -> str:
        return ledger_ref(self.platform.code, self.external_id)


def ledger_ref(platform_code: str, external_id: str) -> str:
    return f"{platform_code}:{external_id}"


class ImportJob(Job):
    """A platform's export file, processed on a worker through the push path."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT)
    file = models.FileField(storage=private_storage)
    file_name = models.CharField(max_length=200)
    confirmed = models.BooleanField(default=False)
    preview = models.JSONField(default=dict, blank=True)
    credited = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("platform file import")
        verbose_name_plural = _("platform file imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# -- the catalog and online study (issue 4) ----------------------------------------


class Topic(models.Model):
    """A public-subject topic of a year: a required special topic or an optional direction."""

    class Kind(models.TextChoices):
        REQUIRED = "required", _("required special topic")
        OPTIONAL = "optional", _("optional direction")

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-year", "kind", "order"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="topic_unique_year_name")
        ]

    def __str__(self):
        return self.name


class Course(models.Model):
    class Channel(models.TextChoices):
        PORTAL = "portal", _("this portal")
        SDOU = "sdou", _("Shandong Open University")
        XIEKEYUN = "xiekeyun", _("Xiekeyun")
        ZJZD = "zjzd", _("Zhuanji Zhidao")
        OFFLINE = "offline", _("offline")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    teacher_name = models.CharField(_("teacher"), max_length=50)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="courses_taught",
        verbose_name=_("teacher's account"),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("topic")
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    channel = models.CharField(
        _("platform"), max_length=20, choices=Channel.choices, default=Channel.PORTAL
    )
    first_year = models.PositiveSmallIntegerField(_("offered from"))
    last_year = models.PositiveSmallIntegerField(_("offered until"))
    authority = models.ForeignKey(
        "portal.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("listed by authority"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("quiz pass mark (%)"), default=60, validators=[MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="course_hours_positive"),
            models.CheckConstraint(
                condition=models.Q(first_year__lte=models.F("last_year")),
                name="course_years_in_order",
            ),
        ]

    def __str__(self):
        return self.title


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    video = models.FileField(_("video"), upload_to="lessons/", blank=True)
    minutes = models.PositiveIntegerField(_("length in minutes"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["course_id", "order", "id"]

    def __str__(self):
        return self.title

    @property
    def seconds(self) -> int:
        # STUDY_SECONDS_PER_MINUTE is 60; browser tests shorten lessons with it.
        return self.minutes * settings.STUDY_SECONDS_PER_MINUTE


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SINGLE)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["course_id", "order", "id"]

    def __str__(self):
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=300)
    correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")
        ordering = ["question_id", "id"]

    def __str__(self):
        return self.text


class Enrolment(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    credit = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["person", "course"], name="enrolment_once")]

    def __str__(self):
        return f"{self.person_id} {self.course_id}"


class LessonProgress(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE)
    # Time studied, to the millisecond: a beat's elapsed time is never rounded to
    # whole seconds (learning.study).
    seconds = models.DecimalField(max_digits=10, decimal_places=3, default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress records")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="progress_once")
        ]

    def __str__(self):
        return f"{self.lesson_id}: {self.seconds}s"


class StudyClock(models.Model):
    """What a person studies now and when the server last heard of it: one row per
    person, so only one lesson at a time earns time. The database clock of the
    embedded mode; with Redis the clock lives there (learning.study_clock).

    A beat moves `lesson` and `last_beat_at` into `previous_lesson` and
    `previous_beat_at` in the same UPDATE that sets the new ones, so that the beat
    learns what it may credit from the row it locked (learning.study); a beat older
    than `last_beat_at` leaves `lesson` and `last_beat_at` as they are."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, null=True)
    last_beat_at = models.DateTimeField(null=True)
    # The id of the lesson of the beat before the last (no foreign key: no index to
    # update on every beat, and a deleted lesson only means nothing is credited).
    previous_lesson = models.BigIntegerField(null=True)
    previous_beat_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("study clock")
        verbose_name_plural = _("study clocks")

    def __str__(self):
        return f"{self.person_id} @ {self.lesson_id}"


class QuizAttempt(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    score = models.PositiveSmallIntegerField(_("score"))
    passed = models.BooleanField(_("passed"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.enrolment_id}: {self.score}"


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


# -- professional-subject plans and filings (issue 6) --------------------------------

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
