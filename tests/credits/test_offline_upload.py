"""Offline hours registered by unit HR from an Excel workbook, through the pages.

A workbook is all or nothing: one bad row refuses the file with row-by-row messages;
a good file waits on a preview page and credits nothing until HR confirms it; and
the same rows never count twice, however often they are uploaded or confirmed.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from credits.models import Category, CreditEntry, OfflineUpload, PersonYearTotal, Source
from credits.offline_upload import COLUMNS, TEMPLATE_EXAMPLE
from credits.selectors import year_status
from portal.models import AuditLog
from portal.xlsx import XLSX_TYPE
from tests.factories import id_number_for, make_professional, xlsx_bytes

UPLOAD_URL = reverse("credits:offline_upload")


def workbook_bytes(rows, header=COLUMNS) -> bytes:
    return xlsx_bytes(header, rows)


def as_file(content: bytes, name="线下学时2025.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_TYPE)


def row(
    person,
    category="专业科目",
    hours=6,
    day=datetime.date(2025, 3, 18),
    content="医院感染防控专题培训",
    key="2025-001",
    name=None,
):
    return [person.id_number, name or person.real_name, category, hours, day, content, key]


def upload(client, content: bytes, name="线下学时2025.xlsx", follow=False):
    return client.post(UPLOAD_URL, {"file": as_file(content, name)}, follow=follow)


def confirm(client, stored, follow=True):
    return client.post(reverse("credits:offline_preview", args=[stored.pk]), follow=follow)


def offline(person, year, category, hours, content, day):
    """A credited entry as (person, year, category, hours, source, content, date)."""
    return (person.pk, year, category, Decimal(hours), Source.OFFLINE, content, day)


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def colleague(unit_a):
    return make_professional(unit_a, real_name="陈晓明")


@pytest.fixture
def hr_client(client, hr_a):
    client.force_login(hr_a)
    return client


@pytest.fixture
def good_rows(alice, colleague):
    return [
        row(alice, "专业科目", 6, datetime.date(2025, 3, 18), "医院感染防控专题培训", "2025-001"),
        row(alice, "公需科目", 3.5, datetime.date(2025, 4, 2), "职业道德专题讲座", "2025-002"),
        row(colleague, "专业", 8, datetime.date(2024, 11, 5), "急诊急救技能培训", "2025-003"),
    ]


def assert_nothing_written():
    assert not OfflineUpload.objects.exists()
    assert not CreditEntry.objects.exists()
    assert not PersonYearTotal.objects.exists()


@pytest.mark.django_db
class TestTemplate:
    def test_template_is_a_workbook_whose_header_row_is_the_columns(self, hr_client):
        response = hr_client.get(reverse("credits:offline_template"))
        assert response.status_code == 200
        assert response["Content-Type"] == XLSX_TYPE
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == COLUMNS
        assert list(rows[1]) == TEMPLATE_EXAMPLE


@pytest.mark.django_db
class TestGoodFile:
    def test_good_file_is_previewed_and_credits_nothing_yet(self, hr_client, good_rows):
        response = upload(hr_client, workbook_bytes(good_rows))

        stored = OfflineUpload.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("credits:offline_preview", args=[stored.pk])
        preview = page(hr_client.get(response["Location"]))
        assert "共3行已通过校验，请核对后确认登记。" in preview
        assert "确认登记" in preview
        for text in ["艾丽丝", "陈晓明", "医院感染防控专题培训", "职业道德专题讲座"]:
            assert text in preview
        assert '<td class="text-end">3.5</td>' in preview
        assert "2024-11-05" in preview
        assert CreditEntry.objects.count() == 0
        assert not PersonYearTotal.objects.exists()

    def test_confirming_credits_every_row_as_offline_hours(
        self, hr_client, hr_a, unit_a, alice, colleague, good_rows
    ):
        upload(hr_client, workbook_bytes(good_rows))
        response = confirm(hr_client, OfflineUpload.objects.get())

        assert "已登记3条；0条此前已登记，未重复计入。" in page(response)
        assert "已确认：登记3条；0条此前已登记。" in page(response)
        entries = {
            (e.person_id, e.year, e.category, e.hours, e.source, e.description, e.occurred_on)
            for e in CreditEntry.objects.all()
        }
        d = datetime.date
        assert entries == {
            offline(alice, 2025, Category.PROFESSIONAL, 6, "医院感染防控专题培训", d(2025, 3, 18)),
            offline(alice, 2025, Category.PUBLIC, "3.5", "职业道德专题讲座", d(2025, 4, 2)),
            offline(colleague, 2024, Category.PROFESSIONAL, 8, "急诊急救技能培训", d(2024, 11, 5)),
        }
        assert {(e.recorded_unit, e.recorded_by) for e in CreditEntry.objects.all()} == {
            (unit_a, hr_a)
        }
        alice_2025 = year_status(alice, 2025)
        assert (alice_2025.public, alice_2025.professional) == (Decimal("3.5"), Decimal(6))
        assert year_status(colleague, 2024).professional == Decimal(8)
        assert year_status(colleague, 2025).professional == Decimal(0)

    def test_uploading_the_same_file_again_credits_nothing_new(self, hr_client, alice, good_rows):
        content = workbook_bytes(good_rows)
        upload(hr_client, content)
        confirm(hr_client, OfflineUpload.objects.get())

        second = upload(hr_client, content)
        assert second.status_code == 302
        again = OfflineUpload.objects.exclude(status=OfflineUpload.Status.CONFIRMED).get()
        response = confirm(hr_client, again)

        assert "已登记0条；3条此前已登记，未重复计入。" in page(response)
        assert CreditEntry.objects.count() == 3
        assert year_status(alice, 2025).professional == Decimal(6)

    def test_confirming_the_same_upload_twice_credits_once(self, hr_client, alice, good_rows):
        upload(hr_client, workbook_bytes(good_rows))
        stored = OfflineUpload.objects.get()
        confirm(hr_client, stored)
        confirm(hr_client, stored)

        assert CreditEntry.objects.count() == 3
        assert year_status(alice, 2025).public == Decimal("3.5")
        assert year_status(alice, 2025).professional == Decimal(6)


def wrong_superscript(person) -> str:
    """A superscript digit that NFKC reads as a digit other than `person`'s check
    digit (the factory's ID numbers end in any of 0-9 and X)."""
    return "³" if person.id_number.endswith("2") else "²"


BAD_ROWS = [
    pytest.param(
        lambda alice, bob: [id_number_for(999, area="370203"), *row(alice, key="k")[1:]],
        "「身份证号」：本单位没有该身份证号的专业技术人员",
        id="unknown-id-number",
    ),
    pytest.param(
        lambda alice, bob: [
            alice.id_number[:17] + ("1" if alice.id_number[17] == "0" else "0"),
            *row(alice, key="k")[1:],
        ],
        "「身份证号」：身份证号校验位不正确",
        id="wrong-check-digit",
    ),
    pytest.param(
        lambda alice, bob: row(alice, key="k", name="王五"),
        "「姓名」：姓名与身份证号不符",
        id="name-does-not-match",
    ),
    pytest.param(
        lambda alice, bob: row(bob, key="k"),
        "「身份证号」：本单位没有该身份证号的专业技术人员",
        id="professional-of-another-unit",
    ),
    pytest.param(
        lambda alice, bob: row(alice, hours=0, key="k"), "「学时」：学时须大于零", id="hours-0"
    ),
    pytest.param(
        lambda alice, bob: row(alice, hours=-2, key="k"),
        "「学时」：学时须大于零",
        id="hours-negative",
    ),
    pytest.param(
        lambda alice, bob: row(alice, hours=1.25, key="k"),
        "「学时」：学时最多保留一位小数",
        id="hours-two-decimals",
    ),
    pytest.param(
        lambda alice, bob: row(alice, hours=150, key="k"),
        "「学时」：单行学时超过100",
        id="hours-150",
    ),
    pytest.param(
        lambda alice, bob: row(alice, hours="六", key="k"),
        "「学时」：填写的是“六”，应为学时数，如2或1.5",
        id="hours-not-a-number",
    ),
    pytest.param(
        lambda alice, bob: row(
            alice, day=timezone.localdate() + datetime.timedelta(days=1), key="k"
        ),
        "「日期」：日期晚于今天",
        id="date-in-the-future",
    ),
    pytest.param(
        lambda alice, bob: row(alice, day=datetime.date(2019, 5, 6), key="k"),
        "「日期」：2019年度尚无学时要求",
        id="year-without-rule",
    ),
    pytest.param(
        lambda alice, bob: row(alice, day="去年三月", key="k"),
        "「日期」：填写的是“去年三月”，应为日期，如2025-03-18",
        id="date-unreadable",
    ),
    pytest.param(
        lambda alice, bob: row(alice, category="选修课", key="k"),
        "「科目类别」：填写的是“选修课”，应为“公需”",
        id="bad-category",
    ),
    pytest.param(
        lambda alice, bob: row(alice, key="2025-001"),
        "「记录编号」：记录编号2025-001与第2行重复",
        id="duplicate-row-key",
    ),
    pytest.param(
        lambda alice, bob: row(alice, content="  ", key="k"),
        "「培训内容」：单元格为空",
        id="empty-content",
    ),
    pytest.param(
        lambda alice, bob: row(alice, hours=1e30, key="k"),
        "「学时」：单条记录学时不得超过",
        id="hours-1e30",
    ),
    pytest.param(
        lambda alice, bob: [
            alice.id_number[:-1] + wrong_superscript(alice),
            *row(alice, key="k")[1:],
        ],
        # NFKC reads the superscript as its digit, which is not alice's check digit.
        "「身份证号」：身份证号校验位不正确",
        id="superscript-digit-in-id",
    ),
    pytest.param(
        lambda alice, bob: row(alice, key="k" * 101),
        "「记录编号」：超过100个字符（现有101个）",
        id="row-key-too-long",
    ),
    pytest.param(
        lambda alice, bob: row(alice, content="培" * 201, key="k"),
        "「培训内容」：超过200个字符（现有201个）",
        id="content-too-long",
    ),
]


@pytest.mark.django_db
class TestBadFile:
    def test_one_bad_row_among_good_ones_refuses_the_whole_file(self, hr_client, alice, colleague):
        rows = [
            row(alice, key="a-1"),
            row(colleague, key="a-2", name="陈晓"),
            row(colleague, key="a-3", content="急诊急救技能培训"),
        ]
        response = upload(hr_client, workbook_bytes(rows))

        assert response.status_code == 200
        text = page(response)
        assert "文件未被接受：有1行存在问题，未做任何登记。" in text
        assert "第3行「姓名」：姓名与身份证号不符" in text
        assert "<li>第2行" not in text
        assert "<li>第4行" not in text
        assert_nothing_written()

    @pytest.mark.parametrize(("make_bad_row", "message"), BAD_ROWS)
    def test_each_kind_of_bad_row_is_named_with_its_problem(
        self, hr_client, alice, bob, make_bad_row, message
    ):
        rows = [row(alice, key="2025-001"), make_bad_row(alice, bob)]
        response = upload(hr_client, workbook_bytes(rows))

        assert response.status_code == 200
        assert f"第3行{message}" in page(response)
        assert "<li>第2行" not in page(response)
        assert_nothing_written()

    def test_several_bad_rows_are_all_listed(self, hr_client, alice, bob):
        rows = [row(bob, key="b-1"), row(alice, hours=0, key="b-2"), row(alice, key="b-3")]
        text = page(upload(hr_client, workbook_bytes(rows)))

        assert "文件未被接受：有2行存在问题，未做任何登记。" in text
        assert "第2行「身份证号」：本单位没有该身份证号的专业技术人员" in text
        assert "第3行「学时」：学时须大于零" in text
        assert_nothing_written()

    def test_columns_in_another_order_are_taken_by_their_headers(self, hr_client, alice):
        header = ["姓名", "身份证号", *COLUMNS[2:]]
        rows = [[alice.real_name, alice.id_number, *row(alice)[2:]]]
        response = upload(hr_client, workbook_bytes(rows, header=header))

        stored = OfflineUpload.objects.get()
        assert response.status_code == 302
        assert stored.rows[0]["id_number"] == alice.id_number

    def test_a_missing_column_is_named(self, hr_client, alice):
        header = [c for c in COLUMNS if c != "学时"]
        rows = [[v for c, v in zip(COLUMNS, row(alice), strict=True) if c != "学时"]]
        response = upload(hr_client, workbook_bytes(rows, header=header))

        columns = "身份证号、姓名、科目类别、学时、日期、培训内容、记录编号"
        assert f"第1行是表头，但缺少列：学时；列应为：{columns}。请使用模板填写。" in page(response)
        assert_nothing_written()

    def test_file_with_only_the_header_is_refused(self, hr_client):
        response = upload(hr_client, workbook_bytes([]))

        assert "文件中没有数据行。" in page(response)
        assert_nothing_written()

    def test_pdf_named_xlsx_is_refused(self, hr_client):
        pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
        response = upload(hr_client, pdf, name="线下学时.xlsx")

        assert response.status_code == 200
        assert "该文件不是Excel工作簿（.xlsx、.xls）或CSV文件。" in page(response)
        assert_nothing_written()

    def test_damaged_workbook_is_refused_with_a_message(self, hr_client, alice):
        content = workbook_bytes([row(alice)])
        response = upload(hr_client, content[: len(content) // 2])

        assert response.status_code == 200
        assert "无法读取该Excel文件。" in page(response)
        assert_nothing_written()


@pytest.mark.django_db
class TestAccess:
    def test_hr_of_other_unit_gets_404_for_the_preview(self, client, hr_a, hr_b, good_rows):
        client.force_login(hr_a)
        upload(client, workbook_bytes(good_rows))
        stored = OfflineUpload.objects.get()

        client.force_login(hr_b)
        url = reverse("credits:offline_preview", args=[stored.pk])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert not CreditEntry.objects.exists()
        assert "线下学时2025.xlsx" not in page(client.get(UPLOAD_URL))

    def test_professional_gets_403_on_the_upload_pages(self, client, alice):
        client.force_login(alice)

        assert client.get(UPLOAD_URL).status_code == 403
        assert client.get(reverse("credits:offline_template")).status_code == 403
        content = workbook_bytes([row(alice)])
        assert upload(client, content).status_code == 403
        assert_nothing_written()


class TestRowKeysAndPeople:
    def test_hr_cannot_register_hours_for_herself(self, client, alice, unit_a):
        from portal.models import Membership, Role

        Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)
        client.force_login(alice)
        hr = Membership.objects.get(user=alice, role=Role.UNIT_HR)
        client.post(reverse("portal:role_switch"), {"membership": hr.pk})
        response = upload(client, workbook_bytes([row(alice)]))
        assert "不能为本人登记学时" in page(response)
        assert_nothing_written()

    def test_a_row_key_reused_for_another_record_is_refused(self, hr_client, alice, colleague):
        upload(hr_client, workbook_bytes([row(alice, key="1")]))
        confirm(hr_client, OfflineUpload.objects.get())
        response = upload(hr_client, workbook_bytes([row(colleague, key="1")]))
        assert "记录编号1此前已用于另一条记录" in page(response)
        assert CreditEntry.objects.count() == 1
        assert year_status(colleague, 2025).professional == 0

    def test_rows_credited_before_are_marked_in_the_preview(self, hr_client, alice, colleague):
        upload(hr_client, workbook_bytes([row(alice, key="1")]))
        confirm(hr_client, OfflineUpload.objects.get())
        response = upload(
            hr_client, workbook_bytes([row(alice, key="1"), row(colleague, key="2")]), follow=True
        )
        assert page(response).count("此前已登记") == 1

    def test_person_who_left_the_unit_stops_the_confirmation(
        self, hr_client, alice, colleague, unit_b
    ):
        from portal.models import ProfessionalProfile

        upload(hr_client, workbook_bytes([row(alice, key="1"), row(colleague, key="2")]))
        ProfessionalProfile.objects.filter(user=colleague).update(unit=unit_b)
        response = confirm(hr_client, OfflineUpload.objects.get())
        assert "已不是本单位的专业技术人员" in page(response)
        assert not CreditEntry.objects.exists()


class TestHostileFiles:
    def test_a_sheet_claiming_a_million_rows_is_cut_off(self, hr_client, alice):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(COLUMNS)
        sheet.append(row(alice))
        sheet.cell(row=1_048_576, column=16_384, value="x")
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = upload(hr_client, buffer.getvalue())
        assert "工作表在远离数据的单元格XFD1048576处仍有内容" in page(response)
        assert_nothing_written()

    def test_a_workbook_with_a_broken_sheet_is_refused(self, hr_client, alice):
        import zipfile

        source = io.BytesIO(workbook_bytes([row(alice)]))
        broken = io.BytesIO()
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(broken, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data[: len(data) // 2]
                zout.writestr(item, data)
        response = upload(hr_client, broken.getvalue())
        assert response.status_code == 200
        assert "无法读取该Excel文件" in page(response)
        assert_nothing_written()


@pytest.mark.django_db
class TestSameTrainingUnderANewKey:
    """A training credited from an earlier file is refused under a new row key; the
    same file uploaded again is not (its rows show as credited before)."""

    def registered(self, hr_client, rows):
        upload(hr_client, workbook_bytes(rows))
        confirm(hr_client, OfflineUpload.objects.latest("pk"))

    def test_a_later_file_with_the_same_training_under_a_new_key_is_refused(
        self, hr_client, alice, colleague
    ):
        self.registered(hr_client, [row(alice, key="2025-001")])

        response = upload(
            hr_client, workbook_bytes([row(colleague, key="2025-101"), row(alice, key="2025-102")])
        )

        assert response.status_code == 200
        today = timezone.localdate().isoformat()
        assert f"第3行：该培训已于{today}登记（记录编号2025-001），不能以新编号重复登记" in page(
            response
        )
        assert "<li>第2行" not in page(response)
        assert OfflineUpload.objects.count() == 1
        assert CreditEntry.objects.count() == 1
        assert year_status(alice, 2025).professional == Decimal(6)

    def test_another_date_hours_content_or_person_is_another_training(
        self, hr_client, alice, colleague
    ):
        self.registered(hr_client, [row(alice, key="1")])
        rows = [
            row(alice, key="2", day=datetime.date(2025, 3, 19)),
            row(alice, key="3", hours=4),
            row(alice, key="4", content="医院感染防控专题培训（二）"),
            row(colleague, key="5"),
        ]
        response = upload(hr_client, workbook_bytes(rows), follow=True)
        assert "不能以新编号重复登记" not in page(response)
        confirm(hr_client, OfflineUpload.objects.latest("pk"))
        assert CreditEntry.objects.count() == 5

    def test_the_same_file_uploaded_again_shows_its_rows_as_credited_before(
        self, hr_client, alice, colleague, good_rows
    ):
        self.registered(hr_client, good_rows)
        response = upload(hr_client, workbook_bytes(good_rows), follow=True)
        assert "不能以新编号重复登记" not in page(response)
        assert page(response).count("此前已登记") == 3

    def test_a_reversed_training_may_be_registered_again_under_a_new_key(
        self, hr_client, hr_a, alice
    ):
        from credits.services import credit_reverse

        self.registered(hr_client, [row(alice, key="1", category="公需科目")])
        credit_reverse(entry=CreditEntry.objects.get(), reason="类别填错", reversed_by=hr_a)

        upload(hr_client, workbook_bytes([row(alice, key="2", category="专业科目")]))
        confirm(hr_client, OfflineUpload.objects.latest("pk"))
        alice_2025 = year_status(alice, 2025)
        assert (alice_2025.public, alice_2025.professional) == (0, Decimal(6))

    def test_two_previews_of_one_training_cannot_both_be_confirmed(self, hr_client, alice):
        upload(hr_client, workbook_bytes([row(alice, key="1")]))
        upload(hr_client, workbook_bytes([row(alice, key="2")]))
        first, second = OfflineUpload.objects.order_by("pk")
        confirm(hr_client, first)

        response = confirm(hr_client, second)

        today = timezone.localdate().isoformat()
        assert (
            f"第2行：该培训已于{today}登记（记录编号1），不能以新编号重复登记。"
            "未做任何登记，请修改文件后重新上传。" in page(response)
        )
        assert CreditEntry.objects.count() == 1
        second.refresh_from_db()
        assert second.status != OfflineUpload.Status.CONFIRMED
        assert year_status(alice, 2025).professional == Decimal(6)


@pytest.mark.django_db
def test_a_second_confirmation_is_refused_and_credits_nothing(hr_client, alice):
    upload(hr_client, workbook_bytes([row(alice, key="1")]))
    stored = OfflineUpload.objects.get()
    confirm(hr_client, stored)
    response = confirm(hr_client, stored)
    assert "该文件此前已确认登记，未重复计入学时。" in page(response)
    assert CreditEntry.objects.count() == 1
    assert AuditLog.objects.filter(action="credits.offline_upload.confirmed").count() == 1
