"""The quality online public-course selection: 2 × the hours for the teacher, once.
(The association's review and shortlist: tests/learning/test_selection_workflow.py.)"""

from decimal import Decimal

import pytest
from django.urls import reverse

from credits.models import CreditEntry, Source
from credits.selectors import year_status
from learning.models import QualityNomination
from learning.quality.services import review, shortlist
from tests.learning.test_study import YEAR, make_course


@pytest.fixture
def taught(alice):
    return make_course(title="优质候选课", hours="3", teacher=alice)


@pytest.mark.django_db
class TestSelection:
    def nominate(self, client, alice, course):
        client.force_login(alice)
        return client.post(reverse("learning:nominate", kwargs={"pk": course.pk}), {"year": YEAR})

    def shortlist(self, association):
        """The association's expert reviews the nomination and shortlists it: only a
        shortlisted course reaches provincial HR."""
        nomination = QualityNomination.objects.get()
        review(nomination=nomination, reviewer=association, score=90, comment="内容扎实")
        shortlist(nomination=nomination, shortlisted_by=association)

    def decide(self, client, province_hr, decision, reason=""):
        client.force_login(province_hr)
        nomination = QualityNomination.objects.get()
        return client.post(
            reverse("learning:quality_review"),
            {"nomination": nomination.pk, "decision": decision, "reason": reason},
            follow=True,
        )

    def test_selected_course_credits_its_teacher_twice_its_hours_once(
        self, client, alice, province_hr, association, taught
    ):
        self.nominate(client, alice, taught)
        self.shortlist(association)
        self.decide(client, province_hr, "select")
        self.decide(client, province_hr, "select")  # a second click changes nothing
        entry = CreditEntry.objects.get()
        assert (entry.person, entry.source, entry.hours) == (alice, Source.QUALITY_COURSE, 6)
        assert year_status(alice, YEAR).public == Decimal(6)
        page = client.get(reverse("learning:catalog")).content.decode()
        assert "优质课程" in page
        listing = client.get(reverse("learning:quality_list", kwargs={"year": YEAR}))
        assert "优质候选课" in listing.content.decode()

    def test_decline_needs_a_reason_and_credits_nothing(
        self, client, alice, province_hr, association, taught
    ):
        self.nominate(client, alice, taught)
        self.shortlist(association)
        page = self.decide(client, province_hr, "decline").content.decode()
        assert "请填写不入选的原因" in page
        self.decide(client, province_hr, "decline", "内容与公需科目方向不符")
        assert QualityNomination.objects.get().status == "declined"
        assert not CreditEntry.objects.exists()

    def test_only_the_teacher_nominates_and_once_a_year(self, client, alice, bob, taught):
        client.force_login(bob)
        url = reverse("learning:nominate", kwargs={"pk": taught.pk})
        assert client.post(url, {"year": YEAR}).status_code == 404
        self.nominate(client, alice, taught)
        page = client.post(url, {"year": YEAR}, follow=True).content.decode()
        assert "已被推荐" in page
        assert QualityNomination.objects.count() == 1

    def test_professional_courses_cannot_be_nominated(self, client, alice):
        course = make_course(category="professional", teacher=alice)
        page = self.nominate(client, alice, course)
        assert QualityNomination.objects.count() == 0
        assert page.status_code == 302

    def test_only_provincial_hr_decides(self, client, hr_a):
        client.force_login(hr_a)
        assert client.get(reverse("learning:quality_review")).status_code == 403
