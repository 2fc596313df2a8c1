"""The bases on the public front page and their public pages (issue 16, item 8): level,
name, managing unit and contact, with their open trainings linked; nothing about any
trainee; a couple of queries."""

import datetime
from decimal import Decimal

from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bases.models import Trainee, Training
from bases.selectors import front_bases
from portal.models import Base
from tests.factories import AuthorityFactory, BaseFactory


def training(base, staff_user, title, status, ends_on):
    return Training.objects.create(
        base=base,
        title=title,
        category="professional",
        field="电子信息",
        starts_on=ends_on - datetime.timedelta(days=2),
        ends_on=ends_on,
        mode=Training.Mode.ONLINE,
        hours=Decimal("8"),
        capacity=20,
        status=status,
        proposed_by=staff_user,
    )


def test_the_front_page_lists_bases_and_their_open_trainings_only(
    client, frozen, base, base_staff, alice
):
    frozen(datetime.date(2025, 6, 1))
    by_authority = BaseFactory(
        name="国家级测试基地",
        level=Base.Level.NATIONAL,
        managing_city=None,
        managing_authority=AuthorityFactory(name="山东省工业和信息化厅"),
        contact="0531-99998888",
    )
    BaseFactory(name="已撤销的基地", status=Base.Status.REVOKED)
    open_one = training(base, base_staff, "开放的培训", "approved", datetime.date(2025, 6, 12))
    training(base, base_staff, "待审核的培训", "proposed", datetime.date(2025, 6, 12))
    training(base, base_staff, "已结束的培训", "approved", datetime.date(2025, 5, 1))
    training(by_authority, base_staff, "已结项的培训", "closed", datetime.date(2025, 5, 1))
    Trainee.objects.create(training=open_one, person=alice, via=Trainee.Via.SELF)

    with CaptureQueriesContext(connection) as queries:  # the section, drawn
        render_to_string("bases/_front_bases.html", {"section": front_bases()})
    assert len(queries) <= 2

    page = client.get(reverse("portal:home")).content.decode()
    section = page[page.index('data-testid="front-bases"') :]
    assert "国家级测试基地" in section and "山东省工业和信息化厅" in section
    assert "0531-99998888" in section and base.name in section
    assert reverse("bases:public_training", args=[open_one.pk]) in section
    for hidden in ("待审核的培训", "已结束的培训", "已结项的培训", "已撤销的基地"):
        assert hidden not in page
    assert alice.real_name not in page and alice.id_number not in page

    detail = client.get(reverse("bases:public_training", args=[open_one.pk])).content.decode()
    assert "开放的培训" in detail and alice.real_name not in detail
