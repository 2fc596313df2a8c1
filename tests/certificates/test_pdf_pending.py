"""A certificate whose PDF the worker has not stored yet: its download says so on a page
of the portal's own, and never sends the user where the Referer header points."""

import pytest
from django.urls import reverse

from certificates.services import certificate_issue
from tests.certificates.conftest import YEAR, make_compliant


@pytest.mark.django_db
def test_an_annual_certificate_being_rendered_says_so_without_following_the_referer(
    client, alice, hr_a
):
    make_compliant(alice)
    certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    client.force_login(alice)
    response = client.get(
        reverse("certificates:pdf", kwargs={"pk": certificate.pk}),
        HTTP_REFERER="https://phishing.example/login",
    )
    assert response.status_code == 202
    page = response.content.decode()
    assert f"证书 {certificate.serial} 的PDF正在生成" in page
    assert "phishing.example" not in page


@pytest.mark.django_db
def test_a_certificate_whose_file_is_not_in_storage_says_it_is_being_prepared(client, alice, hr_a):
    from certificates.models import Certificate

    make_compliant(alice)
    certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    # Its checksum recorded, its file not (yet) in storage: never a 500 or an empty file.
    Certificate.objects.filter(pk=certificate.pk).update(
        pdf=f"certificates/{certificate.serial}.pdf", pdf_sha256="0" * 64
    )
    client.force_login(alice)
    response = client.get(reverse("certificates:pdf", kwargs={"pk": certificate.pk}))
    assert response.status_code == 202
    assert f"证书 {certificate.serial} 的PDF正在生成" in response.content.decode()
