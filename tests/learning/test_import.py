"""A platform's export file: preview, confirm, processed in chunks like a push."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from credits.models import CreditEntry, Source
from learning.models import ImportJob, Platform, PlatformRecord, ReceivedBatch
from learning.platforms.schema import FIELDS
from learning.platforms.selectors import reconciliation
from portal.models import JobStatus
from tests.factories import make_professional
from tests.learning.conftest import push, record


def xlsx(records, header=FIELDS) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for item in records:
        sheet.append([item[field] for field in FIELDS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("export.xlsx", buffer.getvalue())


def csv_file(records) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(FIELDS)
    for item in records:
        writer.writerow([item[field] for field in FIELDS])
    return SimpleUploadedFile("export.csv", text.getvalue().encode("utf-8-sig"))


def upload(client, platform, file):
    return client.post(
        reverse("learning:import_upload"), {"platform": platform.pk, "file": file}, follow=True
    )


@pytest.fixture
def hr(client, province_hr):
    client.force_login(province_hr)
    return client


@pytest.fixture
def confirm(hr, eager_celery, django_capture_on_commit_callbacks):
    def confirm(job):
        with django_capture_on_commit_callbacks(execute=True):
            hr.post(reverse("learning:import", kwargs={"pk": job.pk}))
        job.refresh_from_db()
        return job

    return confirm


@pytest.mark.django_db
class TestPreviewAndConfirm:
    def test_preview_counts_and_writes_nothing(self, hr, platform, key, alice, bob):
        push(hr, key, [record(alice, "old")])
        records = [
            record(alice, "old"),
            record(alice, "new-1"),
            record(bob, "new-2"),
            record(bob, "bad", hours=500),
        ]
        page = upload(hr, platform, xlsx(records))
        job = ImportJob.objects.get()
        assert job.preview["rows"] == 4
        assert (job.preview["new"], job.preview["duplicate"], job.preview["rejected"]) == (2, 1, 1)
        assert "学时不在0.5至100之间" in page.content.decode()
        assert CreditEntry.objects.count() == 1
        assert PlatformRecord.objects.count() == 1
        assert not job.confirmed

    def test_confirm_processes_the_file_in_chunks(self, hr, platform, unit_a, confirm):
        people = [make_professional(unit_a) for _ in range(5)]
        records = [record(people[i % 5], f"e-{i}", hours=1) for i in range(2500)]
        upload(hr, platform, csv_file(records))
        job = confirm(ImportJob.objects.get())
        assert (job.status, job.done, job.credited) == (JobStatus.DONE, 2500, 2500)
        assert ReceivedBatch.objects.filter(channel="file").count() == 3  # 1000 + 1000 + 500
        assert CreditEntry.objects.filter(source=Source.PLATFORM).count() == 2500

    def test_file_gives_the_same_ledger_as_the_api(self, hr, key, alice, bob, confirm):
        records = [
            record(alice, "x1", hours=2.5),
            record(bob, "x2", category="professional", hours=8),
            record(alice, "x3", completed_at="2024-12-31T23:30:00+08:00"),
            record(bob, "x4", name="冒名"),
        ]
        push(hr, key, records)  # platform sdou
        zjzd = Platform.objects.get(code="zjzd")
        upload(hr, zjzd, xlsx(records))
        confirm(ImportJob.objects.get())

        def ledger(code):
            entries = CreditEntry.objects.filter(source_ref__startswith=f"{code}:")
            return sorted(
                (e.source_ref.split(":", 1)[1], e.person_id, e.year, e.category, e.hours)
                for e in entries
            )

        assert ledger("zjzd") == ledger("sdou")
        assert len(ledger("sdou")) == 3

    def test_confirming_twice_processes_once(self, hr, platform, alice, confirm):
        upload(hr, platform, xlsx([record(alice, "once")]))
        job = ImportJob.objects.get()
        confirm(job)
        confirm(job)
        assert PlatformRecord.objects.count() == 1
        assert CreditEntry.objects.count() == 1

    def test_wrong_columns_are_refused(self, hr, platform, alice):
        header = [f if f != "hours" else "时长" for f in FIELDS]
        page = upload(hr, platform, xlsx([record(alice)], header=header))
        assert "第1行是表头，但缺少列：学时" in page.content.decode()
        assert not ImportJob.objects.exists()

    def test_a_damaged_file_is_refused(self, hr, platform):
        page = upload(hr, platform, SimpleUploadedFile("export.xlsx", b"PK\x03\x04broken"))
        assert "无法读取该Excel文件。" in page.content.decode()
        assert not ImportJob.objects.exists()

    def test_only_provincial_hr_imports(self, client, hr_a, platform, alice):
        client.force_login(hr_a)
        response = client.post(
            reverse("learning:import_upload"),
            {"platform": platform.pk, "file": xlsx([record(alice)])},
        )
        assert response.status_code == 403


@pytest.mark.django_db
class TestTheJob:
    def test_a_failure_shows_the_job_number_not_an_exception(self, hr, platform, alice, caplog):
        from learning.platforms.imports import import_run

        upload(hr, platform, xlsx([record(alice, "lost")]))
        job = ImportJob.objects.get()
        ImportJob.objects.filter(pk=job.pk).update(confirmed=True)
        job.file.storage.delete(job.file.name)  # the stored file is gone
        with pytest.raises(FileNotFoundError):
            import_run(job.pk)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert job.error.startswith(f"处理失败，请联系管理员（任务编号 {job.pk}）")
        page = hr.get(reverse("learning:import", kwargs={"pk": job.pk})).content.decode()
        assert f"任务编号 {job.pk}" in page and "FileNotFound" not in page
        assert f"platform import job {job.pk} failed" in caplog.text  # the details: logged
        assert not CreditEntry.objects.exists()

    def test_an_unconfirmed_or_finished_job_is_not_claimed(self, hr, platform, alice, confirm):
        from learning.platforms.imports import import_run

        upload(hr, platform, xlsx([record(alice, "one")]))
        job = ImportJob.objects.get()
        assert import_run(job.pk) is None  # not confirmed: nothing to claim
        assert (ImportJob.objects.get().status, PlatformRecord.objects.count()) == ("queued", 0)
        job = confirm(job)
        assert job.status == JobStatus.DONE
        assert import_run(job.pk) is None  # finished: a second delivery does nothing
        assert PlatformRecord.objects.count() == 1

    def test_the_upload_is_audited(self, hr, platform, alice):
        from portal.models import AuditLog

        upload(hr, platform, xlsx([record(alice, "one")]))
        job = ImportJob.objects.get()
        entry = AuditLog.objects.get(action="learning.platform_import.uploaded")
        assert entry.payload["job"] == job.pk and entry.actor == job.requested_by


@pytest.mark.django_db
class TestReconciliation:
    def test_counts_equal_the_ledger(self, hr, key, alice, bob, unit_a):
        from learning.platforms.services import reprocess

        push(hr, key, [record(alice, "1", hours=3), record(bob, "2", hours=4.5)])
        push(hr, key, [record(alice, "1", hours=3), record(None, "3")], timestamp=1)  # refused
        push(hr, key, [record(alice, "1", hours=3), record(None, "3")])
        make_professional(unit_a, id_number="11010519491231002X", real_name="无此人")
        reprocess(PlatformRecord.objects.get(external_id="3"))
        [row] = reconciliation()
        assert (row["received"], row["credited"], row["duplicates"]) == (4, 3, 1)
        assert row["rejected"] == 0  # processed again: counted once, as credited
        assert row["hours"] == row["ledger_hours"] == Decimal("13.5")
        page = hr.get(reverse("learning:reconciliation")).content.decode()
        assert "13.5" in page

    def test_every_count_adds_up_to_what_was_received_after_a_reprocess(
        self, hr, key, alice, bob, unit_a
    ):
        from learning.platforms.services import reprocess

        late = {"id_number": "11010519491231002X", "name": "新同志"}
        push(hr, key, [record(alice, "a"), record(bob, "b")])
        push(hr, key, [record(alice, "a"), record(None, "c", **late), record(None, "d")])
        make_professional(unit_a, **{"id_number": late["id_number"], "real_name": "新同志"})
        reprocess(PlatformRecord.objects.get(external_id="c"))
        page = hr.get(reverse("learning:reconciliation")).content.decode()
        table = page.split('data-testid="reconciliation"', 1)[1].split("</table>", 1)[0]
        head = re.findall(r"<th[^>]*>([^<]+)</th>", table)
        body = table.split("<tbody>", 1)[1]
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body)
        ]
        counts = dict(zip(head, cells, strict=True))
        assert (counts["接收"], counts["计入"], counts["重复"], counts["未通过"]) == (
            "5",
            "3",
            "1",
            "1",
        )
        assert "待处理" not in head  # no second count of the same rejected records

    def test_drill_down_and_export(self, hr, key, alice):
        push(hr, key, [record(alice, "ok"), record(alice, "no", hours=0)])
        page = hr.get(reverse("learning:records"), {"outcome": "pending"})
        assert [r.external_id for r in page.context["page"]] == ["no"]
        export = hr.get(reverse("learning:records_export"), {"outcome": "rejected"})
        from openpyxl import load_workbook

        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
        assert [r[1] for r in rows[1:]] == ["no"]

    def test_new_key_is_shown_once_and_works(self, hr, platform, alice):
        page = hr.post(reverse("learning:key_create", kwargs={"code": platform.code}))
        secret = page.context["secret"]
        key = page.context["key"]
        assert secret in page.content.decode()
        assert push(hr, (key, secret), [record(alice, "k")]).status_code == 200
        listing = hr.get(reverse("learning:reconciliation")).content.decode()
        assert key.key_id in listing and secret not in listing

    def test_a_revoked_key_no_longer_pushes_and_is_revoked_once(self, hr, key, alice):
        from portal.models import AuditLog

        url = reverse("learning:key_revoke", kwargs={"pk": key[0].pk})
        page = hr.post(url, follow=True).content.decode()
        assert f"密钥{key[0].key_id}已作废。" in page
        assert push(hr, key, [record(alice, "r")]).status_code == 401
        assert hr.post(url).status_code == 404
        entry = AuditLog.objects.get(action="learning.platform_key.revoked")
        assert entry.payload == {"key": key[0].key_id}
        created = hr.post(reverse("learning:key_create", kwargs={"code": "nosuch"}))
        assert created.status_code == 404


@pytest.mark.django_db
def test_hr_fixes_a_rejected_record_from_its_page(hr, key, alice):
    push(hr, key, [record(alice, "renamed", name="艾莉丝")])
    stored = PlatformRecord.objects.get()
    url = reverse("learning:record", kwargs={"pk": stored.pk})
    page = hr.get(url).content.decode()
    assert "姓名与身份证号对应的人员不符" in page
    response = hr.post(url, {"id_number": "11010519491231002X"})  # nobody has it
    assert "没有该身份证号的专业技术人员" in response.content.decode()
    response = hr.post(url, {"id_number": alice.id_number}, follow=True)
    assert "已处理：已计入" in response.content.decode()
    hr.post(url, {"id_number": alice.id_number})
    assert CreditEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_record_processed_again_shows_only_its_current_outcome(hr, key, unit_a):
    from portal.models import AuditLog

    push(hr, key, [record(None, "late")])  # nobody has this ID number yet
    stored = PlatformRecord.objects.get()
    url = reverse("learning:record", kwargs={"pk": stored.pk})
    assert "未找到该身份证号的人员" in hr.get(url).content.decode()
    newcomer = make_professional(unit_a, id_number="11010519491231002X", real_name="无此人")
    response = hr.post(url, {"id_number": newcomer.id_number}, follow=True)
    page = response.content.decode()
    assert "已处理：已计入" in page
    outcome = page.split('data-testid="outcome">', 1)[1].split("</dd>", 1)[0]
    assert outcome == "已计入"
    assert "未找到该身份证号的人员" not in page
    stored.refresh_from_db()
    assert (stored.outcome, stored.reason) == ("credited", "")
    listing = hr.get(reverse("learning:records")).content.decode()
    assert "未找到该身份证号的人员" not in listing
    export = hr.get(reverse("learning:records_export"))
    [row] = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))[1:]
    assert row[-2:] == ("已计入", None)
    # The history is in the audit log.
    entry = AuditLog.objects.get(action="learning.platform_record.reprocessed")
    assert entry.payload["before"] == {"outcome": "rejected", "reason": "未找到该身份证号的人员"}
    assert entry.payload["after"] == {"outcome": "credited", "reason": ""}


@pytest.mark.django_db
def test_the_preview_tells_a_repeat_inside_the_file_from_a_credited_record(
    hr, platform, key, alice
):
    push(hr, key, [record(alice, "old")])
    records = [record(alice, "old"), record(alice, "new"), record(alice, "new")]
    page = upload(hr, platform, xlsx(records)).content.decode()
    assert "共3行：新记录1条，此前已计入1条，与本文件前面的行重复1条，未通过0条。" in page
    job = ImportJob.objects.get()
    assert (job.preview["new"], job.preview["duplicate"], job.preview["repeated"]) == (1, 1, 1)


@pytest.mark.django_db
def test_exports_keep_formula_like_text_as_text(hr, key, alice):
    push(hr, key, [record(alice, "f", name='=HYPERLINK("http://evil","x")')])
    export = hr.get(reverse("learning:records_export"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet["D2"].value == '\'=HYPERLINK("http://evil","x")'
    assert sheet["D2"].data_type == "s"


@pytest.mark.django_db
def test_odd_query_values_do_not_break_pages(hr, province_hr):
    assert hr.get(reverse("learning:filing_board"), {"year": "0"}).status_code == 200
    assert hr.get(reverse("learning:plans"), {"year": "9" * 5000}).status_code == 200
    response = hr.post(reverse("learning:quality_review"), {"nomination": "abc"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_records_processed_before_reasons_were_cleared_lose_the_old_reason(hr, key, unit_a):
    """Records resolved before `reprocess` cleared the reason still hold it; the data
    migration moves it to the audit log and clears it, and the pages print what is
    left as it is."""
    import importlib

    from django.apps import apps

    from portal.models import AuditLog

    push(hr, key, [record(None, "old"), record(None, "still")])
    old, still = PlatformRecord.objects.order_by("external_id")
    newcomer = make_professional(unit_a, id_number="11010519491231002X", real_name="无此人")
    hr.post(reverse("learning:record", kwargs={"pk": old.pk}), {"id_number": newcomer.id_number})
    # As the code before this release left it: credited, beside its old reason.
    PlatformRecord.objects.filter(pk=old.pk).update(reason="未找到该身份证号的人员")
    PlatformRecord.objects.filter(pk=still.pk).update(reason="姓名不符")  # still rejected

    migration = importlib.import_module("learning.migrations.0012_clear_stale_record_reasons")
    migration.clear_stale_reasons(apps, None)

    old.refresh_from_db()
    still.refresh_from_db()
    assert (old.outcome, old.reason) == ("credited", "")
    assert (still.outcome, still.reason) == ("rejected", "姓名不符")
    entry = AuditLog.objects.get(action="learning.platform_record.reason_cleared")
    assert entry.payload == {
        "record": old.pk,
        "outcome": "credited",
        "reason": "未找到该身份证号的人员",
    }
    assert entry.action_label == "平台学时记录已计入，旧的未通过原因移入日志"
    listing = hr.get(reverse("learning:records")).content.decode()
    assert "姓名不符" in listing and "未找到该身份证号的人员" not in listing
    page = hr.get(reverse("learning:record", kwargs={"pk": old.pk})).content.decode()
    assert 'data-testid="reason"' not in page
