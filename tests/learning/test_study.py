"""Online study: server-measured time, one lesson at a time, the quiz, completion once."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from credits.models import CreditEntry
from credits.selectors import year_status
from learning.catalog.services import (
    StudyError,
    course_complete,
    enrol,
    heartbeat,
    quiz_submit,
)
from learning.models import (
    Choice,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    StudyClock,
)
from tests.factories import UnitFactory, make_professional

YEAR = timezone.localdate().year


def make_course(status=Course.Status.PUBLISHED, lessons=2, minutes=1, **fields):
    course = Course.objects.create(
        title=fields.pop("title", "黄河流域生态保护"),
        teacher_name="张教授",
        category=fields.pop("category", "public"),
        hours=Decimal(fields.pop("hours", "3")),
        first_year=YEAR - 1,
        last_year=YEAR,
        status=status,
        **fields,
    )
    for order in range(lessons):
        Lesson.objects.create(course=course, title=f"第{order + 1}讲", minutes=minutes, order=order)
    question = Question.objects.create(course=course, text="属于哪类科目？")
    Choice.objects.create(question=question, text="公需科目", correct=True)
    Choice.objects.create(question=question, text="专业科目")
    return course


def beat_after(person, lesson, seconds_ago):
    """A heartbeat as if the previous one for this lesson came `seconds_ago` ago."""
    StudyClock.objects.update_or_create(
        person=person,
        defaults={
            "lesson": lesson,
            "last_beat_at": timezone.now() - timedelta(seconds=seconds_ago),
        },
    )
    return heartbeat(person=person, lesson=lesson)


def finish_lessons(enrolment):
    for lesson in enrolment.course.lessons.all():
        LessonProgress.objects.update_or_create(
            enrolment=enrolment,
            lesson=lesson,
            defaults={"seconds": lesson.seconds, "done_at": timezone.now()},
        )


def right_answers(course):
    return {q.pk: {c.pk for c in q.choices.all() if c.correct} for q in course.questions.all()}


@pytest.mark.django_db
class TestHeartbeats:
    """The database clock (the Redis one: test_study_clock.py)."""

    @pytest.fixture(autouse=True)
    def database_clock(self, settings):
        settings.REDIS_URL = ""

    def test_first_beat_credits_nothing(self, alice):
        course = make_course()
        enrol(person=alice, course=course)
        progress = heartbeat(person=alice, lesson=course.lessons.first())
        assert progress.seconds == 0

    def test_a_beat_credits_the_time_since_the_last(self, alice):
        course = make_course(minutes=5)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        progress = beat_after(alice, lesson, 25)
        assert 25 <= progress.seconds <= 27

    def test_a_long_silence_credits_nothing(self, alice):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        progress = beat_after(alice, course.lessons.first(), 15 * 60)
        assert progress.seconds == 0

    def test_rapid_beats_never_credit_more_than_the_clock(self, alice):
        course = make_course(minutes=5)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        started = time.monotonic()
        for _ in range(50):
            progress = heartbeat(person=alice, lesson=lesson)
        assert progress.seconds <= time.monotonic() - started + 1

    def test_two_lessons_at_once_earn_nothing(self, alice):
        course = make_course(minutes=5)
        enrol(person=alice, course=course)
        first, second = course.lessons.all()
        heartbeat(person=alice, lesson=first)
        for _ in range(3):
            StudyClock.objects.filter(person=alice).update(
                last_beat_at=timezone.now() - timedelta(seconds=25)
            )
            heartbeat(person=alice, lesson=second)
            StudyClock.objects.filter(person=alice).update(
                last_beat_at=timezone.now() - timedelta(seconds=25)
            )
            heartbeat(person=alice, lesson=first)
        assert not LessonProgress.objects.filter(seconds__gt=0).exists()

    def test_a_lesson_is_done_when_its_time_is_reached(self, alice):
        course = make_course(minutes=1)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        beat_after(alice, lesson, 40)
        progress = beat_after(alice, lesson, 40)
        assert progress.seconds == 60
        assert progress.done_at is not None

    def test_beats_for_a_course_not_enrolled_or_not_published_are_refused(self, client, alice):
        course = make_course()
        client.force_login(alice)
        url = reverse("learning:heartbeat", kwargs={"pk": course.lessons.first().pk})
        assert client.post(url).status_code == 409
        enrol(person=alice, course=course)
        Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
        response = client.post(url)
        assert response.status_code == 409
        assert "未开放" in response.json()["error"]
        assert not LessonProgress.objects.exists()


@pytest.mark.django_db
class TestQuizAndCompletion:
    def test_quiz_waits_for_the_lessons(self, client, alice):
        course = make_course()
        enrolment = enrol(person=alice, course=course)
        with pytest.raises(StudyError, match="学完全部"):
            quiz_submit(enrolment=enrolment, answers=right_answers(course))
        client.force_login(alice)
        response = client.get(reverse("learning:quiz", kwargs={"pk": course.pk}))
        assert response.status_code == 302
        assert not QuizAttempt.objects.exists()

    def test_passing_posts_the_hours_and_my_hours_shows_them(self, client, alice):
        course = make_course(hours="3")
        enrolment = enrol(person=alice, course=course)
        finish_lessons(enrolment)
        client.force_login(alice)
        data = {f"q{q}": list(c) for q, c in right_answers(course).items()}
        response = client.post(
            reverse("learning:quiz", kwargs={"pk": course.pk}), data, follow=True
        )
        assert "测验通过（100分），已计入 3.0 学时" in response.content.decode()
        assert year_status(alice, YEAR).public == Decimal(3)
        entry = CreditEntry.objects.get()
        assert entry.source_ref == f"enrolment:{enrolment.pk}"

    def test_failing_credits_nothing(self, alice):
        course = make_course()
        enrolment = enrol(person=alice, course=course)
        finish_lessons(enrolment)
        wrong = {
            q.pk: {c.pk for c in q.choices.all() if not c.correct} for q in course.questions.all()
        }
        attempt = quiz_submit(enrolment=enrolment, answers=wrong)
        assert not attempt.passed
        assert not CreditEntry.objects.exists()

    def test_an_answer_to_another_quiz_is_refused(self, alice):
        course, other = make_course(), make_course(title="另一门课")
        enrolment = enrol(person=alice, course=course)
        finish_lessons(enrolment)
        with pytest.raises(StudyError, match="其他测验"):
            quiz_submit(enrolment=enrolment, answers=right_answers(other))
        assert not QuizAttempt.objects.exists()

    def test_completing_twice_posts_once(self, alice):
        course = make_course()
        enrolment = enrol(person=alice, course=course)
        course_complete(enrolment)
        course_complete(enrolment)
        assert CreditEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_quiz_submissions_complete_once():
    person = make_professional(UnitFactory())
    course = make_course(hours="4")
    enrolment = enrol(person=person, course=course)
    finish_lessons(enrolment)
    answers = right_answers(course)
    barrier = threading.Barrier(3)

    def submit():
        try:
            barrier.wait(timeout=10)
            quiz_submit(enrolment=Enrolment.objects.get(pk=enrolment.pk), answers=answers)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert CreditEntry.objects.count() == 1
    assert year_status(person, YEAR).public == Decimal(4)
    assert QuizAttempt.objects.filter(passed=True).count() == 3


@pytest.mark.django_db
class TestCatalog:
    def test_unpublished_courses_are_invisible(self, client, alice):
        draft = make_course(status=Course.Status.DRAFT, title="草稿课程")
        published = make_course(title="正式课程")
        page = client.get(reverse("learning:catalog")).content.decode()
        assert "正式课程" in page and "草稿课程" not in page
        assert client.get(reverse("learning:course", kwargs={"pk": draft.pk})).status_code == 404
        client.force_login(alice)
        lesson = draft.lessons.first()
        assert client.get(reverse("learning:lesson", kwargs={"pk": lesson.pk})).status_code == 404
        assert client.post(reverse("learning:enrol", kwargs={"pk": draft.pk})).status_code == 404
        assert (
            client.get(reverse("learning:course", kwargs={"pk": published.pk})).status_code == 200
        )

    def test_filters_and_search(self, client):
        make_course(title="网络安全基础")
        make_course(title="新技术专题", category="professional")
        page = client.get(reverse("learning:catalog"), {"q": "安全"}).context["page"]
        assert [c.title for c in page] == ["网络安全基础"]
        page = client.get(reverse("learning:catalog"), {"category": "professional"}).context["page"]
        assert [c.title for c in page] == ["新技术专题"]

    def test_catalog_of_500_courses_uses_few_queries(self, client, django_assert_max_num_queries):
        Course.objects.bulk_create(
            Course(
                title=f"课程{i:03d}",
                teacher_name="教师",
                category="public",
                hours=Decimal(2),
                first_year=YEAR,
                last_year=YEAR,
                status=Course.Status.PUBLISHED,
            )
            for i in range(500)
        )
        with django_assert_max_num_queries(4):
            response = client.get(reverse("learning:catalog"), {"year": YEAR})
        assert response.context["page"].paginator.count == 500

    def test_lesson_page_uses_few_queries(self, client, alice, django_assert_max_num_queries):
        course = make_course(lessons=12)
        enrol(person=alice, course=course)
        client.force_login(alice)
        lesson = course.lessons.all()[5]
        with django_assert_max_num_queries(8):
            response = client.get(reverse("learning:lesson", kwargs={"pk": lesson.pk}))
        assert response.status_code == 200

    def test_my_courses_shows_progress_and_finished(self, client, alice):
        course = make_course(title="学习中的课")
        done = make_course(title="学完的课")
        enrol(person=alice, course=course)
        course_complete(enrol(person=alice, course=done))
        client.force_login(alice)
        page = client.get(reverse("learning:my_courses")).content.decode()
        assert "学习中的课" in page and "0 / 2" in page
        assert "学完的课" in page


@pytest.mark.django_db
class TestGapPlanner:
    def test_suggestion_closes_the_gap_with_the_fewest_courses(self, client, alice):
        from credits.services import credit_post

        credit_post(
            person=alice,
            year=YEAR,
            category="public",
            hours=Decimal(21),
            source="course",
            source_ref="gap-1",
        )
        for title, hours in (("一学时", "1"), ("四学时", "4"), ("六学时", "6"), ("三学时", "3")):
            make_course(title=title, hours=hours)
        client.force_login(alice)
        page = client.get(reverse("learning:suggestions"), {"year": YEAR})
        plans = {plan.label: (plan.gap, plan.courses) for plan in page.context["plans"]}
        gap, courses = plans["公需科目"]
        assert gap == Decimal(9)
        assert [c.title for c in courses] == ["六学时", "四学时"]
        assert sum(c.hours for c in courses) >= gap
        assert "六学时" in page.content.decode()

    def test_my_hours_asks_for_suggestions_only_when_short(self, client, alice):
        client.force_login(alice)
        page = client.get(reverse("credits:my_hours"), {"year": YEAR}).content.decode()
        assert reverse("learning:suggestions") in page


@pytest.mark.django_db
def test_a_pass_in_a_year_without_rule_is_refused_cleanly(alice):
    from credits.models import YearRule

    course = make_course()
    enrolment = enrol(person=alice, course=course)
    finish_lessons(enrolment)
    YearRule.objects.filter(year=YEAR).delete()
    with pytest.raises(StudyError, match=str(YEAR)):
        quiz_submit(enrolment=enrolment, answers=right_answers(course))
    assert not QuizAttempt.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
