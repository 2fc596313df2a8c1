"""Declared activities: the flow end to end, evidence files, scope, the cap."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credits.models import (
    ActivityKind,
    CreditEntry,
    Declaration,
    Evidence,
    SecondReviewSetting,
    Source,
)
from credits.selectors import year_status
from portal.models import Membership, Role
from tests.factories import UserFactory
from tests.samples import HTML_AS_JPEG, HTML_AS_PDF, HTML_AS_PNG, pdf_bytes, png_bytes

PDF = pdf_bytes()
PNG = png_bytes()
LAST_YEAR = datetime.date.today().year - 1


def pdf(name="证明.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def conference(db):
    return ActivityKind.objects.get(code="conference-provincial")  # 8 h, +4 with a paper, cap 16


def declare(client, kind, evidence=None, **fields):
    data = {
        "kind": kind.pk,
        "occurred_on": f"{LAST_YEAR}-05-20",
        "quantity": "1",
        "description": "山东省医学会学术年会",
        **fields,
    }
    if evidence is not None:
        data["evidence"] = evidence
    return client.post(reverse("credits:declaration_new"), data)


def review(client, declaration, decision="approve", hours="", reason=""):
    return client.post(
        reverse("credits:review_detail", kwargs={"pk": declaration.pk}),
        {"decision": decision, "hours": hours, "reason": reason},
    )


@pytest.mark.django_db
class TestDeclaring:
    def test_declaration_with_evidence_waits_for_the_unit(self, client, alice, conference):
        client.force_login(alice)
        response = declare(client, conference, [pdf(), pdf("现场照片.png", PNG)], with_bonus="on")
        declaration = Declaration.objects.get()
        assert response.url == reverse("credits:declaration_detail", kwargs={"pk": declaration.pk})
        assert declaration.status == Declaration.Status.UNIT_REVIEW
        assert declaration.claimed_hours == Decimal("12.0")  # 8 + 4 for the paper
        assert declaration.unit == alice.profile.unit
        assert sorted(e.content_type for e in declaration.evidence.all()) == [
            "application/pdf",
            "image/png",
        ]
        assert not CreditEntry.objects.exists()

    def test_form_shows_the_conversion_table(self, client, alice, conference):
        client.force_login(alice)
        page = client.get(reverse("credits:declaration_new")).content.decode()
        assert "参加省级学术会议" in page
        assert 'data-hours="8.0"' in page

    def test_executable_renamed_to_pdf_is_refused_and_nothing_written(
        self, client, alice, conference
    ):
        client.force_login(alice)
        fake = SimpleUploadedFile("论文.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
        response = declare(client, conference, [fake])
        assert response.status_code == 200
        assert "不是PDF、JPG或PNG文件" in response.content.decode()
        assert not Declaration.objects.exists()
        assert not Evidence.objects.exists()

    @pytest.mark.parametrize(
        ("name", "content", "kind"),
        [
            ("论文.pdf", HTML_AS_PDF, "PDF"),
            ("照片.png", HTML_AS_PNG, "PNG"),
            ("照片.jpg", HTML_AS_JPEG, "JPG"),
        ],
    )
    def test_a_web_page_behind_a_file_header_is_refused_and_nothing_written(
        self, client, alice, conference, name, content, kind
    ):
        client.force_login(alice)
        response = declare(client, conference, [pdf(), pdf(name, content)])
        assert response.status_code == 200
        assert f"{name} 无法作为{kind}文件打开" in response.content.decode()
        assert not Declaration.objects.exists()
        assert not Evidence.objects.exists()

    def test_file_over_10_mb_is_refused(self, client, alice, conference):
        client.force_login(alice)
        big = pdf(content=PDF + b"0" * (10 * 1024 * 1024))
        response = declare(client, conference, [big])
        assert "超过10MB" in response.content.decode()
        assert not Declaration.objects.exists()

    def test_evidence_is_required_where_the_table_says_so(self, client, alice, conference):
        client.force_login(alice)
        response = declare(client, conference)
        assert "须上传至少一个证明材料" in response.content.decode()
        assert not Declaration.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("quantity", "0", ""),
            ("quantity", "-1", ""),
            ("quantity", "1.25", ""),
            ("occurred_on", "2099-01-01", "日期不能晚于今天"),
            ("occurred_on", "2019-05-01", "2019年度尚无学时要求"),
        ],
    )
    def test_bad_input_is_refused(self, client, alice, conference, field, value, message):
        client.force_login(alice)
        response = declare(client, conference, [pdf()], **{field: value})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Declaration.objects.exists()


@pytest.fixture
def waiting(client, alice, conference):
    client.force_login(alice)
    declare(client, conference, [pdf()], with_bonus="on")
    client.logout()
    return Declaration.objects.get()


@pytest.mark.django_db
class TestUnitReview:
    def test_approval_credits_the_hours_at_once(self, client, hr_a, alice, waiting):
        client.force_login(hr_a)
        assert alice.real_name in client.get(reverse("credits:review_queue")).content.decode()
        response = review(client, waiting, hours="12")
        assert response.status_code == 302
        waiting.refresh_from_db()
        assert waiting.status == Declaration.Status.APPROVED
        entry = waiting.credit
        assert (entry.source, entry.source_ref) == (Source.DECLARATION, f"declaration:{waiting.pk}")
        assert entry.recorded_by == hr_a
        assert year_status(alice, LAST_YEAR).professional == Decimal("12.0")

    def test_professional_sees_the_decision(self, client, hr_a, alice, waiting):
        client.force_login(hr_a)
        review(client, waiting, decision="reject", reason="会议证明不清晰")
        client.force_login(alice)
        url = reverse("credits:declaration_detail", kwargs={"pk": waiting.pk})
        page = client.get(url).content.decode()
        assert "未通过" in page
        assert "会议证明不清晰" in page
        assert hr_a.real_name in page
        assert not CreditEntry.objects.exists()

    def test_rejection_needs_a_reason(self, client, hr_a, waiting):
        client.force_login(hr_a)
        response = review(client, waiting, decision="reject")
        assert "请填写不通过的原因" in response.content.decode()
        waiting.refresh_from_db()
        assert waiting.status == Declaration.Status.UNIT_REVIEW

    def test_hours_above_the_yearly_cap_are_refused(self, client, hr_a, waiting):
        client.force_login(hr_a)
        response = review(client, waiting, hours="17")
        assert "最多还可认定 16.0 学时" in response.content.decode()
        assert not CreditEntry.objects.exists()

    def test_cap_counts_what_was_approved_before(self, client, hr_a, alice, conference, waiting):
        client.force_login(hr_a)
        review(client, waiting, hours="12")
        client.force_login(alice)
        declare(client, conference, [pdf()])
        second = Declaration.objects.exclude(pk=waiting.pk).get()
        client.force_login(hr_a)
        response = review(client, second, hours="8")
        assert "最多还可认定 4.0 学时" in response.content.decode()
        assert review(client, second, hours="4").status_code == 302
        assert year_status(alice, LAST_YEAR).professional == Decimal("16.0")

    def test_a_second_decision_changes_nothing(self, client, hr_a, alice, waiting):
        client.force_login(hr_a)
        review(client, waiting, hours="12")
        response = review(client, waiting, hours="12")
        assert response.status_code == 404  # no longer in the queue
        assert CreditEntry.objects.count() == 1

    def test_hr_of_other_unit_gets_404_on_item_and_evidence(self, client, hr_b, waiting):
        client.force_login(hr_b)
        assert (
            client.get(reverse("credits:review_detail", kwargs={"pk": waiting.pk})).status_code
            == 404
        )
        evidence = waiting.evidence.get()
        url = reverse(
            "credits:evidence_download", kwargs={"pk": waiting.pk, "evidence_pk": evidence.pk}
        )
        assert client.get(url).status_code == 404
        assert review(client, waiting, hours="12").status_code == 404
        assert (
            waiting.person.real_name
            not in client.get(reverse("credits:review_queue")).content.decode()
        )

    def test_owner_and_her_hr_can_fetch_the_evidence(self, client, alice, hr_a, waiting):
        evidence = waiting.evidence.get()
        url = reverse(
            "credits:evidence_download", kwargs={"pk": waiting.pk, "evidence_pk": evidence.pk}
        )
        for user in (alice, hr_a):
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 200
            assert b"".join(response.streaming_content).startswith(b"%PDF-")

    def test_another_professional_gets_404_on_the_evidence(self, client, bob, waiting):
        client.force_login(bob)
        evidence = waiting.evidence.get()
        url = reverse(
            "credits:evidence_download", kwargs={"pk": waiting.pk, "evidence_pk": evidence.pk}
        )
        assert client.get(url).status_code == 404

    def test_evidence_is_stored_outside_the_public_media_folder(self, settings, waiting):
        path = waiting.evidence.get().file.path
        assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
        assert not path.startswith(str(settings.MEDIA_ROOT))


@pytest.mark.django_db
class TestSecondReview:
    @pytest.fixture
    def strict_health(self, health):
        SecondReviewSetting.objects.create(authority=health, requires_second_review=True)

    def test_credit_posts_after_the_authority_approves(
        self, client, strict_health, alice, hr_a, health_admin, conference
    ):
        client.force_login(alice)
        declare(client, conference, [pdf()])
        declaration = Declaration.objects.get()
        assert declaration.needs_second_review
        client.force_login(hr_a)
        review(client, declaration, hours="8")
        declaration.refresh_from_db()
        assert declaration.status == Declaration.Status.AUTHORITY_REVIEW
        assert not CreditEntry.objects.exists()

        client.force_login(health_admin)
        assert review(client, declaration, hours="6").status_code == 302
        declaration.refresh_from_db()
        assert declaration.status == Declaration.Status.APPROVED
        assert declaration.credit.hours == Decimal("6.0")
        assert declaration.credit.recorded_by == health_admin
        assert [r.level for r in declaration.reviews.all()] == ["unit", "authority"]

    def test_authority_rejection_credits_nothing(
        self, client, strict_health, alice, hr_a, health_admin, conference
    ):
        client.force_login(alice)
        declare(client, conference, [pdf()])
        declaration = Declaration.objects.get()
        client.force_login(hr_a)
        review(client, declaration, hours="8")
        client.force_login(health_admin)
        review(client, declaration, decision="reject", reason="非本专业会议")
        declaration.refresh_from_db()
        assert declaration.status == Declaration.Status.REJECTED
        assert not CreditEntry.objects.exists()

    def test_admin_of_another_authority_gets_404(
        self, client, strict_health, alice, hr_a, education, conference
    ):
        client.force_login(alice)
        declare(client, conference, [pdf()])
        declaration = Declaration.objects.get()
        client.force_login(hr_a)
        review(client, declaration, hours="8")
        other = UserFactory()
        Membership.objects.create(user=other, role=Role.DEPARTMENT_ADMIN, authority=education)
        client.force_login(other)
        url = reverse("credits:review_detail", kwargs={"pk": declaration.pk})
        assert client.get(url).status_code == 404

    def test_without_the_setting_unit_approval_is_final(
        self, client, alice, hr_a, health_admin, conference
    ):
        client.force_login(alice)
        declare(client, conference, [pdf()])
        declaration = Declaration.objects.get()
        client.force_login(hr_a)
        review(client, declaration, hours="8")
        declaration.refresh_from_db()
        assert declaration.status == Declaration.Status.APPROVED
        client.force_login(health_admin)
        url = reverse("credits:review_detail", kwargs={"pk": declaration.pk})
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_only_professionals_declare(client, hr_a):
    client.force_login(hr_a)
    assert client.get(reverse("credits:declaration_new")).status_code == 403


@pytest.mark.django_db
class TestWhoMayDecide:
    def test_hr_cannot_review_her_own_declaration(self, client, alice, unit_a, conference):
        Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)
        client.force_login(alice)
        declare(client, conference, [pdf()])
        declaration = Declaration.objects.get()
        hr = Membership.objects.get(user=alice, role=Role.UNIT_HR)
        client.post(reverse("portal:role_switch"), {"membership": hr.pk})
        queue = client.get(reverse("credits:review_queue")).context["page"]
        assert declaration not in list(queue)
        assert review(client, declaration, hours="8").status_code == 404
        assert not CreditEntry.objects.exists()

    def test_the_service_refuses_self_review_too(self, alice, conference):
        from credits.declarations import declaration_review
        from credits.services import LedgerError

        declaration = Declaration.objects.create(
            person=alice,
            unit=alice.profile.unit,
            kind=conference,
            occurred_on=datetime.date(LAST_YEAR, 5, 1),
            quantity=1,
            description="x",
            claimed_hours=8,
        )
        with pytest.raises(LedgerError, match="不能审核本人"):
            declaration_review(
                declaration=declaration, reviewer=alice, level="unit", approve=True, hours=8
            )

    def test_authority_may_lower_but_not_raise_the_hours(
        self, client, alice, hr_a, health_admin, health, conference
    ):
        SecondReviewSetting.objects.create(authority=health, requires_second_review=True)
        client.force_login(alice)
        declare(client, conference, [pdf()])
        declaration = Declaration.objects.get()
        client.force_login(hr_a)
        review(client, declaration, hours="4")
        client.force_login(health_admin)
        response = review(client, declaration, hours="16")
        assert "只能核减" in response.content.decode()
        assert not CreditEntry.objects.exists()
        review(client, declaration, decision="reject", reason="材料不全")
        declaration.refresh_from_db()
        assert declaration.approved_hours is None

    def test_unit_hr_cannot_reverse_what_the_authority_approved(
        self, client, alice, hr_a, health_admin, health, conference
    ):
        SecondReviewSetting.objects.create(authority=health, requires_second_review=True)
        client.force_login(alice)
        declare(client, conference, [pdf()])
        declaration = Declaration.objects.get()
        client.force_login(hr_a)
        review(client, declaration, hours="8")
        client.force_login(health_admin)
        review(client, declaration, hours="8")
        declaration.refresh_from_db()
        client.force_login(hr_a)
        url = reverse("credits:entry_reverse", kwargs={"pk": declaration.credit_id})
        assert client.post(url, {"reason": "x"}).status_code == 404

    @pytest.mark.parametrize("member", ["jinan_hr", "province_hr"])
    def test_city_and_provincial_hr_do_not_get_the_evidence(self, client, cast, waiting, member):
        client.force_login(cast[member])
        detail = client.get(reverse("credits:declaration_detail", kwargs={"pk": waiting.pk}))
        assert "仅申报人和本单位人事管理员可见" in detail.content.decode()
        evidence = waiting.evidence.get()
        url = reverse(
            "credits:evidence_download", kwargs={"pk": waiting.pk, "evidence_pk": evidence.pk}
        )
        assert client.get(url).status_code in (403, 404)

    def test_the_second_reviewing_authority_gets_the_evidence(
        self, client, alice, hr_a, health_admin, health, conference
    ):
        SecondReviewSetting.objects.create(authority=health, requires_second_review=True)
        client.force_login(alice)
        declare(client, conference, [pdf()])
        declaration = Declaration.objects.get()
        client.force_login(health_admin)
        evidence = declaration.evidence.get()
        url = reverse(
            "credits:evidence_download", kwargs={"pk": declaration.pk, "evidence_pk": evidence.pk}
        )
        assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_at_once_respect_the_yearly_cap():
    import threading

    from django.db import connections

    from credits.declarations import declaration_review
    from credits.services import LedgerError
    from tests.factories import UnitFactory, make_professional

    unit = UnitFactory()
    person = make_professional(unit)
    reviewer = UserFactory()
    project = ActivityKind.objects.get(code="research-project")  # 20 hours, cap 20
    declarations = [
        Declaration.objects.create(
            person=person,
            unit=unit,
            kind=project,
            occurred_on=datetime.date(LAST_YEAR, 3, 1),
            quantity=1,
            description=f"课题{i}",
            claimed_hours=20,
        )
        for i in range(2)
    ]
    barrier, outcomes = threading.Barrier(2), []

    def approve(declaration):
        try:
            barrier.wait(timeout=10)
            declaration_review(
                declaration=declaration, reviewer=reviewer, level="unit", approve=True, hours=20
            )
            outcomes.append("approved")
        except LedgerError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(d,)) for d in declarations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    assert year_status(person, LAST_YEAR).professional == Decimal(20)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["²", "１", "abc", "-1", "99999999999999999999", ""])
def test_a_posted_kind_that_is_no_id_is_a_form_error(client, alice, kind):
    client.force_login(alice)
    response = client.post(
        reverse("credits:declaration_new"),
        {
            "kind": kind,
            "occurred_on": f"{LAST_YEAR}-05-20",
            "quantity": "1",
            "description": "山东省医学会学术年会",
        },
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not Declaration.objects.exists()
