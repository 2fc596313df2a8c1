"""Issue 16 review follow-ups: a base runs a training only after its managing unit
agrees (the notice, 五(三): "经基地管理单位同意后") — it proposes trainings that start
after today, and a training that has started can only be returned, no longer
approved; provincial HR reads every base's trainings (read only, filtered); the
year fields of the quality selection are the project's one year field."""

import datetime

import pytest
from django.urls import reverse

from bases.models import Training
from bases.services import Proposal, TrainingError, training_decide, training_propose
from portal.models import AuditLog, Role
from tests.bases.test_trainings import actor, form_data, proposal
from tests.factories import BaseFactory, make_member

TODAY = datetime.date(2025, 6, 10)
TOMORROW = TODAY + datetime.timedelta(days=1)


def starting(day: datetime.date, **changes) -> Proposal:
    """A proposal of a training from `day`, for three days."""
    return proposal(starts_on=day, ends_on=day + datetime.timedelta(days=2), **changes)


def form_starting(day: datetime.date) -> dict:
    """The proposal form of a training from `day`, for three days."""
    ends_on = day + datetime.timedelta(days=2)
    return form_data(starts_on=day.isoformat(), ends_on=ends_on.isoformat())


# -- agreed before it starts --------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, -30])
def test_a_training_starting_today_or_earlier_cannot_be_proposed(frozen, base_staff, days):
    frozen(TODAY)
    with pytest.raises(TrainingError, match="须晚于今天（2025-06-10）"):
        training_propose(
            actor=actor(base_staff),
            proposal=starting(TODAY + datetime.timedelta(days=days)),
        )
    assert not Training.objects.exists()
    assert not AuditLog.objects.filter(action="bases.training.proposed").exists()


def test_the_form_says_why_and_tomorrow_is_fine(client, frozen, base_staff):
    frozen(TODAY)
    client.force_login(base_staff)
    page = client.post(reverse("bases:training_new"), form_starting(TODAY)).content.decode()
    assert "基地培训须经基地管理单位同意后开展" in page
    assert not Training.objects.exists()
    client.post(reverse("bases:training_new"), form_starting(TOMORROW))
    assert Training.objects.get().status == Training.Status.PROPOSED


def test_a_returned_training_is_not_proposed_again_with_a_start_in_the_past(
    client, frozen, base_staff, jinan_hr
):
    frozen(TODAY)
    training = training_propose(actor=actor(base_staff), proposal=starting(TOMORROW))
    training_decide(actor=actor(jinan_hr), training=training, approve=False, reason="请调整")
    client.force_login(base_staff)
    edit = reverse("bases:training_edit", args=[training.pk])
    page = client.post(edit, form_starting(TODAY - datetime.timedelta(days=1))).content.decode()
    assert "须晚于今天" in page
    training.refresh_from_db()
    assert training.status == Training.Status.RETURNED and training.starts_on == TOMORROW


def test_a_training_that_has_started_can_only_be_returned(client, frozen, base_staff, jinan_hr):
    frozen(TODAY)
    training = training_propose(actor=actor(base_staff), proposal=starting(TOMORROW))
    frozen(TOMORROW)  # the managing unit comes to it on the day it starts
    client.force_login(jinan_hr)
    queue = client.get(reverse("bases:approvals")).content.decode()
    assert "已开始，只能退回" in queue and "核准" not in queue.split('data-testid="waiting"')[1]
    answer = client.post(
        reverse("bases:decide", args=[training.pk]), {"decision": "approve"}, follow=True
    )
    assert "该培训已于2025-06-11开始，不能再同意，只能退回基地。" in answer.content.decode()
    training.refresh_from_db()
    assert training.status == Training.Status.PROPOSED and training.decided_by is None
    assert not AuditLog.objects.filter(action="bases.training.approved").exists()

    client.post(
        reverse("bases:decide", args=[training.pk]), {"decision": "return", "reason": "已开班"}
    )
    training.refresh_from_db()
    assert training.status == Training.Status.RETURNED and training.return_reason == "已开班"


# -- provincial HR reads every base's trainings ------------------------------------------------


def test_provincial_hr_lists_every_base_s_trainings_read_only(
    client, frozen, base, base_staff, jinan, province_hr, jinan_hr
):
    frozen(TODAY)
    other = BaseFactory(name="青岛测试继续教育基地", managing_city=jinan)
    other_staff = make_member(Role.BASE_STAFF, base=other)
    mine = training_propose(
        actor=actor(base_staff), proposal=starting(TOMORROW, title="本基地培训")
    )
    training_decide(actor=actor(jinan_hr), training=mine, approve=True)
    next_year = datetime.date(2026, 3, 2)
    training_propose(actor=actor(other_staff), proposal=starting(next_year, title="外基地培训"))

    client.force_login(province_hr)
    home = client.get(reverse("portal:role_home", args=["province_hr"])).content.decode()
    url = reverse("bases:trainings")
    assert url in home
    page = client.get(url).content.decode()
    assert "本基地培训" in page and "外基地培训" in page and "青岛测试继续教育基地" in page
    assert reverse("bases:training_new") not in page  # no proposing
    by_base = client.get(url, {"base": other.pk}).content.decode()
    assert "外基地培训" in by_base and "本基地培训" not in by_base
    by_status = client.get(url, {"status": "approved"}).content.decode()
    assert "本基地培训" in by_status and "外基地培训" not in by_status
    by_year = client.get(url, {"year": "2026"}).content.decode()
    assert "外基地培训" in by_year and "本基地培训" not in by_year
    bad = client.get(url, {"year": "1999", "base": "x"}).content.decode()
    assert "请填写2000至2100之间的年度" in bad

    # Its training page: no editing, trainees, closing or decision.
    detail = client.get(reverse("bases:training", args=[mine.pk])).content.decode()
    assert "本基地培训" in detail and url in detail
    for name in ("training_edit", "trainees", "close", "decide"):
        assert reverse(f"bases:{name}", args=[mine.pk]) not in detail
    assert client.get(reverse("bases:trainees", args=[mine.pk])).status_code == 403

    # Base staff still see their own base's only, with the button to propose.
    client.force_login(base_staff)
    own = client.get(url).content.decode()
    assert "本基地培训" in own and "外基地培训" not in own
    assert reverse("bases:training_new") in own
    # A managing unit has its queue, not this list.
    client.force_login(jinan_hr)
    assert client.get(url).status_code == 403
