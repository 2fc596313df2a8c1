"""Who reviews a declaration, what the review form proposes and the status every page
shows: a declaration no HR officer of its unit can review (a sole HR officer's own,
any of a unit without HR) goes to the HR bureau above the unit, the form proposes
no more than the yearly cap leaves, a reversed credit reads 已冲销."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from credits.declarations import declaration_review
from credits.models import ActivityKind, CreditEntry, Declaration, Review
from credits.selectors import year_status
from credits.services import LedgerError
from portal.models import Membership, Role
from tests.credits.test_declarations import LAST_YEAR, declare, pdf, review
from tests.factories import move


@pytest.fixture
def conference(db):
    return ActivityKind.objects.get(code="conference-provincial")  # 8 h, +4 with a paper, cap 16


@pytest.fixture
def sole_hr(alice, unit_a):
    """Alice is a professional of unit A and its only HR administrator."""
    Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)
    return alice


def act_as(client, user, role):
    client.force_login(user)
    membership = Membership.objects.get(user=user, role=role)
    client.post(reverse("portal:role_switch"), {"membership": membership.pk})


def detail(client, declaration) -> str:
    url = reverse("credits:declaration_detail", kwargs={"pk": declaration.pk})
    return client.get(url).content.decode()


def status_of(page: str) -> str:
    (status,) = re.findall(r'data-testid="status">(.*?)<', page, re.S)
    return status.strip()


def queue(client) -> list:
    return list(client.get(reverse("credits:review_queue")).context["page"])


@pytest.fixture
def own_declaration(client, sole_hr, conference):
    act_as(client, sole_hr, Role.PROFESSIONAL)
    response = declare(client, conference, [pdf()])
    declaration = Declaration.objects.get()
    assert "由济南市人社局审核" in client.get(response.url).content.decode()
    return declaration


@pytest.mark.django_db
class TestSoleHrOfficersDeclaration:
    def test_the_page_names_the_city_hr_bureau_as_reviewer(self, client, own_declaration):
        page = detail(client, own_declaration)
        assert "由济南市人社局审核" in page
        assert status_of(page) == "待人社部门审核"

    def test_the_city_hr_bureau_sees_and_approves_it(
        self, client, sole_hr, jinan_hr, own_declaration
    ):
        client.force_login(jinan_hr)
        assert own_declaration in queue(client)
        assert detail(client, own_declaration)  # the bureau may read it
        evidence = own_declaration.evidence.get()
        url = reverse(
            "credits:evidence_download",
            kwargs={"pk": own_declaration.pk, "evidence_pk": evidence.pk},
        )
        assert client.get(url).status_code == 200
        assert review(client, own_declaration, hours="8").status_code == 302
        own_declaration.refresh_from_db()
        assert own_declaration.status == Declaration.Status.APPROVED
        (decision,) = own_declaration.reviews.all()
        assert (decision.level, decision.reviewer) == (Review.Level.HR_BUREAU, jinan_hr)
        assert own_declaration.credit.recorded_by == jinan_hr
        # What the bureau decided is not the unit's to correct (she is the unit's HR).
        assert own_declaration.credit.recorded_unit is None
        assert year_status(sole_hr, LAST_YEAR).professional == Decimal("8.0")
        act_as(client, sole_hr, Role.PROFESSIONAL)
        page = detail(client, own_declaration)
        assert status_of(page) == "已通过"
        assert "人社部门审核" in page and jinan_hr.real_name in page

    def test_she_still_cannot_review_it_herself(self, client, sole_hr, own_declaration):
        act_as(client, sole_hr, Role.UNIT_HR)
        assert own_declaration not in queue(client)
        assert review(client, own_declaration, hours="8").status_code == 404
        with pytest.raises(LedgerError):
            declaration_review(
                declaration=own_declaration,
                reviewer=sole_hr,
                level=Review.Level.HR_BUREAU,
                approve=True,
                hours=8,
            )
        assert not CreditEntry.objects.exists()

    @pytest.mark.parametrize("member", ["qingdao_hr", "province_hr", "hr_b"])
    def test_nobody_else_reviews_it(self, client, request, own_declaration, member):
        client.force_login(request.getfixturevalue(member))
        url = reverse("credits:review_detail", kwargs={"pk": own_declaration.pk})
        assert client.get(url).status_code in (403, 404)
        assert review(client, own_declaration, hours="8").status_code in (403, 404)
        assert not CreditEntry.objects.exists()


@pytest.mark.django_db
def test_a_province_direct_units_sole_hr_is_reviewed_by_provincial_hr(
    client, sole_hr, unit_a, conference, jinan_hr, province_hr
):
    unit_a.is_province_direct = True
    unit_a.save()
    act_as(client, sole_hr, Role.PROFESSIONAL)
    declare(client, conference, [pdf()])
    declaration = Declaration.objects.get()
    assert "由省人社厅审核" in detail(client, declaration)
    client.force_login(jinan_hr)
    assert declaration not in queue(client)
    assert review(client, declaration, hours="8").status_code == 404
    client.force_login(province_hr)
    assert declaration in queue(client)
    assert review(client, declaration, hours="8").status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.APPROVED


@pytest.mark.django_db
def test_a_unit_with_another_hr_officer_keeps_the_review(
    client, sole_hr, hr_a, jinan_hr, conference
):
    act_as(client, sole_hr, Role.PROFESSIONAL)
    declare(client, conference, [pdf()])
    declaration = Declaration.objects.get()
    page = detail(client, declaration)
    assert "由本单位人事管理员审核" in page
    assert status_of(page) == "待单位审核"
    client.force_login(jinan_hr)
    assert declaration not in queue(client)
    assert review(client, declaration, hours="8").status_code == 404
    with pytest.raises(LedgerError, match="由本单位人事管理员审核"):
        declaration_review(
            declaration=declaration,
            reviewer=jinan_hr,
            level=Review.Level.HR_BUREAU,
            approve=True,
            hours=8,
        )
    client.force_login(hr_a)
    assert declaration in queue(client)
    assert review(client, declaration, hours="8").status_code == 302


@pytest.mark.django_db
def test_a_transfer_hands_a_declaration_gone_up_to_the_bureau_to_the_new_unit(
    client, alice, unit_a, unit_b, hr_b, jinan_hr, conference
):
    # Unit A has no HR administrator at all: nobody there may review it either.
    client.force_login(alice)
    declare(client, conference, [pdf()])
    declaration = Declaration.objects.get()
    client.force_login(jinan_hr)
    assert declaration in queue(client)
    move(alice, unit_a, unit_b)
    assert declaration not in queue(client)
    client.force_login(hr_b)
    assert declaration in queue(client)
    client.force_login(alice)
    assert "由本单位人事管理员审核" in detail(client, declaration)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("province_direct", "reviewer", "bureau"),
    [(False, "由济南市人社局审核", "jinan_hr"), (True, "由省人社厅审核", "province_hr")],
)
def test_every_declaration_of_a_unit_without_hr_goes_up_and_its_page_says_to_whom(
    client, request, alice, unit_a, conference, province_direct, reviewer, bureau
):
    """Unit A has no HR administrator at all: no HR officer of the unit can review."""
    unit_a.is_province_direct = province_direct
    unit_a.save()
    client.force_login(alice)
    response = declare(client, conference, [pdf()])
    assert reviewer in client.get(response.url).content.decode()
    declaration = Declaration.objects.get()
    page = detail(client, declaration)
    assert reviewer in page
    assert status_of(page) == "待人社部门审核"
    client.force_login(request.getfixturevalue(bureau))
    assert declaration in queue(client)


@pytest.mark.django_db
@pytest.mark.parametrize("member", ["jinan_hr", "province_hr"])
def test_the_bureaus_home_tile_says_which_declarations_come_to_it(client, request, member):
    user = request.getfixturevalue(member)
    client.force_login(user)
    role = Membership.objects.get(user=user).role
    page = client.get(reverse("portal:role_home", kwargs={"role": role})).content.decode()
    assert "无本单位人事管理员可审核的申报" in page
    assert "唯一人事管理员" not in page


# -- the review form's proposal and the status of a reversed credit -------------------


def proposed_hours(page: str) -> str:
    (tag,) = re.findall(r'<input[^>]*name="hours"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else ""


@pytest.mark.django_db
class TestProposal:
    def test_the_form_proposes_what_is_left_under_the_cap(self, client, alice, hr_a, conference):
        client.force_login(alice)
        declare(client, conference, [pdf()], with_bonus="on")  # 12 hours
        declare(client, conference, [pdf()])  # 8 hours, but only 4 left of the cap of 16
        first, second = Declaration.objects.order_by("pk")
        client.force_login(hr_a)
        page = client.get(reverse("credits:review_detail", kwargs={"pk": first.pk}))
        assert proposed_hours(page.content.decode()) == "12.0"
        assert 'data-testid="proposal"' not in page.content.decode()
        review(client, first, hours="12")

        page = client.get(reverse("credits:review_detail", kwargs={"pk": second.pk}))
        page = page.content.decode()
        assert proposed_hours(page) == "4.0"
        assert f"申报 8.0 学时，但{LAST_YEAR}年度上限内仅余 4.0 学时，故建议认定 4.0 学时" in page
        # The proposal is accepted as it stands.
        assert review(client, second, hours=proposed_hours(page)).status_code == 302
        assert year_status(alice, LAST_YEAR).professional == Decimal("16.0")

    def test_nothing_is_proposed_once_the_cap_is_reached(self, client, alice, hr_a, conference):
        client.force_login(alice)
        declare(client, conference, [pdf()], with_bonus="on")
        declare(client, conference, [pdf()], with_bonus="on")
        first, second = Declaration.objects.order_by("pk")
        client.force_login(hr_a)
        review(client, first, hours="16")
        page = client.get(reverse("credits:review_detail", kwargs={"pk": second.pk}))
        page = page.content.decode()
        assert proposed_hours(page) == ""
        assert f"该类活动{LAST_YEAR}年度已达认定上限" in page


@pytest.mark.django_db
def test_a_reversed_declaration_reads_reversed_everywhere(client, alice, hr_a, conference):
    client.force_login(alice)
    declare(client, conference, [pdf()])
    declaration = Declaration.objects.get()
    client.force_login(hr_a)
    review(client, declaration, hours="8")
    declaration.refresh_from_db()
    url = reverse("credits:entry_reverse", kwargs={"pk": declaration.credit_id})
    assert client.post(url, {"reason": "会议未实际参加"}).status_code == 302
    assert year_status(alice, LAST_YEAR).professional == Decimal("0.0")

    assert status_of(detail(client, declaration)) == "已冲销"  # HR's page
    client.force_login(alice)
    assert status_of(detail(client, declaration)) == "已冲销"
    listing = client.get(reverse("credits:declaration_list")).content.decode()
    assert status_of(listing) == "已冲销"
    assert "已通过" not in listing


@pytest.mark.django_db
def test_a_reversed_declaration_no_longer_counts_toward_the_cap_proposal(
    client, alice, hr_a, conference
):
    client.force_login(alice)
    declare(client, conference, [pdf()], with_bonus="on")
    declare(client, conference, [pdf()], with_bonus="on")
    first, second = Declaration.objects.order_by("pk")
    client.force_login(hr_a)
    review(client, first, hours="16")
    first.refresh_from_db()
    client.post(
        reverse("credits:entry_reverse", kwargs={"pk": first.credit_id}), {"reason": "重复"}
    )
    page = client.get(reverse("credits:review_detail", kwargs={"pk": second.pk}))
    assert proposed_hours(page.content.decode()) == "12.0"
