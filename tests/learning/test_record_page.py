"""A platform record's page shows the record as received field by field, under the
labels a person reads, never as a Python dict with English keys."""

import re

import pytest
from django.urls import reverse

from learning.models import PlatformRecord
from tests.learning.conftest import push, record


def received(page: str) -> list[tuple[str, str]]:
    block = page.split('data-testid="received">', 1)[1].split("</dl>", 1)[0]
    return re.findall(r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>", block, re.S)


@pytest.mark.django_db
def test_the_record_as_received_reads_in_chinese(client, province_hr, key, alice):
    client.force_login(province_hr)
    sent = record(alice, "p-17", remark="<b>补录</b>", scores=[90, 85])
    push(client, key, [sent])
    stored = PlatformRecord.objects.get()
    page = client.get(reverse("learning:record", kwargs={"pk": stored.pk})).content.decode()
    assert received(page) == [
        ("外部编号", "p-17"),
        ("身份证号", alice.id_number),
        ("姓名", "艾丽丝"),
        ("课程", "黄河流域生态保护和高质量发展"),
        ("学时", "6"),
        ("科目类别", "public"),
        ("完成时间", "2025-06-01T10:00:00+08:00"),
        ("remark", "&lt;b&gt;补录&lt;/b&gt;"),  # unknown keys under their own name, escaped
        ("scores", "[90, 85]"),
    ]
    assert "'external_id'" not in page and "{&#x27;" not in page
