"""The quality-course selection as the notice runs it (issue 16, item 4): nominations
by the teacher or her base, the association's expert reviews and shortlist, provincial
HR's confirmation that credits the teacher 2 × the hours, once (RULES.md "Quality
online public courses")."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bases.evaluation import bases_with_indicators, figure_values
from credits.models import CreditEntry, Source
from credits.selectors import year_status
from learning.models import QualityNomination, QualityReview
from learning.quality.services import SelectionError, review
from portal.models import AuditLog, Base, Role
from tests.factories import BaseFactory, UserFactory, make_member
from tests.learning.test_study import YEAR, make_course

Status = QualityNomination.Status


@pytest.fixture
def taught(alice):
    """alice's published public course of 3 hours; the catalog prints its teacher as
    张教授 (not her account's name)."""
    return make_course(title="优质候选课", hours="3", teacher=alice)


@pytest.fixture
def pending(taught, alice, base):
    return QualityNomination.objects.create(course=taught, year=YEAR, nominated_by=alice, base=base)


def page_of(response) -> str:
    return response.content.decode()


def bonus_courses(base) -> int:
    """The base's selected quality courses of YEAR as its evaluation counts them (the
    bonus indicator, bases.evaluation)."""
    annotated = bases_with_indicators(Base.objects.filter(pk=base.pk), YEAR).get()
    return figure_values(annotated)["selected"]


def score(client, association, nomination, points, comment="内容扎实，案例丰富"):
    client.force_login(association)
    url = reverse("learning:quality_score", kwargs={"pk": nomination.pk})
    return client.post(url, {"score": points, "comment": comment}, follow=True)


def association_decides(client, association, nomination, decision, reason=""):
    client.force_login(association)
    url = reverse("learning:quality_shortlist", kwargs={"pk": nomination.pk})
    return client.post(url, {"decision": decision, "reason": reason}, follow=True)


def confirm(client, province_hr, nomination, decision="select", reason=""):
    client.force_login(province_hr)
    data = {"nomination": nomination.pk, "decision": decision, "reason": reason}
    return client.post(reverse("learning:quality_review"), data, follow=True)


@pytest.mark.django_db
class TestNominations:
    def test_the_teacher_nominates_naming_her_base(self, client, alice, base, taught):
        BaseFactory(name="已暂停的基地", status=Base.Status.SUSPENDED)
        client.force_login(alice)
        url = reverse("learning:nominate", kwargs={"pk": taught.pk})
        form = page_of(client.get(url))
        assert base.name in form
        assert "已暂停的基地" not in form  # only active bases are offered
        page = page_of(client.post(url, {"year": YEAR, "base": base.pk}, follow=True))
        assert "课程已推荐参评" in page
        nomination = QualityNomination.objects.get()
        assert (nomination.course, nomination.base, nomination.status) == (
            taught,
            base,
            Status.PENDING,
        )

    def test_a_suspended_base_cannot_be_named_nor_nominate(
        self, client, alice, base, base_staff, taught
    ):
        suspended = BaseFactory(status=Base.Status.SUSPENDED)
        client.force_login(alice)
        url = reverse("learning:nominate", kwargs={"pk": taught.pk})
        client.post(url, {"year": YEAR, "base": suspended.pk})
        assert not QualityNomination.objects.exists()
        # Its own staff cannot nominate for it while it is suspended.
        Base.objects.filter(pk=base.pk).update(status=Base.Status.SUSPENDED)
        client.force_login(base_staff)
        page = client.post(
            reverse("learning:quality_base"), {"course": taught.pk, "year": YEAR}, follow=True
        )
        assert "只有有效的继续教育基地才能推荐课程" in page_of(page)
        assert not QualityNomination.objects.exists()

    def test_base_staff_nominate_a_catalog_course_for_their_own_base_only(
        self, client, base_staff, base, taught
    ):
        make_course(title="无教师账号的课")  # no teacher's account: nothing to credit
        make_course(title="专业课程", category="professional", teacher=taught.teacher)
        other = BaseFactory(name="另一个基地")
        client.force_login(base_staff)
        url = reverse("learning:quality_base")
        listing = page_of(client.get(url))
        assert "优质候选课" in listing
        assert "无教师账号的课" not in listing and "专业课程" not in listing
        # Naming another base in the form changes nothing: it is always their own.
        client.post(url, {"course": taught.pk, "year": YEAR, "base": other.pk})
        nomination = QualityNomination.objects.get()
        assert nomination.base == base
        assert nomination.nominated_by == base_staff
        assert "优质候选课" in page_of(client.get(url))  # in the base's own list
        # Once per course and year, whoever nominates it.
        page = page_of(client.post(url, {"course": taught.pk, "year": YEAR}, follow=True))
        assert "已被推荐" in page
        assert QualityNomination.objects.count() == 1

    def test_base_staff_cannot_nominate_a_course_without_a_teacher_account(
        self, client, base_staff
    ):
        orphan = make_course(title="无教师账号的课")
        client.force_login(base_staff)
        client.post(reverse("learning:quality_base"), {"course": orphan.pk, "year": YEAR})
        assert not QualityNomination.objects.exists()


@pytest.mark.django_db
class TestAssociation:
    def test_the_queue_shows_courses_not_people(self, client, association, alice, pending):
        client.force_login(association)
        page = page_of(client.get(reverse("learning:quality_queue"), {"year": YEAR}))
        assert "优质候选课" in page and "张教授" in page and pending.base.name in page
        assert reverse("learning:course", kwargs={"pk": pending.course.pk}) in page
        assert alice.id_number not in page
        # No ledger of anybody: the hours pages refuse the association.
        for name, kwargs in [
            ("credits:staff_list", {}),
            ("credits:person_detail", {"pk": alice.pk}),
            ("credits:eligibility", {"pk": alice.pk}),
            ("credits:reports", {}),
            ("credits:my_hours", {}),
        ]:
            assert client.get(reverse(name, kwargs=kwargs)).status_code == 403, name

    def test_experts_score_once_each_change_it_and_the_page_shows_the_mean(
        self, client, association, pending
    ):
        colleague = make_member(Role.ASSOCIATION, UserFactory(real_name="第二位专家"))
        score(client, association, pending, 70)
        score(client, association, pending, 80, "修改后的意见")  # her review, changed
        score(client, colleague, pending, 91)
        assert QualityReview.objects.filter(nomination=pending).count() == 2
        mine = QualityReview.objects.get(reviewer=association)
        assert (mine.score, mine.comment) == (80, "修改后的意见")
        page = page_of(client.get(reverse("learning:quality_queue"), {"year": YEAR}))
        assert "85.5" in page and "第二位专家" in page and "修改后的意见" in page
        # Out of range: refused, nothing changed (the form, and the service for any caller).
        score(client, association, pending, 101)
        with pytest.raises(SelectionError):
            review(nomination=pending, reviewer=association, score=101, comment="超出范围")
        assert QualityReview.objects.get(reviewer=association).score == 80

    def test_a_shortlist_needs_a_review_and_ends_the_reviews(self, client, association, pending):
        page = page_of(association_decides(client, association, pending, "shortlist"))
        assert "须经专家评审" in page
        pending.refresh_from_db()
        assert pending.status == Status.PENDING
        score(client, association, pending, 88)
        association_decides(client, association, pending, "shortlist")
        pending.refresh_from_db()
        assert (pending.status, pending.shortlisted_by) == (Status.SHORTLISTED, association)
        score(client, association, pending, 20)  # decided: the review stays
        assert QualityReview.objects.get().score == 88
        actions = set(AuditLog.objects.values_list("action", flat=True))
        assert {"learning.quality.reviewed", "learning.quality.shortlisted"} <= actions

    def test_declining_needs_a_reason(self, client, association, pending):
        page = page_of(association_decides(client, association, pending, "decline"))
        assert "请填写不入选的原因" in page
        pending.refresh_from_db()
        assert pending.status == Status.PENDING
        association_decides(client, association, pending, "decline", "与公需科目方向不符")
        pending.refresh_from_db()
        assert (pending.status, pending.reason) == (Status.DECLINED, "与公需科目方向不符")

    def test_others_cannot_reach_the_queue(self, client, alice, base_staff, province_hr):
        for member in (alice, base_staff, province_hr):
            client.force_login(member)
            assert client.get(reverse("learning:quality_queue")).status_code == 403


@pytest.mark.django_db
class TestConfirmation:
    def test_confirmation_credits_the_teacher_twice_the_hours_once(
        self, client, alice, association, province_hr, base, pending
    ):
        score(client, association, pending, 90)
        association_decides(client, association, pending, "shortlist")
        assert bonus_courses(base) == 0
        client.force_login(province_hr)
        assert "优质候选课" in page_of(client.get(reverse("learning:quality_review")))
        confirm(client, province_hr, pending)
        confirm(client, province_hr, pending)  # a second click changes nothing
        entry = CreditEntry.objects.get()
        assert (entry.person, entry.source, entry.hours, entry.year) == (
            alice,
            Source.QUALITY_COURSE,
            6,
            YEAR,
        )
        pending.refresh_from_db()
        assert pending.status == Status.SELECTED
        assert year_status(alice, YEAR).public == Decimal(6)
        assert bonus_courses(base) == 1  # the base's evaluation bonus
        listing = client.get(reverse("learning:quality_list", kwargs={"year": YEAR}))
        assert "优质候选课" in page_of(listing)
        assert "优质课程" in page_of(client.get(reverse("learning:catalog")))

    def test_provincial_hr_cannot_select_a_pending_nomination(self, client, province_hr, pending):
        client.force_login(province_hr)
        assert "优质候选课" not in page_of(client.get(reverse("learning:quality_review")))
        page = page_of(confirm(client, province_hr, pending))
        assert "协会入围" in page
        pending.refresh_from_db()
        assert pending.status == Status.PENDING
        assert not CreditEntry.objects.exists()

    def test_sending_back_needs_a_reason(self, client, association, province_hr, pending):
        score(client, association, pending, 75)
        association_decides(client, association, pending, "shortlist")
        page = page_of(confirm(client, province_hr, pending, "decline"))
        assert "请填写不入选的原因" in page
        confirm(client, province_hr, pending, "decline", "名额已满")
        pending.refresh_from_db()
        assert (pending.status, pending.reason) == (Status.DECLINED, "名额已满")
        assert not CreditEntry.objects.exists()

    def test_the_association_cannot_confirm(self, client, association, pending):
        client.force_login(association)
        assert client.get(reverse("learning:quality_review")).status_code == 403


def _views_of(patterns):
    """Every view callback under `patterns` (the URL resolver's tree)."""
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _views_of(pattern.url_patterns)
        else:
            yield pattern.callback


def test_no_page_of_hours_or_certificates_lets_the_association_in():
    """The association sees nominations and courses, not people's hours: no view of
    credits (the ledger) or certificates lets it in, now or after a guard is widened —
    only public pages (verification) and none signed-in only."""
    from django.urls import get_resolver

    from portal.roles import guard_of

    checked = []
    for view in _views_of(get_resolver().url_patterns):
        if not view.__module__.startswith(("credits.", "certificates.")):
            continue
        guard = guard_of(view)
        checked.append(view.__module__ + "." + view.__name__)
        assert guard == "public" or (isinstance(guard, tuple) and Role.ASSOCIATION not in guard), (
            f"{checked[-1]}: {guard}"
        )
    assert len(checked) > 20  # the walk found the apps' views


@pytest.mark.django_db
def test_a_nomination_for_a_year_out_of_range_is_refused(client, alice):
    course = make_course(title="优质候选课", teacher=alice)
    client.force_login(alice)
    answer = client.post(
        reverse("learning:nominate", args=[course.pk]), {"year": "3000"}, follow=True
    )
    assert "请填写2000至2100之间的年度" in answer.content.decode()
    assert not course.nominations.exists()
