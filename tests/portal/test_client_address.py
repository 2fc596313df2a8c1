"""The client's address behind trusted proxies: one function for every throttle and
for django-axes (portal.http.client_address)."""

import uuid

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from portal.http import client_address


def unique_ip(prefix: str = "203.0") -> str:
    number = uuid.uuid4().int
    return f"{prefix}.{number % 250 + 1}.{number // 250 % 250 + 1}"


def request_with(*, forwarded=None, remote="10.0.0.5"):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        # No proxy: whatever the client writes in the header is ignored.
        (0, "198.51.100.7", "192.0.2.1", "192.0.2.1"),
        # One proxy appends the address it saw; the client wrote the rest.
        (1, "1.2.3.4, 198.51.100.7", "10.0.0.5", "198.51.100.7"),
        (1, "198.51.100.7", "10.0.0.5", "198.51.100.7"),
        # Two proxies: the outermost appended the client, the inner one the outermost.
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.9", "10.0.0.5", "198.51.100.7"),
        # A header too short for the proxies configured, or not an address: REMOTE_ADDR.
        (2, "198.51.100.7", "10.0.0.5", "10.0.0.5"),
        (1, "", "10.0.0.5", "10.0.0.5"),
        (1, "1.2.3.4, not-an-address", "10.0.0.5", "10.0.0.5"),
        (1, "1.2.3.4, 198.51.100.7:4711", "10.0.0.5", "10.0.0.5"),
        # One IPv6 address spelt two ways is one client.
        (1, "2001:DB8:0:0::1", "10.0.0.5", "2001:db8::1"),
        (0, None, "garbage", None),
    ],
)
def test_the_client_is_the_address_the_outermost_trusted_proxy_appended(
    settings, proxies, forwarded, remote, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_with(forwarded=forwarded, remote=remote)) == expected


@pytest.mark.django_db
def test_rotating_the_first_forwarded_entry_does_not_escape_the_verification_limit(
    client, settings
):
    """nginx appends the address it saw to what the client sent: a client that writes
    a new first entry on every request is still the same client."""
    settings.BEHIND_TLS_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    client.defaults["REMOTE_ADDR"] = "10.0.0.5"  # the proxy
    seen_by_proxy = unique_ip()
    url = reverse("certificates:verify_form")
    for _ in range(10):
        client.post(
            url,
            {"serial": "SD2025999999", "name": "张三"},
            HTTP_X_FORWARDED_FOR=f"{unique_ip('100.64')}, {seen_by_proxy}",
        )
    response = client.post(
        url,
        {"serial": "SD2025999999", "name": "张三"},
        HTTP_X_FORWARDED_FOR=f"{unique_ip('100.64')}, {seen_by_proxy}",
    )
    assert response.status_code == 429
    assert "查询次数过多" in response.content.decode()
    # Another client behind the same proxy is not affected.
    response = client.post(
        url, {"serial": "SD2025999999", "name": "张三"}, HTTP_X_FORWARDED_FOR=unique_ip()
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_axes_records_a_failed_login_under_the_address_the_proxy_appended(client, settings, alice):
    settings.BEHIND_TLS_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    seen_by_proxy = unique_ip()
    client.post(
        reverse("portal:login"),
        {"username": alice.id_number, "password": "wrong-password"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {seen_by_proxy}",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [seen_by_proxy]


def test_deploy_check_warns_behind_a_proxy_that_is_not_trusted(settings):
    from portal.checks import check_trusted_proxy_count

    settings.BEHIND_TLS_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 0
    assert [w.id for w in check_trusted_proxy_count(None)] == ["portal.W101"]
    settings.TRUSTED_PROXY_COUNT = 1
    assert check_trusted_proxy_count(None) == []
