"""Ids and years as a client may send them: "²" (a digit to str.isdigit, not to int),
full-width digits, letters, negative numbers and numbers beyond bigint are no id of
ours. Each page answers as for an id that names nothing (404, or the value ignored),
never a 500, and nothing changes."""

import pytest
from django.urls import reverse

from learning.models import Attendance, Enrolment, OfflineSession, QualityNomination
from portal.models import AuditLog
from tests.learning.test_study import finish_lessons, make_course

ODD = ["²", "１", "abc", "-1", "0", "99999999999999999999"]


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ODD)
class TestOddIds:
    def test_the_public_pages_ignore_an_odd_year_or_page(self, client, odd):
        make_course()
        assert (
            client.get(reverse("learning:catalog"), {"year": odd, "page": odd}).status_code == 200
        )
        assert client.get(reverse("learning:plans"), {"year": odd}).status_code == 200

    def test_a_decision_on_an_odd_nomination_is_a_404(self, client, province_hr, alice, odd):
        course = make_course(teacher=alice)
        QualityNomination.objects.create(course=course, year=2025, nominated_by=alice)
        client.force_login(province_hr)
        data = {"nomination": odd, "decision": "select"}
        assert client.post(reverse("learning:quality_review"), data).status_code == 404
        assert QualityNomination.objects.get().status == "pending"

    def test_an_odd_year_of_a_nomination_is_refused(self, client, alice, odd):
        course = make_course(teacher=alice)
        client.force_login(alice)
        url = reverse("learning:nominate", kwargs={"pk": course.pk})
        page = client.post(url, {"year": odd}, follow=True).content.decode()
        assert "请填写2000至2100之间的年度" in page
        assert not QualityNomination.objects.exists()

    def test_odd_ticked_names_add_nobody(self, client, hr_a, unit_a, odd):
        client.force_login(hr_a)
        session = OfflineSession.objects.create(
            title="培训",
            category="professional",
            hours=2,
            held_on="2025-04-10",
            place="报告厅",
            unit=unit_a,
            created_by=hr_a,
        )
        url = reverse("learning:session", kwargs={"pk": session.pk})
        assert client.post(url, {"person": [odd]}).status_code == 302
        assert not Attendance.objects.exists()

    def test_odd_quiz_answers_are_refused_and_credit_nothing(self, client, alice, odd):
        course = make_course()
        client.force_login(alice)
        client.post(reverse("learning:enrol", kwargs={"pk": course.pk}))
        finish_lessons(Enrolment.objects.get())
        question = course.questions.get()
        url = reverse("learning:quiz", kwargs={"pk": course.pk})
        response = client.post(url, {f"q{question.pk}": [odd], f"q{odd}": ["1"]})
        assert response.status_code == 302
        assert Enrolment.objects.get().completed_at is None

    def test_an_odd_lesson_id_in_a_beat_is_a_json_404(self, client, alice, odd):
        client.force_login(alice)
        response = client.post(reverse("learning:heartbeat", args=[odd]))
        assert response.status_code == 404
        assert "error" in response.json()

    def test_filing_an_odd_plan_id_files_the_years_plan_or_nothing(self, client, health_admin, odd):
        client.force_login(health_admin)
        data = {"from_plan": "1", "plan": odd, "year": odd}
        assert client.post(reverse("learning:filing"), data).status_code == 404  # no plan
        assert not AuditLog.objects.filter(action="learning.filing.submitted").exists()
