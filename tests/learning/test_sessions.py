"""Offline training sessions: attendance, and hours posted once on closing."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from credits.models import CreditEntry
from credits.selectors import year_status
from learning.models import Attendance, OfflineSession
from tests.factories import id_number_for, make_professional

YEAR = 2025


def attendance_file(numbers):
    workbook = Workbook()
    workbook.active.append(["身份证号"])
    for number in numbers:
        workbook.active.append([number])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("名单.xlsx", buffer.getvalue())


@pytest.fixture
def session(client, hr_a):
    client.force_login(hr_a)
    client.post(
        reverse("learning:sessions"),
        {
            "title": "院感防控培训",
            "category": "professional",
            "hours": "6",
            "held_on": f"{YEAR}-04-10",
            "place": "学术报告厅",
        },
    )
    return OfflineSession.objects.get()


@pytest.mark.django_db
class TestSessions:
    def test_created_for_the_hr_unit(self, session, unit_a):
        assert (session.unit, session.hours, session.status) == (unit_a, Decimal(6), "open")

    def test_bad_hours_or_a_year_without_rule_are_refused(self, client, hr_a):
        client.force_login(hr_a)
        data = {"title": "x", "category": "public", "place": "y"}
        for hours, day, message in (("0", f"{YEAR}-01-01", "大于零"), ("2", "2019-01-01", "2019")):
            page = client.post(
                reverse("learning:sessions"), {**data, "hours": hours, "held_on": day}
            )
            assert message in page.content.decode()
        assert not OfflineSession.objects.exists()

    def test_upload_with_unknown_numbers_lists_them_and_adds_nobody(
        self, client, session, alice, bob
    ):
        stranger = id_number_for(777)
        url = reverse("learning:session", kwargs={"pk": session.pk})
        page = client.post(
            url, {"file": attendance_file([alice.id_number, bob.id_number, stranger])}
        )
        text = page.content.decode()
        assert bob.id_number in text and stranger in text
        assert "不是您管理范围内的专业技术人员" in text
        assert not Attendance.objects.exists()
        client.post(url, {"file": attendance_file([alice.id_number])})
        assert list(Attendance.objects.values_list("person", flat=True)) == [alice.pk]

    def test_ticking_names_and_closing_credits_each_attendee_once(
        self, client, session, alice, unit_a, bob
    ):
        colleague = make_professional(unit_a)
        url = reverse("learning:session", kwargs={"pk": session.pk})
        client.post(url, {"person": [alice.pk, colleague.pk, bob.pk]})  # bob is not in scope
        assert Attendance.objects.count() == 2
        close = reverse("learning:session_close", kwargs={"pk": session.pk})
        page = client.post(close, follow=True).content.decode()
        assert "已为2名参训人员计入学时" in page
        client.post(close)
        assert CreditEntry.objects.count() == 2
        assert year_status(alice, YEAR).professional == Decimal(6)
        page = client.post(url, {"person": [bob.pk]}, follow=True)
        assert Attendance.objects.count() == 2

    def test_hr_of_another_unit_cannot_see_or_close(self, client, session, hr_b):
        client.force_login(hr_b)
        assert client.get(reverse("learning:session", kwargs={"pk": session.pk})).status_code == 404
        close = reverse("learning:session_close", kwargs={"pk": session.pk})
        assert client.post(close).status_code == 404
        assert not CreditEntry.objects.exists()
