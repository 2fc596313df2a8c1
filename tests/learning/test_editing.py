"""Course editing by provincial HR (public subjects) and department admins (their
authority's professional courses)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from learning.models import Course, Lesson, Question
from portal.models import AuditLog, Membership, Role
from tests.factories import UserFactory
from tests.learning.test_study import make_course

FORM = {
    "title": "新课程",
    "summary": "简介",
    "teacher_name": "钱老师",
    "topic": "",
    "hours": "4",
    "channel": "portal",
    "first_year": "2025",
    "last_year": "2026",
    "pass_mark": "60",
    "status": "published",
    "lessons-TOTAL_FORMS": "1",
    "lessons-INITIAL_FORMS": "0",
    "lessons-MIN_NUM_FORMS": "0",
    "lessons-MAX_NUM_FORMS": "1000",
    "lessons-0-title": "第1讲",
    "lessons-0-content": "内容",
    "lessons-0-minutes": "20",
    "lessons-0-order": "1",
}


@pytest.mark.django_db
class TestEditing:
    def test_provincial_hr_creates_a_public_course_with_lessons(self, client, province_hr):
        client.force_login(province_hr)
        response = client.post(reverse("learning:course_new"), FORM)
        course = Course.objects.get()
        assert response.url == reverse("learning:course_edit", kwargs={"pk": course.pk})
        assert (course.category, course.authority, course.hours) == ("public", None, Decimal(4))
        assert list(Lesson.objects.values_list("title", flat=True)) == ["第1讲"]

    def test_department_admin_creates_her_authoritys_professional_course(
        self, client, health_admin, health
    ):
        client.force_login(health_admin)
        client.post(reverse("learning:course_new"), FORM)
        course = Course.objects.get()
        assert (course.category, course.authority) == ("professional", health)

    def test_department_admin_cannot_edit_another_authoritys_course(
        self, client, health_admin, education
    ):
        other = make_course(category="professional", authority=education)
        public = make_course(title="公需课")
        client.force_login(health_admin)
        for course in (other, public):
            url = reverse("learning:course_edit", kwargs={"pk": course.pk})
            assert client.get(url).status_code == 404
            assert client.post(url, {**FORM, "title": "改了"}).status_code == 404
        assert not Course.objects.filter(title="改了").exists()

    def test_zero_or_text_hours_are_refused(self, client, province_hr):
        client.force_login(province_hr)
        for hours in ("0", "abc"):
            response = client.post(reverse("learning:course_new"), {**FORM, "hours": hours})
            assert response.status_code == 200
        assert (
            "学时须大于零"
            in client.post(reverse("learning:course_new"), {**FORM, "hours": "0"}).content.decode()
        )
        assert not Course.objects.exists()

    def test_questions_are_added_with_their_answers(self, client, province_hr):
        course = make_course()
        client.force_login(province_hr)
        url = reverse("learning:question_add", kwargs={"pk": course.pk})
        bad = {"text": "哪项正确？", "kind": "single", "choice_1": "甲", "choice_2": "乙"}
        client.post(url, {**bad, "correct": ["1", "2"]})
        assert course.questions.count() == 1  # the one make_course adds
        client.post(url, {**bad, "correct": ["2"]})
        question = course.questions.get(text="哪项正确？")
        assert [(c.text, c.correct) for c in question.choices.all()] == [
            ("甲", False),
            ("乙", True),
        ]

    def test_professionals_and_unit_hr_cannot_edit(self, client, alice, hr_a):
        for user in (alice, hr_a):
            client.force_login(user)
            assert client.get(reverse("learning:course_manage")).status_code == 403

    def test_an_admin_of_two_roles_edits_as_the_active_one(self, client, health_admin):
        other = UserFactory()
        Membership.objects.create(user=other, role=Role.PROVINCE_HR)
        client.force_login(other)
        client.post(reverse("learning:course_new"), FORM)
        assert Course.objects.get().category == "public"

    def test_a_question_is_deleted_with_an_audit_entry(self, client, province_hr):
        course = make_course()
        question = course.questions.get()
        client.force_login(province_hr)
        url = reverse(
            "learning:question_delete", kwargs={"pk": course.pk, "question_pk": question.pk}
        )
        response = client.post(url)
        assert response.url == reverse("learning:course_edit", kwargs={"pk": course.pk})
        assert not Question.objects.filter(pk=question.pk).exists()
        entry = AuditLog.objects.get(action="learning.question.deleted")
        assert (entry.actor, entry.payload) == (
            province_hr,
            {"course": course.pk, "question": question.pk},
        )

    def test_another_authoritys_admin_cannot_delete_a_question(
        self, client, health_admin, education
    ):
        course = make_course(category="professional", authority=education)
        question = course.questions.get()
        client.force_login(health_admin)
        url = reverse(
            "learning:question_delete", kwargs={"pk": course.pk, "question_pk": question.pk}
        )
        assert client.post(url).status_code == 404
        assert Question.objects.filter(pk=question.pk).exists()
        assert not AuditLog.objects.filter(action="learning.question.deleted").exists()

    def test_an_added_question_is_audited(self, client, province_hr):
        course = make_course()
        client.force_login(province_hr)
        url = reverse("learning:question_add", kwargs={"pk": course.pk})
        data = {"text": "哪项正确？", "kind": "multiple", "choice_1": "甲", "choice_2": "乙"}
        page = client.post(url, {**data, "correct": ["1", "2"]}, follow=True).content.decode()
        assert "题目已添加" in page
        question = course.questions.get(text="哪项正确？")
        assert [(c.text, c.correct) for c in question.choices.all()] == [("甲", True), ("乙", True)]
        entry = AuditLog.objects.get(action="learning.question.added")
        assert entry.payload == {"course": course.pk, "question": question.pk}
