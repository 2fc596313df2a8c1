"""The five uploads take files as Excel, WPS and people really write them.

Each upload is driven through its page by a small driver that knows the upload's
columns, how to post a file and how to tell that the file was taken; the same input
kinds then run through every upload that takes them.
"""

import csv
import datetime
import io

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from credits.models import CreditEntry, OfflineUpload
from digital_engineer.models import TrainingClass
from learning.models import Attendance, ImportJob, OfflineSession, Platform
from tests.factories import make_professional

ID_AS_NUMBER = "Excel 把身份证号存成了数字，末几位已丢失；请把该列设为文本后重新填写。"
TITLE = "2025年度××单位专业技术人员线下培训学时登记表"


# -- files -----------------------------------------------------------------------------


def xlsx(header, rows, *, title=False, styled_far_below=False, number_format=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([TITLE])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    if styled_far_below:
        sheet.cell(row=100_000, column=2).font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls(header, rows) -> bytes:
    """A real legacy .xls (BIFF8), as Excel 2003 and WPS "Excel 97-2003" save it."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(header, rows, encoding) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return text.getvalue().encode(encoding)


FILE_KINDS = {
    "xlsx": lambda h, r: ("名单.xlsx", xlsx(h, r)),
    "xls": lambda h, r: ("名单.xls", xls(h, r)),
    "csv-utf8": lambda h, r: ("名单.csv", csv_bytes(h, r, "utf-8")),
    "csv-bom": lambda h, r: ("名单.csv", csv_bytes(h, r, "utf-8-sig")),
    "csv-gbk": lambda h, r: ("名单.csv", csv_bytes(h, r, "gbk")),
    "csv-gb18030": lambda h, r: ("名单.csv", csv_bytes(h, r, "gb18030")),
}


# -- the five uploads --------------------------------------------------------------------


class Driver:
    """One upload: its columns, a good row for a person, posting, and the verdict."""

    name = ""
    dates = False  # takes a date column
    headers: list[str] = []

    def __init__(self, client, request):
        self.client = client
        self.request = request

    def row(self, person, **values) -> list:
        cells = {**self.values(person), **values}
        return [cells[h] for h in self.headers]

    def upload(self, name, content):
        return self.client.post(self.url, {"file": SimpleUploadedFile(name, content)}, **self.kw)

    kw: dict = {}


class Offline(Driver):
    name = "offline"
    dates = True
    headers = ["身份证号", "姓名", "科目类别", "学时", "日期", "培训内容", "记录编号"]
    url = reverse("credits:offline_upload")

    def setup(self):
        self.client.force_login(self.request.getfixturevalue("hr_a"))
        return self.request.getfixturevalue("unit_a")

    def values(self, person):
        return {
            "身份证号": person.id_number,
            "姓名": person.real_name,
            "科目类别": "专业科目",
            "学时": 6,
            "日期": "2025-03-18",
            "培训内容": "医院感染防控专题培训",
            "记录编号": "2025-001",
        }

    def taken(self, response, person) -> bool:
        stored = OfflineUpload.objects.filter(rows__0__person_id=person.pk).first()
        return response.status_code == 302 and stored is not None

    def taken_date(self):
        return OfflineUpload.objects.get().rows[0]["date"]

    def text(self, response) -> str:
        return response.content.decode()

    def nothing_written(self) -> bool:
        return not OfflineUpload.objects.exists() and not CreditEntry.objects.exists()


class Eligibility(Driver):
    name = "eligibility"
    headers = ["身份证号", "起始年度", "截止年度"]
    url = reverse("credits:eligibility_bulk")

    def setup(self):
        self.client.force_login(self.request.getfixturevalue("hr_a"))
        return self.request.getfixturevalue("unit_a")

    def values(self, person):
        return {"身份证号": person.id_number, "起始年度": 2022, "截止年度": 2024}

    def _result(self, response):
        if not response["Content-Type"].startswith("application/vnd.openxml"):
            return None
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        return list(sheet.iter_rows(values_only=True))

    def taken(self, response, person) -> bool:
        rows = self._result(response)
        return bool(rows) and rows[1][1] == person.real_name and rows[1][4] != "未核验"

    def text(self, response) -> str:
        rows = self._result(response)
        return str(rows) if rows is not None else response.content.decode()

    def nothing_written(self) -> bool:
        return True


class Attendance_(Driver):
    name = "attendance"
    headers = ["身份证号", "姓名"]

    def setup(self):
        self.client.force_login(self.request.getfixturevalue("hr_a"))
        self.client.post(
            reverse("learning:sessions"),
            {
                "title": "院感防控培训",
                "category": "professional",
                "hours": "6",
                "held_on": "2025-04-10",
                "place": "学术报告厅",
            },
        )
        self.url = reverse("learning:session", args=[OfflineSession.objects.get().pk])
        return self.request.getfixturevalue("unit_a")

    def values(self, person):
        return {"身份证号": person.id_number, "姓名": person.real_name}

    def taken(self, response, person) -> bool:
        return Attendance.objects.filter(person=person).exists()

    def text(self, response) -> str:
        return response.content.decode()

    def nothing_written(self) -> bool:
        return not Attendance.objects.exists()


class Records(Driver):
    name = "hours-and-scores"
    headers = ["身份证号", "理论学时", "实操学时", "理论成绩", "实操成绩", "姓名"]
    kw = {"follow": True}

    def setup(self):
        from digital_engineer.models import Approval, InstitutionState

        institution = self.request.getfixturevalue("institution")
        InstitutionState.objects.create(institution=institution, status="listed")
        Approval.objects.create(institution=institution, direction="ai", level="junior")
        self.client.force_login(self.request.getfixturevalue("institution_staff"))
        from tests.digital_engineer.test_pages import CLASS

        jinan = self.request.getfixturevalue("jinan")
        self.client.post(reverse("digital_engineer:classes"), {**CLASS, "city": jinan.pk})
        self.klass = TrainingClass.objects.get()
        self.url = reverse(
            "digital_engineer:class_action", kwargs={"pk": self.klass.pk, "action": "upload"}
        )
        return self.request.getfixturevalue("unit_a")

    def enrol(self, person):
        url = reverse(
            "digital_engineer:class_action", kwargs={"pk": self.klass.pk, "action": "enrol"}
        )
        self.client.post(url, {"id_number": person.id_number, "real_name": person.real_name})

    def values(self, person):
        return {
            "身份证号": person.id_number,
            "理论学时": 64,
            "实操学时": 64,
            "理论成绩": 85,
            "实操成绩": 90,
            "姓名": person.real_name,
        }

    def taken(self, response, person) -> bool:
        return self.klass.trainees.filter(person=person, theory_score=85).exists()

    def text(self, response) -> str:
        return response.content.decode()

    def nothing_written(self) -> bool:
        return not self.klass.trainees.filter(theory_score__isnull=False).exists()


class PlatformImport(Driver):
    name = "platform-import"
    dates = True
    headers = ["记录编号", "身份证号", "姓名", "课程名称", "学时", "科目类别", "完成时间"]
    url = reverse("learning:import_upload")

    def setup(self):
        self.client.force_login(self.request.getfixturevalue("province_hr"))
        self.platform = Platform.objects.get(code="sdou")
        return self.request.getfixturevalue("unit_a")

    def upload(self, name, content):
        return self.client.post(
            self.url,
            {"platform": self.platform.pk, "file": SimpleUploadedFile(name, content)},
            follow=True,
        )

    def values(self, person):
        return {
            "记录编号": "P-1",
            "身份证号": person.id_number,
            "姓名": person.real_name,
            "课程名称": "黄河流域生态保护和高质量发展",
            "学时": 6,
            "科目类别": "公需科目",
            "完成时间": "2025-03-18",
        }

    def taken(self, response, person) -> bool:
        job = ImportJob.objects.first()
        return job is not None and job.preview["new"] == 1

    def text(self, response) -> str:
        return response.content.decode()

    def nothing_written(self) -> bool:
        return not ImportJob.objects.exists()


DRIVERS = [Offline, Eligibility, Attendance_, Records, PlatformImport]
DATED = [d for d in DRIVERS if d.dates]


@pytest.fixture
def make(client, request):
    def make(driver_class, *people_names):
        driver = driver_class(client, request)
        unit = driver.setup()
        people = [make_professional(unit, real_name=name) for name in people_names]
        if isinstance(driver, Records):
            for person in people:
                driver.enrol(person)
        return driver, people

    return make


# -- input kinds ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(FILE_KINDS))
@pytest.mark.parametrize("driver_class", DRIVERS, ids=lambda d: d.name)
def test_every_upload_takes_every_file_kind(make, driver_class, kind):
    # 刘䶮: 䶮 is in GB18030 but not in GBK; the GBK file gets a name GBK can write.
    name = "刘䶮" if kind != "csv-gbk" else "刘华"
    driver, (person,) = make(driver_class, name)
    file_name, content = FILE_KINDS[kind](driver.headers, [driver.row(person)])

    response = driver.upload(file_name, content)

    assert driver.taken(response, person), driver.text(response)[:3000]


@pytest.mark.django_db
@pytest.mark.parametrize("driver_class", DRIVERS, ids=lambda d: d.name)
def test_a_title_row_above_the_header_and_a_styled_cell_far_below_are_fine(make, driver_class):
    driver, (person,) = make(driver_class, "李华")
    content = xlsx(driver.headers, [driver.row(person)], title=True, styled_far_below=True)

    response = driver.upload("名单.xlsx", content)

    assert driver.taken(response, person), driver.text(response)[:3000]


@pytest.mark.django_db
@pytest.mark.parametrize("driver_class", DRIVERS, ids=lambda d: d.name)
def test_a_full_width_id_number_is_read(make, driver_class):
    driver, (person,) = make(driver_class, "李华")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in person.id_number)
    content = xlsx(driver.headers, [driver.row(person, 身份证号=f" {full_width}\u200b")])

    response = driver.upload("名单.xlsx", content)

    assert driver.taken(response, person), driver.text(response)[:3000]


@pytest.mark.django_db
@pytest.mark.parametrize("driver_class", DRIVERS, ids=lambda d: d.name)
def test_an_id_number_excel_stored_as_a_number_is_reported_as_such(make, driver_class):
    driver, (person,) = make(driver_class, "李华")
    content = xlsx(driver.headers, [driver.row(person, 身份证号=float(person.id_number[:17]))])

    response = driver.upload("名单.xlsx", content)

    text = driver.text(response)
    assert f"第2行「身份证号」：{ID_AS_NUMBER}" in text
    assert "当前为" not in text
    assert driver.nothing_written()


DATE_SPELLINGS = [
    ("2025-03-18", "2025-03-18"),
    ("2025/3/18", "2025-03-18"),
    ("2025-3-18", "2025-03-18"),
    ("2025.3.18", "2025-03-18"),
    ("2025年3月18日", "2025-03-18"),
    ("2025/5/6 10:00", "2025-05-06"),
    (datetime.date(2025, 3, 18), "2025-03-18"),
    (datetime.datetime(2025, 3, 18, 9, 30), "2025-03-18"),
    (45734, "2025-03-18"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("written", "day"), DATE_SPELLINGS, ids=[str(w) for w, _ in DATE_SPELLINGS]
)
@pytest.mark.parametrize("driver_class", DATED, ids=lambda d: d.name)
def test_each_date_spelling_is_read(make, driver_class, written, day):
    driver, (person,) = make(driver_class, "李华")
    column = "日期" if driver_class is Offline else "完成时间"
    content = xlsx(driver.headers, [driver.row(person, **{column: written})])

    response = driver.upload("名单.xlsx", content)

    assert driver.taken(response, person), driver.text(response)[:3000]
    if driver_class is Offline:
        assert driver.taken_date() == day


@pytest.mark.django_db
def test_a_wrong_row_names_the_excel_row_and_column_and_nothing_is_written(make):
    driver, (person, other) = make(Offline, "李华", "王芳")
    rows = [driver.row(person), driver.row(other, 学时="六学时", 记录编号="2025-002")]
    content = xlsx(driver.headers, rows, title=True)

    text = driver.text(driver.upload("名单.xlsx", content))

    # A title row, then the header: the bad row is the fourth as Excel shows it.
    assert "第4行「学时」：填写的是“六学时”，应为学时数，如2或1.5" in text
    assert driver.nothing_written()


@pytest.mark.django_db
def test_hours_as_people_write_them(make):
    driver, (person,) = make(Offline, "李华")
    content = xlsx(driver.headers, [driver.row(person, 学时="２.５学时")])

    driver.upload("名单.xlsx", content)

    assert OfflineUpload.objects.get().rows[0]["hours"] == "2.5"


# -- silent changes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_score_of_59_9_is_refused_not_cut_to_59(make):
    driver, (person,) = make(Records, "李华")
    content = xlsx(driver.headers, [driver.row(person, 理论成绩=59.9)])

    text = driver.text(driver.upload("成绩.xlsx", content))

    assert "第2行「理论成绩」：填写的是“59.9”，应为0到100之间的整数（成绩不做四舍五入）" in text
    assert driver.nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("driver_class", "second", "message"),
    [
        (Records, {"理论成绩": 40}, "第3行「身份证号」：与第2行是同一学员"),
        (Attendance_, {}, "第3行「身份证号」：与第2行是同一人"),
        (
            Offline,
            {"记录编号": "2025-099"},
            "第3行：与第2行是同一次培训（人员、日期、学时和内容相同），会被重复登记",
        ),
    ],
    ids=["same-trainee", "same-attendee", "same-training-two-keys"],
)
def test_a_row_repeating_an_earlier_one_is_refused(make, driver_class, second, message):
    """Two rows for one trainee or attendee, or one training under two row keys: the
    last would silently win, or be credited twice."""
    driver, (person,) = make(driver_class, "李华")
    rows = [driver.row(person), driver.row(person, **second)]

    text = driver.text(driver.upload("名单.xlsx", xlsx(driver.headers, rows)))

    assert message in text
    assert driver.nothing_written()


@pytest.mark.django_db
def test_a_repeated_id_number_gets_its_own_verdict_row(make):
    driver, (person,) = make(Eligibility, "李华")
    rows = [driver.row(person), driver.row(person)]

    text = driver.text(driver.upload("名单.xlsx", xlsx(driver.headers, rows)))

    assert "第3行：与第2行的身份证号相同" in text


@pytest.mark.django_db
@pytest.mark.parametrize("driver_class", [Offline, Attendance_, Records], ids=lambda d: d.name)
def test_a_name_spelled_with_another_middle_dot_matches(make, driver_class):
    driver, (person,) = make(driver_class, "阿依古丽·吐尔逊")
    content = xlsx(driver.headers, [driver.row(person, 姓名="阿依古丽•吐尔逊")])

    response = driver.upload("名单.xlsx", content)

    assert driver.taken(response, person), driver.text(response)[:3000]


@pytest.mark.django_db
def test_data_beyond_the_columns_is_refused(make):
    driver, (person,) = make(Offline, "李华")
    content = xlsx(driver.headers, [[*driver.row(person), None, "多余"]])

    text = driver.text(driver.upload("名单.xlsx", content))

    assert "第2行：表格以外的I列有内容“多余”；请删除表格以外的内容" in text
    assert driver.nothing_written()


# -- templates -----------------------------------------------------------------------------

TEMPLATES = [
    (Offline, "credits:offline_template"),
    (Eligibility, "credits:eligibility_template"),
    (Attendance_, "learning:session_template"),
    (Records, "digital_engineer:records_template"),
    (PlatformImport, "learning:import_template"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("driver_class", "url_name"), TEMPLATES, ids=lambda d: str(d))
def test_each_template_is_offered_and_lists_its_columns_with_an_id_column_as_text(
    make, driver_class, url_name
):
    driver, _people = make(driver_class)
    page_url = (
        driver.url if driver_class is not PlatformImport else reverse("learning:reconciliation")
    )
    if driver_class is Records:
        page_url = reverse("digital_engineer:class", args=[driver.klass.pk])
    page = driver.client.get(page_url).content.decode()
    assert reverse(url_name) in page
    assert "、".join(driver.headers[:2]) in page

    response = driver.client.get(reverse(url_name))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    id_column = header.index("身份证号") + 1
    assert sheet.cell(row=2, column=id_column).number_format == "@"
    assert sheet.cell(row=2, column=id_column).data_type == "s"


@pytest.mark.django_db
def test_the_offline_template_uploaded_back_is_read_without_file_errors(make):
    """Its sample row is a stranger to the unit, but the row reads: the only problem is
    that nobody of the unit has the (valid) sample number."""
    driver, _people = make(Offline)
    content = driver.client.get(reverse("credits:offline_template")).content

    text = driver.text(driver.upload("模板.xlsx", content))

    assert "第2行「身份证号」：本单位没有该身份证号的专业技术人员" in text
    assert "校验位" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(("driver_class", "url_name"), TEMPLATES[1:], ids=lambda d: str(d))
def test_each_template_uploaded_back_reads_without_format_errors(make, driver_class, url_name):
    driver, _people = make(driver_class)
    content = driver.client.get(reverse(url_name)).content

    text = driver.text(driver.upload("模板.xlsx", content))

    assert ID_AS_NUMBER not in text
    assert "校验位" not in text
    assert "应为" not in text
