"""Filings with the provincial HR department: files, the board, reminders."""

import datetime
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from learning.models import Filing, FilingDeadline, FilingReminder, ProfessionalPlan
from learning.plans.selectors import board
from learning.plans.services import send_reminders
from portal.jobs import day_claim_key
from portal.models import Authority, City
from tests.samples import HTML_AS_PDF, OLE_HEADER, docx_bytes, pdf_bytes

YEAR = timezone.localdate().year
PDF = pdf_bytes()


def files(word=None, pdf=None):
    data = {}
    if word is not False:
        data["word"] = SimpleUploadedFile("通知.docx", word or docx_bytes())
    if pdf is not False:
        data["pdf"] = SimpleUploadedFile("通知.pdf", pdf or PDF)
    return data


@pytest.mark.django_db
class TestSubmitting:
    def test_city_hr_files_word_and_pdf(self, client, jinan_hr, jinan):
        client.force_login(jinan_hr)
        page = client.post(reverse("learning:filing"), files(), follow=True).content.decode()
        filing = Filing.objects.get()
        assert (filing.city, filing.kind, filing.year) == (jinan, "notice", YEAR)
        assert "已报送" in page

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"pdf": False}, "Word和PDF文件都必须上传"),
            ({"word": False}, "Word和PDF文件都必须上传"),
            ({"word": PDF}, "通知.docx 不是Word (.docx)文件"),
            ({"pdf": b"MZ\x90\x00not a pdf"}, "通知.pdf 不是PDF文件"),
            ({"word": OLE_HEADER}, "通知.docx 是旧版Word文档（.doc），请另存为 .docx 后上传。"),
            ({"pdf": HTML_AS_PDF}, "通知.pdf 无法作为PDF文件打开"),
            ({"pdf": b"%PDF-1.4\n%%EOF\n"}, "通知.pdf 无法作为PDF文件打开"),
        ],
    )
    def test_bad_files_are_refused_and_nothing_saved(self, client, jinan_hr, kwargs, message):
        client.force_login(jinan_hr)
        page = client.post(reverse("learning:filing"), files(**kwargs), follow=True)
        assert message in page.content.decode()
        assert not Filing.objects.exists()

    def test_department_admin_files_the_published_plan_in_one_click(
        self, client, health_admin, health
    ):
        from learning.plans.services import plan_publish

        plan = ProfessionalPlan.objects.create(
            authority=health, year=YEAR, title="卫生健康专业科目学习方案"
        )
        plan.items.create(topic="新技术", hours=60, mode="online")
        plan_publish(plan=plan, published_by=health_admin)
        client.force_login(health_admin)
        client.post(reverse("learning:filing"), {"from_plan": "1"})
        filing = Filing.objects.get()
        assert filing.authority == health
        document = Document(filing.word.open("rb"))
        assert "卫生健康专业科目学习方案" in "\n".join(p.text for p in document.paragraphs)
        assert filing.pdf.open("rb").read(5) == b"%PDF-"

    def test_filing_twice_keeps_both_versions(self, client, jinan_hr):
        client.force_login(jinan_hr)
        client.post(reverse("learning:filing"), files())
        client.post(reverse("learning:filing"), files())
        assert list(Filing.objects.order_by("version").values_list("version", flat=True)) == [1, 2]


@pytest.mark.django_db
class TestBoard:
    def test_statuses_on_a_frozen_date(self, jinan_hr, qingdao, health, education):
        FilingDeadline.objects.create(year=YEAR, due_on=datetime.date(YEAR, 4, 30))
        due = timezone.make_aware(datetime.datetime(YEAR, 4, 20, 10))
        late = timezone.make_aware(datetime.datetime(YEAR, 5, 3, 10))
        jinan = City.objects.get(code="370100")
        Filing.objects.create(
            year=YEAR,
            kind="notice",
            city=jinan,
            filed_at=due,
            filed_by=jinan_hr,
            word="a.docx",
            pdf="a.pdf",
        )
        Filing.objects.create(
            year=YEAR,
            kind="notice",
            city=qingdao,
            filed_at=late,
            filed_by=jinan_hr,
            word="b.docx",
            pdf="b.pdf",
        )
        ProfessionalPlan.objects.create(authority=health, year=YEAR, title="草稿")

        def status(rows, name):
            return next(r.status for r in rows if r.name == name)

        before = board(YEAR, today=datetime.date(YEAR, 4, 25))
        assert status(before, "济南市") == "on_time"
        assert status(before, health.name) == "draft"
        assert status(before, education.name) == "not_started"
        after = board(YEAR, today=datetime.date(YEAR, 5, 10))
        assert status(after, "青岛市") == "late"
        assert status(after, health.name) == "missing"
        assert status(after, "淄博市") == "missing"
        assert "省直" not in [r.name for r in after]
        assert len(after) == Authority.objects.count() + 16

    def test_board_page_and_export_for_provincial_hr_only(self, client, province_hr, hr_a):
        client.force_login(province_hr)
        page = client.get(reverse("learning:filing_board"), {"year": YEAR})
        assert page.status_code == 200
        export = client.get(reverse("learning:filing_board"), {"year": YEAR, "format": "xlsx"})
        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
        assert rows[0] == ("报送单位", "类型", "状态", "报送时间", "最新版本", "最新版本报送时间")
        assert len(rows) == 1 + Authority.objects.count() + 16
        client.force_login(hr_a)
        assert client.get(reverse("learning:filing_board")).status_code == 403


@pytest.mark.django_db
class TestReminders:
    def test_reminders_list_exactly_the_missing_filers_once_a_day(
        self, client, jinan_hr, health_admin, health
    ):
        jinan = City.objects.get(code="370100")
        Filing.objects.create(
            year=YEAR,
            kind="notice",
            city=jinan,
            filed_at=timezone.now(),
            filed_by=jinan_hr,
            word="a.docx",
            pdf="a.pdf",
        )
        health_admin.email = "admin@wsjkw.example"
        health_admin.save()
        day = datetime.date(YEAR, 4, 10)
        reminded = send_reminders(today=day)
        names = {row.name for row in reminded}
        assert "济南市" not in names
        assert health.name in names
        assert names == {row.name for row in board(YEAR) if row.filing is None}
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@wsjkw.example"]
        assert send_reminders(today=day) == []  # once a day at most
        assert FilingReminder.objects.filter(sent_on=day).count() == len(reminded)

    def test_the_daily_task_sends_once_however_often_it_runs(
        self, frozen, eager_celery, health_admin
    ):
        from learning.tasks import filing_reminders

        day = datetime.date(YEAR, 4, 11)
        frozen(day)
        cache.delete(day_claim_key("learning.filing_reminders", day))
        health_admin.email = "admin@wsjkw.example"
        health_admin.save()
        assert filing_reminders.delay().get() > 0
        # The day is claimed: even with the per-filer rows gone, a second run (a
        # restarted beat, a repeated message) reminds nobody.
        FilingReminder.objects.all().delete()
        assert filing_reminders.delay().get() == 0
        assert len(mail.outbox) == 1
        assert not FilingReminder.objects.exists()
        cache.delete(day_claim_key("learning.filing_reminders", day))

    def test_a_failed_run_leaves_the_day_to_run_again(self, frozen, monkeypatch, health_admin):
        from learning.plans import tasks

        day = datetime.date(YEAR, 4, 12)
        frozen(day)
        cache.delete(day_claim_key("learning.filing_reminders", day))

        def broken(today):
            raise RuntimeError("mail server gone")

        monkeypatch.setattr(tasks, "send_reminders", broken)
        with pytest.raises(RuntimeError):
            tasks.filing_reminders()
        monkeypatch.undo()
        frozen(day)
        assert tasks.filing_reminders() > 0
        cache.delete(day_claim_key("learning.filing_reminders", day))

    def test_the_task_keeps_its_registered_name_and_schedule(self, settings):
        from learning.tasks import filing_reminders

        assert filing_reminders.name == "learning.tasks.filing_reminders"
        assert settings.CELERY_BEAT_SCHEDULE["filing-reminders"]["task"] == filing_reminders.name

    def test_the_home_page_banner_shows_after_a_reminder(self, client, health_admin):
        send_reminders()
        client.force_login(health_admin)
        page = client.get(reverse("learning:filing_reminder")).content.decode()
        assert "仍未报送" in page
