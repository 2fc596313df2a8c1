"""The course catalog and online study: topics, courses with their lessons and quiz,
enrolments, progress and the study clock (the models of learning.catalog)."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from credits.models import Category, CreditEntry


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
    # whole seconds (learning.catalog.services).
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
    embedded mode; with Redis the clock lives there (learning.catalog.study_clock).

    A beat moves `lesson` and `last_beat_at` into `previous_lesson` and
    `previous_beat_at` in the same UPDATE that sets the new ones, so that the beat
    learns what it may credit from the row it locked (learning.catalog.services); a beat older
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
