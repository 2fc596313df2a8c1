"""Professional-subject plans: publish rules, versions, sanitising, Word and PDF."""

import io
import subprocess
import tempfile

import pytest
from django.urls import reverse

from learning.models import PlanVersion, ProfessionalPlan
from learning.plans.services import sanitize
from portal.models import AuditLog

YEAR = 2025


def plan_data(items, **fields):
    data = {
        "year": str(YEAR),
        "title": "山东省卫生健康委员会2025年度继续教育专业科目学习方案",
        "guiding": "<p>提升专业能力</p>",
        "audience": "全省卫生专业技术人员",
        "forms": "线上线下结合",
        "channels": "省卫生健康继续教育平台",
        "recognition": "按学时认定",
        "organisation": "各单位组织实施",
        "contacts": "张三 0531-00000000",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, (topic, hours, mode) in enumerate(items):
        data |= {
            f"items-{index}-topic": topic,
            f"items-{index}-hours": str(hours),
            f"items-{index}-mode": mode,
            f"items-{index}-order": str(index),
        }
    return data


THREE = [
    ("医院感染防控新进展", 20, "online"),
    ("临床合理用药", 24, "offline"),
    ("医疗质量管理", 16, "online"),
]


@pytest.fixture
def admin_client(client, health_admin):
    client.force_login(health_admin)
    return client


def create(admin_client, items=THREE, **fields):
    admin_client.post(reverse("learning:plan_new"), plan_data(items, **fields))
    return ProfessionalPlan.objects.get()


@pytest.mark.django_db
class TestPublishing:
    def test_a_plan_short_of_60_hours_cannot_be_published(self, admin_client):
        plan = create(admin_client, items=THREE[:2])
        page = admin_client.post(
            reverse("learning:plan_publish", kwargs={"pk": plan.pk}), follow=True
        )
        assert "还差 16.0 学时" in page.content.decode()
        plan.refresh_from_db()
        assert plan.status == "draft"

    def test_publish_and_revise_keeps_versions(self, admin_client, health):
        plan = create(admin_client)
        assert plan.authority == health
        publish = reverse("learning:plan_publish", kwargs={"pk": plan.pk})
        admin_client.post(publish)
        edit = reverse("learning:plan_edit", kwargs={"pk": plan.pk})
        revised = plan_data([], title="修订后的方案")
        revised["items-INITIAL_FORMS"] = "0"
        admin_client.post(edit, revised)
        admin_client.post(publish)
        versions = list(PlanVersion.objects.filter(plan=plan).order_by("number"))
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].snapshot["title"].startswith("山东省卫生健康委员会")
        assert versions[1].snapshot["title"] == "修订后的方案"

    def test_edits_of_a_published_plan_stay_private_until_republished(self, admin_client):
        from django.test import Client

        plan = create(admin_client)
        admin_client.post(reverse("learning:plan_publish", kwargs={"pk": plan.pk}))
        edit = reverse("learning:plan_edit", kwargs={"pk": plan.pk})
        admin_client.post(edit, plan_data([], title="未发布的修改"))
        client = Client()  # the public
        public = client.get(reverse("learning:plan", kwargs={"pk": plan.pk})).content.decode()
        assert "未发布的修改" not in public
        assert "临床合理用药" in public
        draft = admin_client.get(reverse("learning:plan", kwargs={"pk": plan.pk}), {"draft": 1})
        assert "未发布的修改" in draft.content.decode()
        docx = client.get(reverse("learning:plan_download", kwargs={"pk": plan.pk, "kind": "docx"}))
        from docx import Document

        assert "未发布的修改" not in Document(io.BytesIO(docx.content)).paragraphs[0].text

    def test_a_second_plan_for_the_same_year_is_refused_on_the_year(self, admin_client):
        plan = create(admin_client)
        page = admin_client.post(reverse("learning:plan_new"), plan_data(THREE, title="第二个"))
        assert page.status_code == 200
        assert "本部门该年度已有学习方案" in page.context["form"].errors["year"][0]
        assert list(ProfessionalPlan.objects.all()) == [plan]
        saved = AuditLog.objects.filter(action="learning.plan.saved")
        assert [entry.payload for entry in saved] == [{"plan": plan.pk}]

    def test_another_authoritys_admin_gets_404(self, client, admin_client, education):
        plan = create(admin_client)
        from portal.models import Membership, Role
        from tests.factories import UserFactory

        other = UserFactory()
        Membership.objects.create(user=other, role=Role.DEPARTMENT_ADMIN, authority=education)
        client.force_login(other)
        edit = reverse("learning:plan_edit", kwargs={"pk": plan.pk})
        assert client.get(edit).status_code == 404
        assert client.post(edit, plan_data(THREE, title="篡改")).status_code == 404
        assert (
            client.post(reverse("learning:plan_publish", kwargs={"pk": plan.pk})).status_code == 404
        )
        assert client.get(reverse("learning:plan", kwargs={"pk": plan.pk})).status_code == 404

    def test_sanitising_strips_scripts_and_event_attributes(self, admin_client):
        plan = create(
            admin_client,
            guiding='<p onclick="steal()">目标<script>alert(1)</script><strong>重点</strong></p>',
        )
        assert "script" not in plan.guiding and "onclick" not in plan.guiding
        assert "<strong>重点</strong>" in plan.guiding
        assert sanitize('<a href="javascript:x">链接</a>') == "链接"

    def test_published_plan_is_public_and_listed(self, client, admin_client):
        plan = create(admin_client)
        admin_client.post(reverse("learning:plan_publish", kwargs={"pk": plan.pk}))
        client.logout()
        page = client.get(reverse("learning:plans"), {"year": YEAR}).content.decode()
        assert plan.title in page
        assert client.get(reverse("learning:plan", kwargs={"pk": plan.pk})).status_code == 200

    def test_professional_of_the_industry_sees_the_plan(self, client, admin_client, alice):
        plan = create(admin_client, year=str(YEAR))
        admin_client.post(reverse("learning:plan_publish", kwargs={"pk": plan.pk}))
        ProfessionalPlan.objects.filter(pk=plan.pk).update(year=_this_year())
        client.force_login(alice)
        page = client.get(reverse("learning:my_plan")).content.decode()
        assert plan.title in page
        assert "临床合理用药" in page


def _this_year():
    from credits.selectors import default_year

    return default_year()


@pytest.mark.django_db
class TestExports:
    def test_word_file_has_the_title_and_every_row(self, admin_client):
        from docx import Document

        plan = create(admin_client)
        response = admin_client.get(
            reverse("learning:plan_download", kwargs={"pk": plan.pk, "kind": "docx"})
        )
        document = Document(io.BytesIO(response.content))
        text = "\n".join(p.text for p in document.paragraphs)
        assert plan.title in text
        rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
        assert [r[0] for r in rows[1:4]] == [t for t, _h, _m in THREE]
        assert rows[-1][:2] == ["合计", "60.0"]

    def test_pdf_text_has_the_title_and_the_courses(self, admin_client):
        plan = create(admin_client)
        response = admin_client.get(
            reverse("learning:plan_download", kwargs={"pk": plan.pk, "kind": "pdf"})
        )
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(response.content)
            handle.flush()
            text = subprocess.run(
                ["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True
            ).stdout
        assert "山东省卫生健康委员会" in text
        for topic, _hours, _mode in THREE:
            assert topic in text
