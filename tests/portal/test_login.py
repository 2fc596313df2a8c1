import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

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
