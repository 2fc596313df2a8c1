"""Password reset by a one-time code: it never tells whether a number is registered,
expires after ten minutes and locks after five wrong codes."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.models import PasswordResetCode
from tests.factories import id_number_for

REQUEST = reverse("portal:password_reset")
CONFIRM = reverse("portal:password_reset_confirm")
NEW = "Brand-new-pass-2026"


@pytest.fixture(autouse=True)
def _deliver_in_process(eager_celery):
    """The code goes out from a task; run it in the test's process."""


def ask(client, id_number, contact):
    return client.post(REQUEST, {"id_number": id_number, "contact": contact}, follow=True)


def confirm(client, id_number, code, password=NEW):
    return client.post(
        CONFIRM,
        {
            "id_number": id_number,
            "code": code,
            "new_password1": password,
            "new_password2": password,
        },
        follow=True,
    )


def mailed_code() -> str:
    return re.search(r"\d{6}", mail.outbox[-1].body).group()


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def visible_text(response) -> str:
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.django_db
def test_the_answer_is_the_same_for_a_registered_and_an_unknown_number(client, alice):
    alice.email = "alice@example.cn"
    alice.save()
    known = ask(client, alice.id_number, "alice@example.cn")
    unknown = ask(client, id_number_for(4242), "alice@example.cn")
    wrong_contact = ask(client, alice.id_number, "13900000000")
    assert "验证码已发送" in visible_text(known)
    assert visible_text(known) == visible_text(unknown) == visible_text(wrong_contact)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.cn"]

    stranger = id_number_for(4242)
    wrong = wrong_code(mailed_code())
    failed_unknown = visible_text(confirm(client, stranger, wrong)).replace(stranger, "…")
    failed_known = visible_text(confirm(client, alice.id_number, wrong))
    failed_known = failed_known.replace(alice.id_number, "…")
    assert failed_unknown == failed_known and "验证码错误或已过期" in failed_known


@pytest.mark.django_db
def test_the_mailed_code_sets_the_new_password_once(client, alice):
    alice.email = "alice@example.cn"
    alice.save()
    ask(client, alice.id_number, "ALICE@example.cn")
    code = mailed_code()
    weak = confirm(client, alice.id_number, code, password="123")
    assert not weak.redirect_chain
    assert "密码太短，至少需要8个字符。" in weak.content.decode()
    alice.refresh_from_db()
    assert not alice.check_password("123")
    page = confirm(client, alice.id_number, code)
    assert page.redirect_chain[-1][0] == reverse("portal:login")
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    confirm(client, alice.id_number, code, password="Another-pass-2027")
    alice.refresh_from_db()
    assert alice.check_password(NEW)


@pytest.mark.django_db
def test_five_wrong_codes_lock_the_code(client, alice):
    alice.email = "alice@example.cn"
    alice.save()
    ask(client, alice.id_number, "alice@example.cn")
    code = mailed_code()
    for _ in range(5):
        confirm(client, alice.id_number, wrong_code(code))
    confirm(client, alice.id_number, code)
    alice.refresh_from_db()
    assert not alice.check_password(NEW)


@pytest.mark.django_db
def test_a_code_expires_after_ten_minutes(client, alice):
    alice.email = "alice@example.cn"
    alice.save()
    ask(client, alice.id_number, "alice@example.cn")
    code = mailed_code()
    reset = PasswordResetCode.objects.get()
    assert timezone.timedelta(minutes=9) < reset.expires_at - reset.created_at
    PasswordResetCode.objects.update(expires_at=timezone.now())
    confirm(client, alice.id_number, code)
    alice.refresh_from_db()
    assert not alice.check_password(NEW)


@pytest.mark.django_db
def test_by_phone_the_code_goes_out_as_a_text_message(client, alice, capsys):
    ask(client, alice.id_number, alice.phone)
    sent = capsys.readouterr().out
    assert f"SMS to {alice.phone}" in sent
    confirm(client, alice.id_number, re.search(r"\d{6}", sent.split(alice.phone, 1)[1]).group())
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert not mail.outbox


@pytest.mark.django_db
def test_at_most_one_code_a_minute_and_a_new_code_voids_the_old(client, alice):
    alice.email = "alice@example.cn"
    alice.save()
    ask(client, alice.id_number, "alice@example.cn")
    ask(client, alice.id_number, "alice@example.cn")
    assert len(mail.outbox) == 1
    first = mailed_code()
    PasswordResetCode.objects.update(created_at=timezone.now() - timezone.timedelta(minutes=2))
    ask(client, alice.id_number, "alice@example.cn")
    assert len(mail.outbox) == 2
    if first != mailed_code():
        confirm(client, alice.id_number, first)
        alice.refresh_from_db()
        assert not alice.check_password(NEW)
    confirm(client, alice.id_number, mailed_code())
    alice.refresh_from_db()
    assert alice.check_password(NEW)
