"""The elder-friendly mode (适老化): the header's switch turns it on and off; a user's
choice follows her across logins, an anonymous visitor's stays with the browser."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.elder_mode import COOKIE
from tests.conftest import PASSWORD

SWITCH = reverse("portal:elder_mode")
LOGIN = reverse("portal:login")


def elder(page) -> bool:
    """Whether the page is drawn in the mode: the class on <html>."""
    html = re.search(r"<html[^>]*>", page.content.decode()).group(0)
    return 'class="elder"' in html


def switch_button(page) -> str:
    return re.search(
        r'<button[^>]*data-testid="elder-mode-switch"[^>]*>[^<]*', page.content.decode()
    ).group(0)


def log_in(client, user):
    response = client.post(LOGIN, {"username": user.phone, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_anonymous_visitor_turns_it_on_and_her_browser_keeps_it(client):
    assert not elder(client.get(LOGIN))
    assert 'aria-pressed="false"' in switch_button(client.get(LOGIN))

    response = client.post(SWITCH, {"on": "1", "next": LOGIN})

    assert response.status_code == 302 and response.url == LOGIN
    assert response.cookies[COOKIE].value == "1"
    page = client.get(LOGIN)
    assert elder(page)
    assert "长辈模式：已开启" in switch_button(page) and 'aria-pressed="true"' in switch_button(
        page
    )
    assert elder(client.get(reverse("certificates:verify_form")))
    assert not elder(Client().get(LOGIN))  # another browser

    client.post(SWITCH, {"on": "0", "next": LOGIN})
    assert not elder(client.get(LOGIN))


@pytest.mark.django_db
def test_a_users_choice_follows_her_to_her_next_login(client, alice):
    log_in(client, alice)
    home = client.get(reverse("portal:home"), follow=True)
    assert not elder(home)

    client.post(SWITCH, {"on": "1", "next": reverse("credits:my_hours")})

    alice.refresh_from_db()
    assert alice.elder_mode
    assert elder(client.get(reverse("credits:my_hours")))
    client.post(reverse("portal:logout"))
    elsewhere = Client()  # another browser, no cookie of hers
    log_in(elsewhere, alice)
    assert elder(elsewhere.get(reverse("credits:my_hours")))

    elsewhere.post(SWITCH, {"on": "0"})
    alice.refresh_from_db()
    assert not alice.elder_mode
    assert not elder(elsewhere.get(reverse("credits:my_hours")))


@pytest.mark.django_db
def test_turned_on_before_logging_in_it_stays_on_for_the_account(client, alice):
    client.post(SWITCH, {"on": "1", "next": LOGIN})
    log_in(client, alice)
    assert elder(client.get(reverse("credits:my_hours")))
    alice.refresh_from_db()
    assert alice.elder_mode


@pytest.mark.django_db
def test_once_logged_in_the_account_decides_not_the_cookie(client, alice):
    alice.elder_mode = True
    alice.save()
    client.cookies[COOKIE] = "0"
    assert not elder(client.get(LOGIN))
    log_in(client, alice)
    assert elder(client.get(reverse("credits:my_hours")))


@pytest.mark.django_db
def test_switch_goes_back_only_to_pages_of_the_portal(client):
    response = client.post(SWITCH, {"on": "1", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


@pytest.mark.django_db
def test_switch_is_a_post_with_the_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(SWITCH).status_code == 405
    assert browser.post(SWITCH, {"on": "1"}).status_code == 403
    page = browser.get(LOGIN).content.decode()
    form = re.search(rf'<form method="post" action="{SWITCH}".*?</form>', page, re.S).group(0)
    assert "csrfmiddlewaretoken" in form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    [
        "²",
        "１",
        "abc",
        "-1",
        "99999999999999999999",
        "",
        "https://evil.example/",
        "//evil.example/",
    ],
)
def test_the_switch_goes_back_only_to_a_page_of_this_site(client, target):
    response = client.post(SWITCH, {"on": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
