"""Every download has a Chinese name that every browser saves unchanged: Django's
`filename*=utf-8''…` with an ASCII `filename=` in front for clients that cannot read
it, built in one place (portal/downloads.py)."""

import pathlib
from urllib.parse import quote, unquote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from portal.downloads import content_disposition, safe_filename
from portal.xlsx import sheet_title
from tests.project import PROJECT_APPS

ROOT = pathlib.Path(__file__).resolve().parents[2]


def assert_named(response, name: str, *, attachment: bool = True) -> None:
    """The response saves as `name`: an ASCII `filename=` first, then `name` itself
    as `filename*=utf-8''…`."""
    assert response.status_code == 200, response.status_code
    kind, *parameters = [part.strip() for part in response["Content-Disposition"].split(";")]
    assert kind == ("attachment" if attachment else "inline")
    assert [p.split("=", 1)[0] for p in parameters] == ["filename", "filename*"]
    fallback = parameters[0].removeprefix("filename=")
    assert fallback.isascii() and fallback.startswith('"') and fallback.endswith('"')
    assert fallback.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1] + '"'
    encoded = parameters[1].removeprefix("filename*=")
    assert encoded == f"utf-8''{quote(name)}"
    assert unquote(encoded.removeprefix("utf-8''")) == name


def test_no_view_builds_its_own_content_disposition():
    """Hand-built headers (an unquoted name, no ASCII fallback) are what this
    replaced: only portal/downloads.py may name a download."""
    offenders = []
    for app in PROJECT_APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path == ROOT / "portal" / "downloads.py" or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for needle in ("Content-Disposition", "FileResponse(", "content_disposition_header"):
                if needle in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


class TestHeader:
    def test_a_chinese_name_has_an_ascii_fallback_and_the_utf8_name(self):
        header = content_disposition(
            filename="职工学时-2025.xlsx", fallback="staff-hours-2025.xlsx"
        )
        assert header == (
            'attachment; filename="staff-hours-2025.xlsx"; '
            f"filename*=utf-8''{quote('职工学时-2025.xlsx')}"
        )

    def test_without_a_fallback_the_ascii_name_keeps_the_extension(self):
        header = content_disposition(filename="线下学时登记模板.xlsx", as_attachment=False)
        assert header.startswith('inline; filename="download.xlsx"; filename*=utf-8')

    def test_an_ascii_name_is_left_to_django(self):
        assert content_disposition(filename="A-1.pdf") == 'attachment; filename="A-1.pdf"'

    @pytest.mark.parametrize(
        ("name", "saved"),
        [
            ("云计算:运维?班.xlsx", "云计算_运维_班.xlsx"),
            ('a/b\\c"d<e>|f*.pdf', "a_b_c_d_e_f_.pdf"),
            ("方案\r\n.docx", "方案_.docx"),
            ("长" * 300 + ".docx", "长" * 115 + ".docx"),
            (".xlsx", "download.xlsx"),
        ],
    )
    def test_names_lose_what_windows_refuses(self, name, saved):
        assert safe_filename(name) == saved


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        ("云计算:运维?班", "云计算_运维_班"),
        ("[2025]/A*B\\C", "_2025_A_B_C"),
        ("'引号'", "引号"),
        ("人" * 40, "人" * 31),
        ("?", "_"),
        ("", "Sheet"),
    ],
)
def test_sheet_titles_are_what_excel_accepts(title, cleaned):
    assert sheet_title(title) == cleaned


@pytest.mark.django_db
class TestViews:
    def test_my_record(self, client, alice):
        client.force_login(alice)
        response = client.get(reverse("credits:my_hours_export"))
        assert_named(response, f"继续教育学时记录-{alice.real_name}.xlsx")

    def test_staff_hours_and_the_offline_template(self, client, hr_a):
        client.force_login(hr_a)
        response = client.get(reverse("credits:staff_export"), {"year": 2025})
        assert_named(response, "职工学时-2025.xlsx")
        assert_named(client.get(reverse("credits:offline_template")), "线下学时登记模板.xlsx")

    def test_eligibility_statement_opens_in_the_browser(self, client, alice):
        from certificates.statements import statement_issue, statement_render

        statement = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=alice)
        statement_render(statement.pk)
        client.force_login(alice)
        response = client.get(reverse("certificates:statement_pdf", args=[statement.pk]))
        assert_named(response, f"继续教育学时核验证明-{alice.real_name}.pdf", attachment=False)

    def test_platform_records(self, client, province_hr):
        client.force_login(province_hr)
        assert_named(client.get(reverse("learning:records_export")), "平台学习记录.xlsx")

    def test_holders(self, client, jinan_hr):
        client.force_login(jinan_hr)
        response = client.get(reverse("digital_engineer:holders"), {"format": "xlsx"})
        assert_named(response, "数字技术工程师持证人员.xlsx")

    def test_filing_board(self, client, province_hr):
        client.force_login(province_hr)
        response = client.get(reverse("learning:filing_board"), {"year": 2025, "format": "xlsx"})
        assert_named(response, "2025年度报送情况.xlsx")

    def test_plan_word_and_pdf_and_the_filed_files(self, client, health_admin, province_hr):
        from learning.plans.services import filing_from_plan
        from portal.models import Membership
        from tests.learning.test_plans import create

        client.force_login(health_admin)
        plan = create(client)
        client.post(reverse("learning:plan_publish", kwargs={"pk": plan.pk}))
        for kind in ("docx", "pdf"):
            url = reverse("learning:plan_download", kwargs={"pk": plan.pk, "kind": kind})
            assert_named(client.get(url), f"{plan.title}.{kind}")
        actor = Membership.objects.get(user=health_admin)
        filing = filing_from_plan(actor=actor, plan=plan)
        client.force_login(province_hr)
        for kind, extension in (("word", "docx"), ("pdf", "pdf")):
            url = reverse("learning:filing_file", kwargs={"pk": filing.pk, "kind": kind})
            response = client.get(url)
            assert_named(
                response, f"{plan.authority.name}-{plan.year}年专业科目学习方案-第1版.{extension}"
            )

    def test_annual_certificate(self, client, alice, hr_a):
        from certificates.services import certificate_issue, certificate_render
        from tests.certificates.conftest import YEAR, make_compliant

        make_compliant(alice)
        issued = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        certificate = certificate_render(issued.pk)
        client.force_login(alice)
        response = client.get(reverse("certificates:pdf", kwargs={"pk": certificate.pk}))
        assert_named(response, f"继续教育证书-{certificate.serial}.pdf", attachment=False)

    def test_compliance_report(self, client, hr_a, unit_a):
        from credits.models import ReportJob

        job = ReportJob.objects.create(
            year=2025, scope="unit", unit=unit_a, requested_by=hr_a, total=1, done=1
        )
        job.xlsx.save("reports/r.xlsx", ContentFile(b"PK"), save=True)
        client.force_login(hr_a)
        response = client.get(reverse("credits:report_file", kwargs={"pk": job.pk, "kind": "xlsx"}))
        assert_named(response, f"达标情况报表-2025-{job.pk}.xlsx")

    def test_training_certificate(self, client, institution, institution_staff, jinan, alice):
        from digital_engineer.services import training_certificate_render
        from tests.factories import make_training_certificate

        certificate = make_training_certificate(institution, jinan, alice)
        training_certificate_render(certificate.pk)
        client.force_login(alice)
        url = reverse("digital_engineer:certificate_pdf", kwargs={"pk": certificate.pk})
        assert_named(client.get(url), f"培训合格证书-{certificate.serial}.pdf")
