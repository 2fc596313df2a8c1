"""Provincial HR marks and unmarks self-evaluating units (职称自主评聘单位) on a page:
searched, paginated, confirmed, audited; bad input writes nothing."""

import datetime

import pytest
from django.http import Http404
from django.urls import reverse

from portal.models import AuditLog, Membership, ReviewStatus, Role, Unit
from portal.self_evaluation import SelfEvaluationError, unit_set_self_evaluating
from tests.factories import UnitFactory

LIST = reverse("portal:self_evaluating_units")
MARKED = "portal.unit.self_evaluating_marked"
UNMARKED = "portal.unit.self_evaluating_unmarked"


def confirm_url(unit) -> str:
    return reverse("portal:self_evaluating_unit", args=[unit.pk])


def state(unit) -> tuple:
    unit.refresh_from_db()
    return unit.is_self_evaluating, unit.self_evaluating_since


def audits() -> list:
    return list(
        AuditLog.objects.filter(action__in=[MARKED, UNMARKED])
        .order_by("pk")
        .values_list("action", "payload")
    )


@pytest.mark.django_db
def test_provincial_hr_marks_and_unmarks_a_unit(client, cast, unit_a, province_hr):
    client.force_login(province_hr)
    page = client.get(confirm_url(unit_a)).content.decode()
    assert "确认标记" in page and unit_a.name in page
    response = client.post(confirm_url(unit_a), {"on": "1", "since": "2024-03-01"})
    assert response.status_code == 302 and response.url == LIST
    assert state(unit_a) == (True, datetime.date(2024, 3, 1))
    followed = client.get(LIST).content.decode()
    assert "已标记为职称自主评聘单位" in followed and "2024-03-01" in followed
    assert "确认取消标记" in client.get(confirm_url(unit_a)).content.decode()
    response = client.post(confirm_url(unit_a), {"on": "0"})
    assert response.status_code == 302
    assert state(unit_a) == (False, None)
    assert audits() == [
        (MARKED, {"unit": unit_a.pk, "since": "2024-03-01", "previous_since": None}),
        (UNMARKED, {"unit": unit_a.pk, "since": None, "previous_since": "2024-03-01"}),
    ]
    assert set(
        AuditLog.objects.filter(action__in=[MARKED, UNMARKED]).values_list("actor", flat=True)
    ) == {province_hr.pk}


@pytest.mark.django_db
def test_marking_without_a_date_marks_from_today(client, unit_a, province_hr, frozen):
    frozen(datetime.date(2025, 6, 1))
    client.force_login(province_hr)
    client.post(confirm_url(unit_a), {"on": "1", "since": ""})
    assert state(unit_a) == (True, datetime.date(2025, 6, 1))


@pytest.mark.django_db
def test_the_list_searches_by_name_and_credit_code(client, unit_a, unit_b, province_hr):
    client.force_login(province_hr)
    listed = lambda **query: [u.pk for u in client.get(LIST, query).context["page"]]  # noqa: E731
    assert set(listed()) >= {unit_a.pk, unit_b.pk}
    assert listed(q="济南测试") == [unit_a.pk]
    # The start of the code, typed in lower case with spaces, as the stored code.
    code = unit_b.credit_code
    assert listed(q=f" {code[:9]} {code[9:].lower()} ") == [unit_b.pk]
    assert listed(q="没有这个单位") == []
    unit_b.is_self_evaluating = True
    unit_b.save()
    assert listed(marked="1") == [unit_b.pk]
    assert listed()[0] == unit_b.pk  # self-evaluating units first


@pytest.mark.django_db
def test_the_list_is_paginated(client, jinan, province_hr):
    UnitFactory.create_batch(55, city=jinan)
    client.force_login(province_hr)
    first = client.get(LIST).context["page"]
    assert len(first) == 50 and first.paginator.count == 55
    assert len(client.get(LIST, {"page": "2"}).context["page"]) == 5
    for hostile in ("²", "99999999999999999999", "-1", "abc"):
        assert client.get(LIST, {"page": hostile, "q": hostile}).status_code == 200


@pytest.mark.django_db
def test_only_provincial_hr_reaches_the_pages(client, cast, unit_a):
    for name, person in cast.items():
        client.force_login(person)
        expected = 200 if name == "province_hr" else 403
        assert client.get(LIST).status_code == expected, name
        assert client.get(confirm_url(unit_a)).status_code == expected, name
        client.post(confirm_url(unit_a), {"on": "1"})
    assert state(unit_a)[0] is True
    # Only provincial HR's post wrote: one audit entry, by her.
    assert [(a, p["unit"]) for a, p in audits()] == [(MARKED, unit_a.pk)]
    assert AuditLog.objects.get(action=MARKED).actor == cast["province_hr"]
    client.logout()
    assert client.get(LIST).status_code == 302
    client.post(confirm_url(unit_a), {"on": "0"})
    assert state(unit_a)[0] is True


@pytest.mark.django_db
def test_bad_input_writes_nothing(client, unit_a, province_hr):
    client.force_login(province_hr)
    # Unknown and hostile unit ids: 404.
    assert client.get("/units/self-evaluating/999999999999/").status_code == 404
    assert client.post("/units/self-evaluating/999999999999/", {"on": "1"}).status_code == 404
    for hostile in ("²", "１", "abc", "-1", "99999999999999999999"):
        assert client.post(f"/units/self-evaluating/{hostile}/", {"on": "1"}).status_code == 404
    # Hostile values in the form: the page again with an error.
    for hostile in ("²", "１", "abc", "-1", "99999999999999999999", "", "true"):
        response = client.post(confirm_url(unit_a), {"on": hostile, "since": "2024-01-01"})
        assert response.status_code == 200, hostile
        assert response.context["form"].errors
    for since in ("²", "2024-13-01", "99999999999999999999", "明天"):
        response = client.post(confirm_url(unit_a), {"on": "1", "since": since})
        assert response.status_code == 200 and response.context["form"].errors, since
    # A date in the future is refused with a message.
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = client.post(confirm_url(unit_a), {"on": "1", "since": future})
    assert response.status_code == 200
    assert "日期不能晚于今天" in response.content.decode()
    # Unmarking a unit that is not marked: refused.
    response = client.post(confirm_url(unit_a), {"on": "0"})
    assert "不是职称自主评聘单位" in response.content.decode()
    assert state(unit_a) == (False, None)
    assert audits() == []


@pytest.mark.django_db
def test_marking_twice_is_refused_and_audited_once(client, unit_a, province_hr):
    client.force_login(province_hr)
    client.post(confirm_url(unit_a), {"on": "1", "since": "2024-01-01"})
    response = client.post(confirm_url(unit_a), {"on": "1", "since": "2023-01-01"})
    assert response.status_code == 200
    assert "已是职称自主评聘单位" in response.content.decode()
    assert state(unit_a) == (True, datetime.date(2024, 1, 1))
    assert len(audits()) == 1


@pytest.mark.django_db
def test_a_unit_not_approved_is_not_listed_nor_marked(client, jinan, province_hr):
    pending = UnitFactory(city=jinan, status=ReviewStatus.PENDING, name="待审核单位")
    client.force_login(province_hr)
    assert pending.pk not in [u.pk for u in client.get(LIST).context["page"]]
    assert client.post(confirm_url(pending), {"on": "1"}).status_code == 404
    assert state(pending) == (False, None) and audits() == []


@pytest.mark.django_db
def test_the_service_refuses_anyone_but_provincial_hr(cast, unit_a):
    for name in ("hr_a", "jinan_hr", "health_admin", "alice"):
        actor = Membership.objects.filter(user=cast[name]).first()
        with pytest.raises(Http404):
            unit_set_self_evaluating(actor=actor, unit_pk=unit_a.pk, on=True)
    actor = Membership.objects.get(user=cast["province_hr"], role=Role.PROVINCE_HR)
    with pytest.raises(SelfEvaluationError):
        unit_set_self_evaluating(actor=actor, unit_pk=unit_a.pk, on=False)
    assert not Unit.objects.get(pk=unit_a.pk).is_self_evaluating and audits() == []
