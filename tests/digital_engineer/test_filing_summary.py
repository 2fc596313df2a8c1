"""The training summary an institution files is read by the institution, the city HR
of the class's city and provincial HR, on the class page and the filing board; by
nobody else."""

import pytest
from django.urls import reverse

from digital_engineer.models import RosterFiling
from digital_engineer.services import class_close, filing_decide, filing_submit
from tests.factories import InstitutionFactory, UserFactory, make_member, make_training_class

SUMMARY = "本期共培训学员1名，理论与实操均按计划完成。"


@pytest.fixture
def filing(institution, jinan, institution_staff):
    klass = make_training_class(institution, jinan)
    class_close(training_class=klass, closed_by=None)
    return filing_submit(
        filing=RosterFiling.objects.get(training_class=klass),
        summary=SUMMARY,
        submitted_by=institution_staff,
    )


def class_page(client, user, filing):
    client.force_login(user)
    return client.get(reverse("digital_engineer:class", kwargs={"pk": filing.training_class_id}))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["institution_staff", "jinan_hr", "province_hr"])
def test_the_institution_and_both_hr_levels_read_the_summary_on_the_class_page(
    client, cast, filing, who
):
    page = class_page(client, cast[who], filing).content.decode()
    assert "培训总结" in page and SUMMARY in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["jinan_hr", "province_hr"])
def test_city_and_provincial_hr_read_the_summary_on_the_filing_board(client, cast, filing, who):
    client.force_login(cast[who])
    assert SUMMARY in client.get(reverse("digital_engineer:board")).content.decode()


@pytest.mark.django_db
def test_a_returned_filing_keeps_its_summary_for_the_institution_to_correct(
    client, filing, institution_staff, jinan_hr
):
    filing_decide(filing=filing, acknowledge=False, reason="请补充实操情况", decided_by=jinan_hr)
    page = class_page(client, institution_staff, filing).content.decode()
    assert f"{SUMMARY}</textarea>" in page


@pytest.mark.django_db
def test_nobody_else_reads_the_summary(client, cast, filing, qingdao):
    for who in ("qingdao_hr", "alice", "hr_a", "health_admin"):
        response = class_page(client, cast[who], filing)
        assert response.status_code in (403, 404), who
        assert SUMMARY not in response.content.decode()
    client.force_login(cast["qingdao_hr"])
    assert SUMMARY not in client.get(reverse("digital_engineer:board")).content.decode()
    other_staff = make_member(
        "institution_staff", UserFactory(), institution=InstitutionFactory(city=qingdao)
    )
    response = class_page(client, other_staff, filing)
    assert response.status_code == 404 and SUMMARY not in response.content.decode()
