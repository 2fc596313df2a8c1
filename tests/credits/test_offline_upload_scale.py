"""A full offline-hours file (MAX_ROWS rows) is checked in chunks and kept compactly.

The preview of a large file must not hold every parsed row, every person as a model
instance and every good row as a dict at once: rows are read and checked a chunk at
a time, people are looked up per chunk as plain values, and the good rows are kept
as tuples until they are stored. The memory bound is on Python's own allocations
(tracemalloc; calamine's Rust heap is not counted) and generous; what the page shows
and stores does not change.
"""

import datetime
import tracemalloc
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from credits import offline_upload
from credits.models import CreditEntry, OfflineUpload, Source
from credits.offline_upload import COLUMNS, MAX_ROWS, parse_offline_workbook
from credits.services import CreditRecord, credit_post_batch
from portal import scoping
from portal.models import Membership, ProfessionalProfile, ReviewStatus, Role, User
from portal.xlsx import XLSX_TYPE
from tests.factories import id_number_for, xlsx_bytes

PEOPLE = 100


@pytest.fixture
def staff(unit_a):
    people = User.objects.bulk_create(
        User(
            id_number=id_number_for(i, birth=datetime.date(1980, 1, 1) + datetime.timedelta(i)),
            real_name=f"职工{i}",
            password="!",
        )
        for i in range(PEOPLE)
    )
    ProfessionalProfile.objects.bulk_create(
        ProfessionalProfile(user=p, unit=unit_a, status=ReviewStatus.APPROVED) for p in people
    )
    Membership.objects.bulk_create(Membership(user=p, role=Role.PROFESSIONAL) for p in people)
    return people


def full_file(staff, rows=MAX_ROWS) -> bytes:
    return xlsx_bytes(
        COLUMNS,
        (
            [
                staff[i % PEOPLE].id_number,
                staff[i % PEOPLE].real_name,
                "专业科目",
                2.5,
                datetime.date(2025, 1, 1) + datetime.timedelta(i // PEOPLE),
                f"专题培训{i // PEOPLE}",
                f"K-{i}",
            ]
            for i in range(rows)
        ),
    )


def as_upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("线下学时.xlsx", content, content_type=XLSX_TYPE)


@pytest.mark.django_db
def test_a_full_file_is_previewed_within_a_bounded_memory(staff, unit_a, hr_a):
    upload = as_upload(full_file(staff))
    membership = Membership.objects.get(user=hr_a, role=Role.UNIT_HR)
    people = scoping.people_visible_to(membership)

    tracemalloc.start()
    try:
        parsed = parse_offline_workbook(upload, people=people, unit=unit_a, uploader=hr_a)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert parsed.errors == []
    assert len(parsed.rows) == MAX_ROWS
    # Holding all 5,000 rows at once as Row objects, the people as model instances
    # and the good rows as dicts took about 9 MB; chunks and tuples take about 4.5.
    assert peak < 6.5 * 2**20, f"peak {peak / 2**20:.1f} MB"
    assert parsed.records()[-1] == {
        "row": MAX_ROWS + 1,
        "person_id": staff[PEOPLE - 1].pk,
        "id_number": staff[PEOPLE - 1].id_number,
        "name": f"职工{PEOPLE - 1}",
        "category": "professional",
        "hours": "2.5",
        "date": (datetime.date(2025, 1, 1) + datetime.timedelta(49)).isoformat(),
        "content": "专题培训49",
        "key": f"K-{MAX_ROWS - 1}",
    }


@pytest.mark.django_db
def test_checks_across_chunks_are_the_same_as_in_one(staff, unit_a, hr_a, client, monkeypatch):
    """A repeated key or training, a stranger and a credited-before row are found
    whichever chunk they fall in."""
    monkeypatch.setattr(offline_upload, "CHUNK_ROWS", 2)
    client.force_login(hr_a)
    first, second = staff[0], staff[1]
    day = datetime.date(2025, 3, 18)

    def line(person, key, content="急救培训", name=None):
        return [person.id_number, name or person.real_name, "专业科目", 2, day, content, key]

    content = xlsx_bytes(COLUMNS, [line(first, "A-1"), line(second, "A-2")])
    client.post(reverse("credits:offline_upload"), {"file": as_upload(content)})
    client.post(reverse("credits:offline_preview", args=[OfflineUpload.objects.get().pk]))
    assert CreditEntry.objects.count() == 2

    rows = [
        line(second, "B-1", "安全培训"),
        line(first, "A-1"),  # credited before: the same record under the same key
        line(first, "B-2", "消防培训"),
        line(first, "B-3", "消防培训"),  # row 5: the same training as row 4
        line(second, "B-1", "另一培训"),  # row 6: the key of row 2
        [id_number_for(999), "外人", "专业科目", 2, day, "急救培训", "B-9"],
    ]
    response = client.post(
        reverse("credits:offline_upload"), {"file": as_upload(xlsx_bytes(COLUMNS, rows))}
    )
    text = response.content.decode()
    assert "第5行：与第4行是同一次培训（人员、日期、学时和内容相同），会被重复登记" in text
    assert "第6行「记录编号」：记录编号B-1与第2行重复" in text
    assert "第7行「身份证号」：本单位没有该身份证号的专业技术人员" in text
    assert OfflineUpload.objects.count() == 1

    good = xlsx_bytes(COLUMNS, rows[:3])
    response = client.post(
        reverse("credits:offline_upload"), {"file": as_upload(good)}, follow=True
    )
    stored = OfflineUpload.objects.latest("pk")
    assert [row["row"] for row in stored.rows] == [2, 3, 4]
    assert [row.get("credited_before", False) for row in stored.rows] == [False, True, False]
    assert response.content.decode().count("此前已登记") == 1


@pytest.mark.django_db
def test_a_training_in_the_ledger_is_found_with_one_query_per_chunk(
    staff, unit_a, hr_a, django_assert_max_num_queries
):
    """Row 2,347 (index 2,345: staff 45, the 24th day, 专题培训23) was credited from an
    earlier file under another key; it is found in its chunk without a query per row."""
    credit_post_batch(
        [
            CreditRecord(
                person_id=staff[45].pk,
                year=2025,
                category="professional",
                hours=Decimal("2.5"),
                source=Source.OFFLINE,
                source_ref=offline_upload.entry_ref(unit_a.pk, "旧-7"),
                description="专题培训23",
                occurred_on=datetime.date(2025, 1, 24),
            )
        ],
        recorded_by=hr_a,
        recorded_unit=unit_a,
    )
    upload = as_upload(full_file(staff))
    membership = Membership.objects.get(user=hr_a, role=Role.UNIT_HR)
    people = scoping.people_visible_to(membership)
    chunks = MAX_ROWS // offline_upload.CHUNK_ROWS

    # Per chunk: the people of the chunk and the unit's ledger; and the year rules.
    with django_assert_max_num_queries(2 * chunks + 2):
        parsed = parse_offline_workbook(upload, people=people, unit=unit_a, uploader=hr_a)

    today = timezone.localdate().isoformat()
    assert parsed.errors == [
        f"第2347行：该培训已于{today}登记（记录编号旧-7），不能以新编号重复登记"
    ]
