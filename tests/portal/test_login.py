import uuid

import pytest
from django.contrib.auth.views import LogoutView
from django.urls import resolve, reverse

from portal.roles import guard_of
from tests.conftest import PASSWORD
from tests.factories import make_professional
from tests.portal.test_password_reset import NEW, ask, confirm, mailed_code

LOGIN = reverse("portal:login")


def login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
class TestLogin:
    def test_login_page_is_in_chinese(self, client):
        page = client.get(LOGIN).content.decode()
        assert "登录" in page
        assert "身份证号或手机号" in page

    def test_login_by_id_number_reaches_home(self, client, alice):
        response = login(client, alice.id_number)
        assert response.status_code == 302
        assert logged_in_user_id(client) == str(alice.pk)
        assert client.get(response.url, follow=True).status_code == 200

    def test_login_by_phone(self, client, alice):
        login(client, alice.phone)
        assert logged_in_user_id(client) == str(alice.pk)

    def test_login_with_lower_case_x(self, client, unit_a):
        from tests.factories import make_professional

        person = make_professional(unit_a, id_number="11010519491231002X")
        login(client, "11010519491231002x")
        assert logged_in_user_id(client) == str(person.pk)

    def test_wrong_password_is_refused_with_chinese_message(self, client, alice):
        response = login(client, alice.id_number, "wrong-password")
        assert response.status_code == 200
        assert "身份证号（或手机号）与密码不匹配" in response.content.decode()
        assert logged_in_user_id(client) is None

    def test_unknown_id_number_gets_the_same_message(self, client, db):
        from tests.factories import id_number_for

        response = login(client, id_number_for(999))
        assert "身份证号（或手机号）与密码不匹配" in response.content.decode()
        assert logged_in_user_id(client) is None

    def test_id_number_with_wrong_check_digit_says_so(self, client, alice):
        bad = alice.id_number[:-1] + ("1" if alice.id_number[-1] != "1" else "2")
        response = login(client, bad)
        assert "身份证号校验位不正确" in response.content.decode()
        assert logged_in_user_id(client) is None

    def test_id_number_with_impossible_birth_date_says_so(self, client, db):
        response = login(client, "370102199902300011")
        assert "不是有效日期" in response.content.decode()

    def test_garbage_login_asks_for_id_or_phone(self, client, db):
        response = login(client, "abc")
        assert "请输入18位身份证号或11位手机号" in response.content.decode()

    def test_inactive_account_cannot_log_in(self, client, alice):
        alice.is_active = False
        alice.save()
        login(client, alice.id_number)
        assert logged_in_user_id(client) is None

    def test_logout_ends_the_session(self, client, alice):
        login(client, alice.id_number)
        client.post(reverse("portal:logout"))
        assert logged_in_user_id(client) is None


@pytest.mark.django_db
class TestLockout:
    def test_ten_failures_lock_the_account_even_for_the_right_password(self, client, alice):
        for _ in range(10):
            login(client, alice.id_number, "wrong-password")
        response = login(client, alice.id_number)
        assert response.status_code == 429
        page = response.content.decode()
        assert "账号已锁定" in page
        assert "30分钟" in page
        assert logged_in_user_id(client) is None

    def test_nine_failures_do_not_lock(self, client, alice):
        for _ in range(9):
            login(client, alice.id_number, "wrong-password")
        login(client, alice.id_number)
        assert logged_in_user_id(client) == str(alice.pk)

    def test_failures_by_phone_and_by_id_number_count_for_one_account(self, client, alice):
        for attempt in range(10):
            login(client, alice.phone if attempt % 2 else alice.id_number, "wrong-password")
        assert login(client, alice.phone).status_code == 429
        assert logged_in_user_id(client) is None

    def test_lockout_of_one_account_leaves_others_alone(self, client, alice, bob):
        for _ in range(10):
            login(client, alice.id_number, "wrong-password")
        login(client, bob.id_number)
        assert logged_in_user_id(client) == str(bob.pk)


@pytest.mark.django_db
def test_password_change(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2026",
            "new_password2": "Another-pass-2026",
        },
        follow=True,
    )
    assert "密码已修改" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("Another-pass-2026")


@pytest.mark.django_db
def test_password_change_with_wrong_old_password_changes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("portal:password_change"),
        {"old_password": "nope", "new_password1": "X-pass-20261", "new_password2": "X-pass-20261"},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def fresh_address() -> str:
    """An address of this test's own: axes' counts are rows in the test's database,
    but keep clients apart within a test."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


@pytest.mark.django_db
class TestLockoutPerClient:
    def test_one_client_failing_across_six_accounts_is_stopped(self, client, unit_a, bob):
        """54 failed logins, nine for each of six accounts, stayed under the per-account
        limit; the client's own limit (50) stops it, and only that client."""
        client.defaults["REMOTE_ADDR"] = fresh_address()
        accounts = [make_professional(unit_a) for _ in range(6)]
        answers = [
            login(client, account.id_number, "wrong-password").status_code
            for account in accounts
            for _ in range(9)
        ]
        # The 50th failure is answered with the lock, as the 10th of one account is.
        assert answers[:49] == [200] * 49 and answers[49:] == [429] * 5
        page = login(client, bob.id_number)
        assert page.status_code == 429 and "网络地址的登录失败次数过多" in page.content.decode()
        assert logged_in_user_id(client) is None
        client.defaults["REMOTE_ADDR"] = fresh_address()
        login(client, bob.id_number)
        assert logged_in_user_id(client) == str(bob.pk)

    def test_a_stranger_elsewhere_cannot_lock_her_out(self, client, alice):
        client.defaults["REMOTE_ADDR"] = fresh_address()
        for _ in range(30):
            login(client, alice.id_number, "wrong-password")
        assert login(client, alice.id_number).status_code == 429  # the stranger is stopped
        client.defaults["REMOTE_ADDR"] = fresh_address()  # alice, at her desk
        login(client, alice.id_number)
        assert logged_in_user_id(client) == str(alice.pk)

    def test_logging_in_to_his_own_account_does_not_clear_the_clients_count(
        self, client, settings, alice, bob
    ):
        settings.AXES_CLIENT_FAILURE_LIMIT = 12
        client.defaults["REMOTE_ADDR"] = fresh_address()
        for _ in range(9):
            login(client, alice.id_number, "wrong-password")
        login(client, bob.id_number)
        assert logged_in_user_id(client) == str(bob.pk)
        client.post(reverse("portal:logout"))
        for _ in range(3):
            login(client, alice.id_number, "wrong-password")
        assert login(client, bob.id_number).status_code == 429

    def test_a_password_reset_unlocks_the_account(self, client, alice, eager_celery):
        client.defaults["REMOTE_ADDR"] = fresh_address()
        for _ in range(10):
            login(client, alice.id_number, "wrong-password")
        page = login(client, alice.id_number)
        assert page.status_code == 429 and "忘记密码" in page.content.decode()
        alice.email = "alice@example.cn"
        alice.save()
        ask(client, alice.id_number, "alice@example.cn")
        confirm(client, alice.id_number, mailed_code())
        login(client, alice.id_number, NEW)
        assert logged_in_user_id(client) == str(alice.pk)


@pytest.mark.parametrize(
    ("name", "guard"),
    [
        ("portal:login", "public"),
        ("portal:logout", "public"),
        ("portal:password_change", "signed in"),
        ("portal:password_reset", "public"),
        ("portal:password_reset_confirm", "public"),
    ],
)
def test_the_login_and_password_views_declare_their_guard(name, guard):
    assert guard_of(resolve(reverse(name)).func) == guard


def test_the_logout_url_is_djangos_view():
    assert resolve(reverse("portal:logout")).func.view_class is LogoutView


@pytest.mark.django_db
def test_the_password_page_sends_an_anonymous_visitor_to_login(client):
    response = client.get(reverse("portal:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
