"""No page sends the user off the portal on the say-so of a request: not the Referer
header of a certificate download whose PDF is not ready, not a `next` parameter."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue
from tests.certificates.conftest import YEAR, make_compliant

HOSTILE = [
    "https://phishing.example/login",
    "//phishing.example/login",
    "/\\phishing.example/login",
    "https:phishing.example",
    "javascript:alert(1)",
]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "hr_a", "province_hr"])
@pytest.mark.parametrize("referer", HOSTILE)
def test_a_pdf_not_ready_never_follows_the_referer(client, cast, who, referer):
    make_compliant(cast["alice"])
    certificate = certificate_issue(
        person=cast["alice"], year=YEAR, issued_by=cast["hr_a"], render=False
    )
    client.force_login(cast[who])
    response = client.get(
        reverse("certificates:pdf", kwargs={"pk": certificate.pk}), HTTP_REFERER=referer
    )
    assert response.status_code == 202
    assert "Location" not in response.headers
    page = response.content.decode()
    assert f"证书 {certificate.serial} 的PDF正在生成" in page
    assert "phishing.example" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("target", HOSTILE)
def test_issuing_one_certificate_never_follows_a_foreign_next(client, hr_a, alice, target):
    make_compliant(alice)
    client.force_login(hr_a)
    url = reverse("certificates:issue", kwargs={"person_pk": alice.pk})
    response = client.post(url, {"year": YEAR, "next": target})
    assert Certificate.objects.filter(person=alice).exists()
    assert response.url == f"{reverse('certificates:unit')}?year={YEAR}"


@pytest.mark.django_db
def test_issuing_one_certificate_returns_to_the_page_it_came_from(client, hr_a, alice):
    make_compliant(alice)
    client.force_login(hr_a)
    url = reverse("certificates:issue", kwargs={"person_pk": alice.pk})
    back = f"{reverse('certificates:unit')}?year={YEAR}&page=2"
    assert client.post(url, {"year": YEAR, "next": back}).url == back


@pytest.mark.django_db
def test_over_https_a_next_on_plain_http_is_not_followed(client, hr_a, alice):
    make_compliant(alice)
    client.force_login(hr_a)
    url = reverse("certificates:issue", kwargs={"person_pk": alice.pk})
    response = client.post(url, {"year": YEAR, "next": "http://testserver/credits/"}, secure=True)
    assert response.url == f"{reverse('certificates:unit')}?year={YEAR}"


@pytest.mark.django_db
@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_follows_a_foreign_next(client, alice, target):
    login = {"username": alice.id_number, "password": "Secret-pass-2025", "next": target}
    response = client.post(reverse("portal:login"), login)
    assert response.status_code == 302
    assert "phishing.example" not in response.url
    assert response.url == reverse("portal:home")


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["abc", "²", "-1", "portal:home", "credits/"])
def test_a_next_that_is_no_path_goes_back_to_the_unit_page(client, hr_a, alice, target):
    """Not a path of the site: never taken for a view's name (a 500 before)."""
    make_compliant(alice)
    client.force_login(hr_a)
    url = reverse("certificates:issue", kwargs={"person_pk": alice.pk})
    response = client.post(url, {"year": YEAR, "next": target})
    assert response.url == f"{reverse('certificates:unit')}?year={YEAR}"
    certificate = Certificate.objects.get(person=alice)
    response = client.post(url, {"year": YEAR, "next": target}, follow=True)  # refused now
    assert response.status_code == 200
    assert f"已持有{YEAR}年度有效证书" in response.content.decode()
    assert Certificate.objects.get(person=alice) == certificate
