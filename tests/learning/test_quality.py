"""The quality online public-course selection: who nominates what. (The association's
review and shortlist, and provincial HR's confirmation that credits the teacher 2 × the
hours once: tests/learning/test_selection_workflow.py.)"""

import pytest
from django.urls import reverse

from learning.models import QualityNomination
from tests.learning.test_study import YEAR, make_course


@pytest.fixture
def taught(alice):
    return make_course(title="优质候选课", hours="3", teacher=alice)


@pytest.mark.django_db
class TestSelection:
    def nominate(self, client, alice, course):
        client.force_login(alice)
        return client.post(reverse("learning:nominate", kwargs={"pk": course.pk}), {"year": YEAR})

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
