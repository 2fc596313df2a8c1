"""A password reset does the same work whether or not the number is registered (a
timing difference told who is registered), and an account gets a bounded number of
codes a day (so its 10^6 codes cannot be guessed at five tries a minute).

The work is counted, not timed: calls to the password hasher and deliveries queued.
"""

import contextlib
from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.utils import timezone

from portal.models import PasswordResetCode
from portal.tasks import send_reset_code
from tests.factories import id_number_for
from tests.portal.test_password_reset import ask, confirm, mailed_code, wrong_code

STRANGER = id_number_for(4343)


@contextlib.contextmanager
def counted_work():
    """Count the hasher's calls and the deliveries queued within the block."""
    hasher = type(get_hasher())
    counts = {}
    with (
        mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode,
        mock.patch.object(hasher, "verify", autospec=True, side_effect=hasher.verify) as verify,
        mock.patch.object(send_reset_code, "delay") as delay,
    ):
        yield counts
        counts.update(encode=encode.call_count, verify=verify.call_count, queued=delay.call_count)


def work_of(action) -> dict:
    with counted_work() as counts:
        action()
    return counts


@pytest.fixture
def alice_with_mail(alice):
    alice.email = "alice@example.cn"
    alice.save()
    return alice


@pytest.mark.django_db
def test_a_request_hashes_and_queues_the_same_for_a_stranger_and_an_account(
    client, alice_with_mail
):
    alice = alice_with_mail
    registered = work_of(lambda: ask(client, alice.id_number, "alice@example.cn"))
    assert registered["encode"] >= 1 and registered["queued"] == 1
    assert PasswordResetCode.objects.count() == 1
    branches = {
        "unknown number": lambda: ask(client, STRANGER, "alice@example.cn"),
        "wrong contact": lambda: ask(client, alice.id_number, "13900000000"),
        "within the minute": lambda: ask(client, alice.id_number, "alice@example.cn"),
    }
    for branch, action in branches.items():
        assert work_of(action) == registered, branch
    assert PasswordResetCode.objects.count() == 1


@pytest.mark.django_db
def test_nothing_is_sent_to_a_stranger_but_the_account_gets_its_code(
    client, alice_with_mail, eager_celery
):
    ask(client, STRANGER, "alice@example.cn")
    assert not mail.outbox
    ask(client, alice_with_mail.id_number, "alice@example.cn")
    assert [message.to for message in mail.outbox] == [["alice@example.cn"]]
    assert "您的密码重置验证码为" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_wrong_code_costs_one_hash_check_whether_or_not_a_code_is_pending(
    client, alice_with_mail, bob, eager_celery
):
    alice = alice_with_mail
    confirm(client, STRANGER, "000000")  # the stand-in hash is made once a process
    ask(client, alice.id_number, "alice@example.cn")
    wrong = wrong_code(mailed_code())
    pending = work_of(lambda: confirm(client, alice.id_number, wrong))
    assert pending["verify"] == 1
    assert work_of(lambda: confirm(client, STRANGER, wrong)) == pending
    assert work_of(lambda: confirm(client, bob.id_number, wrong)) == pending  # none asked


def age_codes(minutes: int) -> None:
    PasswordResetCode.objects.update(
        created_at=timezone.now() - timezone.timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_at_most_five_codes_a_day_per_account(client, settings, alice_with_mail, eager_celery):
    assert settings.PASSWORD_RESET_CODES_PER_DAY == 5
    alice = alice_with_mail
    for _request in range(7):
        ask(client, alice.id_number, "alice@example.cn")
        age_codes(2)  # past the one-a-minute limit
    assert len(mail.outbox) == 5
    # The last code sent still works; no sixth was made.
    assert PasswordResetCode.objects.filter(used_at__isnull=True).count() == 1
    age_codes(24 * 60 + 1)
    ask(client, alice.id_number, "alice@example.cn")
    assert len(mail.outbox) == 6
    confirm(client, alice.id_number, mailed_code())
    alice.refresh_from_db()
    assert alice.check_password("Brand-new-pass-2026")


@pytest.mark.django_db
def test_the_daily_cap_is_a_setting(client, settings, alice_with_mail, eager_celery):
    settings.PASSWORD_RESET_CODES_PER_DAY = 2
    for _request in range(3):
        ask(client, alice_with_mail.id_number, "alice@example.cn")
        age_codes(2)
    assert len(mail.outbox) == 2
