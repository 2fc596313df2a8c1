"""/verify/ by serial and name: the name and the serial as people type them."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue
from tests.certificates.conftest import YEAR, make_compliant
from tests.factories import make_professional

VERIFY_FORM = reverse("certificates:verify_form")


def certificate_of(unit, real_name, hr):
    person = make_compliant(make_professional(unit, real_name=real_name))
    return certificate_issue(person=person, year=YEAR, issued_by=hr, render=False)


def verify_url(certificate):
    return reverse("certificates:verify", kwargs={"code": certificate.verification_code})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "typed"),
    [("李华", "李　华"), ("李华", "李 华"), ("阿依古丽·吐尔逊", "阿依古丽•吐尔逊")],
)
def test_the_name_typed_otherwise_finds_the_certificate(client, unit_a, hr_a, name, typed):
    certificate = certificate_of(unit_a, name, hr_a)
    response = client.post(VERIFY_FORM, {"serial": certificate.serial, "name": typed})
    assert response.status_code == 302
    assert response.url == verify_url(certificate)


@pytest.mark.django_db
def test_a_certificate_issued_before_names_were_normalised_is_found(client, unit_a, hr_a):
    certificate = certificate_of(unit_a, "李华", hr_a)
    Certificate.objects.filter(pk=certificate.pk).update(real_name="李　华")
    response = client.post(VERIFY_FORM, {"serial": certificate.serial, "name": "李华"})
    assert response.url == verify_url(certificate)


@pytest.mark.django_db
def test_a_full_width_serial_finds_the_certificate(client, unit_a, hr_a):
    certificate = certificate_of(unit_a, "李华", hr_a)
    serial = certificate.serial.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789SD"})
    response = client.post(VERIFY_FORM, {"serial": serial, "name": "李华"})
    assert response.url == verify_url(certificate)


@pytest.mark.django_db
def test_another_name_still_finds_nothing(client, unit_a, hr_a):
    certificate = certificate_of(unit_a, "李华", hr_a)
    page = client.post(VERIFY_FORM, {"serial": certificate.serial, "name": "李化"}).content
    assert "未找到与该证书编号和姓名相符的证书" in page.decode()
