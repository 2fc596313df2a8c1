"""A professional moves to another unit: the new unit accepts, the former one may
object for a set number of days, then the move completes. The former unit keeps
read access to the years she worked there, and nothing after."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from credits.declarations import declaration_create
from credits.models import ActivityKind, Category, SecondReviewSetting, Source
from credits.selectors import entries_visible_to, year_status
from credits.services import credit_post
from portal.models import (
    AuditLog,
    Membership,
    PastEmployment,
    ReviewStatus,
    Role,
    Transfer,
)
from portal.tasks import complete_due_transfers
from portal.transfers import transfer_request, transfers_complete_due
from tests.factories import UnitFactory, make_member, make_professional, move


def ask(client, person, unit):
    client.force_login(person)
    return client.post(reverse("portal:my_transfer"), {"city": unit.city_id, "unit": unit.pk})


def review(client, hr, transfer, decision, reason=""):
    client.force_login(hr)
    return client.post(
        reverse("portal:transfer_review", kwargs={"pk": transfer.pk}),
        {"decision": decision, "reason": reason},
    )


def hours(person, year, ref):
    entry, _created = credit_post(
        person=person,
        year=year,
        category=Category.PROFESSIONAL,
        hours="10",
        source=Source.COURSE,
        source_ref=ref,
    )
    return entry


@pytest.fixture
def hr_a_with_mail(hr_a):
    hr_a.email = "hr-a@example.cn"
    hr_a.save()
    return hr_a


@pytest.mark.django_db
def test_a_transfer_completes_after_the_objection_period(
    client,
    settings,
    eager_celery,
    django_capture_on_commit_callbacks,
    alice,
    unit_a,
    unit_b,
    hr_a_with_mail,
    hr_b,
):
    settings.TRANSFER_OBJECTION_DAYS = 3
    year_before = year_status(alice, 2025)
    hours(alice, 2025, "c-2025")
    ask(client, alice, unit_b)
    transfer = Transfer.objects.get(person=alice)
    assert transfer.status == Transfer.Status.REQUESTED

    with django_capture_on_commit_callbacks(execute=True):
        review(client, hr_b, transfer, "approve")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED
    deadline = transfer.objection_deadline
    assert abs((deadline - timezone.now()) - datetime.timedelta(days=3)) < datetime.timedelta(
        minutes=1
    )
    # The former unit is told, by e-mail and on its accounts page.
    assert mail.outbox and mail.outbox[0].to == ["hr-a@example.cn"]
    assert alice.real_name in mail.outbox[0].subject
    client.force_login(hr_a_with_mail)
    page = client.get(reverse("portal:unit_people")).content.decode()
    assert "提出异议" in page

    assert transfers_complete_due(deadline - datetime.timedelta(seconds=1)) == 0
    assert transfers_complete_due(deadline) == 1
    alice.refresh_from_db()
    assert alice.profile.unit == unit_b
    assert alice.profile.unit_since == timezone.localdate(deadline)
    assert PastEmployment.objects.get(person=alice).unit == unit_a
    # Hours stay with the person.
    assert year_status(alice, 2025).professional == year_before.professional + 10
    # The new unit now keeps her records; the former one can no longer act on them.
    client.force_login(hr_b)
    detail = reverse("credits:person_detail", kwargs={"pk": alice.pk})
    assert client.get(detail).status_code == 200
    client.force_login(hr_a_with_mail)
    assert client.get(detail).status_code == 404
    page = client.get(reverse("portal:unit_people"), {"status": "transferred_out"})
    assert alice.real_name in page.content.decode()
    assert "已调出" in page.content.decode()
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {
        "portal.transfer.requested",
        "portal.transfer.accepted",
        "portal.transfer.completed",
    } <= actions


@pytest.mark.django_db
def test_the_former_unit_reads_only_the_years_she_worked_there(client, alice, unit_a, hr_a):
    alice.profile.unit_since = datetime.date(2024, 3, 1)
    alice.profile.save()
    before_joining = hours(alice, 2023, "c-2023")
    worked = [
        hours(alice, 2024, "c-2024"),
        hours(alice, 2025, "c-2025"),
        hours(alice, 2026, "c-2026-before"),
    ]
    recorded_by_a, _created = credit_post(
        person=alice,
        year=2026,
        category=Category.PUBLIC,
        hours="2",
        source=Source.OFFLINE,
        source_ref="offline-a",
        recorded_unit=unit_a,
    )
    worked.append(recorded_by_a)
    unit_b = UnitFactory()
    hr_new = make_member(Role.UNIT_HR, unit=unit_b)
    moved = timezone.now()
    move(alice, unit_a, unit_b, at=moved)
    after_move = hours(alice, 2026, "c-2026-after")  # recorded after the move
    late = hours(alice, 2025, "c-2025-late")  # for a year she worked there, but later

    old = Membership.objects.get(user=hr_a)
    new = Membership.objects.get(user=hr_new)
    assert set(entries_visible_to(old).filter(person=alice)) == set(worked)
    assert set(entries_visible_to(new).filter(person=alice)) == {
        before_joining,
        *worked,
        after_move,
        late,
    }
    # Read-only: the former unit cannot reverse what it recorded for her.
    client.force_login(hr_a)
    reverse_url = reverse("credits:entry_reverse", kwargs={"pk": recorded_by_a.pk})
    assert client.get(reverse_url).status_code == 404

    client.force_login(hr_a)
    url = reverse("credits:past_staff_detail", kwargs={"pk": alice.pk})
    page = client.get(url, {"year": 2026}).content.decode()
    table = page.split('data-testid="past-years"')[1].split("</table>")[0]
    rows = {
        row.split("?year=")[1].split('"')[0]: re.findall(r'text-end">([^<]*)<', row)
        for row in table.split("<tr")[2:]
    }
    # 2026 holds what was recorded before the move (2 public, 10 professional), not
    # the 10 professional hours recorded after it; 2023 predates her joining.
    assert rows == {"2026": ["2.0", "10.0"], "2025": ["0.0", "10.0"], "2024": ["0.0", "10.0"]}
    entries = page.split('data-testid="entries"')[1].split("<tbody>")[1].split("</tbody>")[0]
    assert entries.count("<tr") == 2
    assert client.get(url, {"year": 2023}).status_code == 200
    # A unit she never worked for cannot open the page.
    client.force_login(make_member(Role.UNIT_HR, unit=UnitFactory()))
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_former_unit_may_object_within_the_period(client, alice, unit_a, unit_b, hr_a, hr_b):
    ask(client, alice, unit_b)
    transfer = Transfer.objects.get(person=alice)
    review(client, hr_b, transfer, "approve")
    review(client, hr_a, transfer, "object")  # no reason: nothing happens
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED
    review(client, hr_a, transfer, "object", "该同志服务期未满")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.reason) == (Transfer.Status.OBJECTED, "该同志服务期未满")
    assert transfers_complete_due(timezone.now() + datetime.timedelta(days=30)) == 0
    alice.refresh_from_db()
    assert alice.profile.unit == unit_a
    client.force_login(alice)
    assert "该同志服务期未满" in client.get(reverse("portal:my_transfer")).content.decode()


@pytest.mark.django_db
def test_an_objection_after_the_period_is_refused(client, settings, alice, unit_b, hr_a, hr_b):
    settings.TRANSFER_OBJECTION_DAYS = 0
    ask(client, alice, unit_b)
    transfer = Transfer.objects.get(person=alice)
    review(client, hr_b, transfer, "approve")
    response = review(client, hr_a, transfer, "object", "太晚了")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED
    assert "异议期已过" in client.get(response.url).content.decode()
    assert complete_due_transfers() == 1  # the hourly task completes it
    alice.refresh_from_db()
    assert alice.profile.unit == unit_b


@pytest.mark.django_db
def test_bad_transfer_requests_are_refused_and_change_nothing(
    client, alice, unit_a, unit_b, hr_a, hr_b
):
    page = ask(client, alice, unit_a).content.decode()
    assert "不能调入本单位" in page
    pending = UnitFactory(city=unit_b.city, status=ReviewStatus.PENDING)
    page = ask(client, alice, pending).content.decode()
    assert "选择一个有效的选项" in page
    assert not Transfer.objects.exists()

    ask(client, alice, unit_b)
    page = ask(client, alice, unit_b).content.decode()
    assert "正在办理的调动" in page
    transfer = Transfer.objects.get()
    # Only the receiving unit accepts; HR of an unrelated unit does not even see it.
    outsider = make_member(Role.UNIT_HR, unit=UnitFactory())
    assert review(client, outsider, transfer, "approve").status_code == 404
    review(client, hr_a, transfer, "approve")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.REQUESTED
    review(client, hr_b, transfer, "reject", "岗位已满")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.reason) == (Transfer.Status.REJECTED, "岗位已满")


@pytest.mark.django_db
def test_a_person_may_withdraw_her_request(client, alice, unit_b):
    ask(client, alice, unit_b)
    transfer = Transfer.objects.get()
    client.post(reverse("portal:my_transfer"), {"cancel": transfer.pk})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CANCELLED


@pytest.mark.django_db
def test_an_hr_administrator_who_leaves_no_longer_administers_the_old_unit(alice, unit_a, unit_b):
    Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)
    move(alice, unit_a, unit_b)
    assert set(alice.memberships.values_list("role", flat=True)) == {Role.PROFESSIONAL}


@pytest.mark.django_db
def test_the_unit_list_shows_each_persons_status_in_few_queries(
    client, django_assert_max_num_queries, alice, unit_a, unit_b, hr_a
):
    disabled = make_professional(unit_a, real_name="停用者")
    disabled.is_active = False
    disabled.save()
    pending = make_professional(unit_a, real_name="待审者")
    pending.profile.status = ReviewStatus.PENDING
    pending.profile.save()
    leaver = make_professional(unit_a, real_name="调出者")
    move(leaver, unit_a, unit_b)
    for n in range(30):
        make_professional(unit_a, real_name=f"职工{n}")
    make_professional(unit_b, real_name="外单位")

    client.force_login(hr_a)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("portal:unit_people")).content.decode()
    table = page.split('data-testid="people"')[1].split("</table>")[0]
    rows = {row.split("</td>")[0].rsplit(">", 1)[1]: row for row in table.split("<tr>")[2:]}
    assert "外单位" not in rows
    expected = {"艾丽丝": "正常", "停用者": "停用", "待审者": "待审核", "调出者": "已调出"}
    for name, label in expected.items():
        assert label in rows[name], name
    filtered = client.get(reverse("portal:unit_people"), {"status": "disabled"}).content.decode()
    people = filtered.split('data-testid="people"')[1]
    assert "停用者" in people and "艾丽丝" not in people


@pytest.mark.django_db
def test_the_only_hr_administrator_must_appoint_another_before_leaving(
    client, alice, unit_a, unit_b
):
    Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)
    assert "唯一的人事管理员" in ask(client, alice, unit_b).content.decode()
    assert not Transfer.objects.exists()


@pytest.mark.django_db
def test_a_completed_or_foreign_transfer_cannot_be_withdrawn(client, alice, bob, unit_b):
    ask(client, alice, unit_b)
    transfer = Transfer.objects.get()
    transfer.status = Transfer.Status.COMPLETED
    transfer.save()
    client.force_login(alice)
    for odd in ("abc", "²"):
        assert client.post(reverse("portal:my_transfer"), {"cancel": odd}).status_code == 302
    client.post(reverse("portal:my_transfer"), {"cancel": transfer.pk})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.COMPLETED
    client.force_login(bob)
    assert client.post(reverse("portal:my_transfer"), {"cancel": transfer.pk}).status_code == 404


@pytest.mark.django_db
def test_open_declarations_go_to_the_new_unit(alice, unit_a, unit_b):
    SecondReviewSetting.objects.update_or_create(
        authority=unit_a.authority, defaults={"requires_second_review": True}
    )
    kind = ActivityKind.objects.get(code="conference-provincial")
    declaration = declaration_create(
        person=alice,
        kind=kind,
        occurred_on=datetime.date(2026, 3, 1),
        quantity=Decimal(1),
        with_bonus=False,
        description="省级学术会议",
        evidence_files=[],
    )
    assert declaration.unit == unit_a
    move(alice, unit_a, unit_b)
    assert declaration.needs_second_review
    declaration.refresh_from_db()
    assert declaration.unit == unit_b
    assert not declaration.needs_second_review  # the new unit's authority asks for none
    assert AuditLog.objects.filter(action="credits.declarations.handed_over").exists()


@pytest.mark.django_db
def test_a_request_refused_while_one_is_open_is_shown_with_the_open_one(client, alice, unit_b):
    ask(client, alice, unit_b)
    page = ask(client, alice, unit_b).content.decode()
    assert 'data-testid="open-transfer"' in page
    assert "正在办理的调动" in page
    assert Transfer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["１", "²", "99999999999999999999"])
def test_a_hostile_unit_or_city_id_is_an_invalid_choice(client, alice, unit_b, value):
    # int() reads a full-width "１" as 1: the form must not look it up at all.
    client.force_login(alice)
    url = reverse("portal:my_transfer")
    for data in ({"city": unit_b.city_id, "unit": value}, {"city": value, "unit": unit_b.pk}):
        page = client.post(url, data)
        assert page.status_code == 200
        assert "选择一个有效的选项" in page.content.decode()
    assert not Transfer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_transfer_request_without_its_audit_entry_is_not_saved(
    alice,
    unit_b,
    audit_down,
):
    with pytest.raises(audit_down):
        transfer_request(person=alice, to_unit=unit_b)
    assert not Transfer.objects.exists()
