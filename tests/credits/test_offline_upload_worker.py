"""A large offline-hours file is read on a worker, in a child process with a memory limit.

The request runs only the cheap checks (a bomb is refused there, before any parser),
keeps the file and queues the job; its page polls the job and then shows the same
preview, or the same row messages, as a file read in the request. A reading process
that runs out of memory fails the job with a message and writes nothing. Celery runs
eagerly here, but the reading process is a real fork.
"""

import datetime
import io
import os
import signal

import pytest
from django.urls import reverse
from openpyxl import Workbook

from credits.models import CreditEntry, OfflineParseJob, OfflineUpload
from credits.offline_upload import COLUMNS
from portal.models import AuditLog, JobStatus
from tests.credits.test_offline_upload import confirm, page, row, upload, workbook_bytes
from tests.factories import id_number_for, make_professional
from tests.portal.test_tabular import BOMB_MESSAGE, sheet_bomb

MEMORY_MESSAGE = "文件过大，解析时超出内存限制，请拆分后上传"


@pytest.fixture
def colleague(unit_a):
    return make_professional(unit_a, real_name="陈晓明")


@pytest.fixture
def hr_client(client, hr_a):
    client.force_login(hr_a)
    return client


@pytest.fixture
def on_worker(settings, eager_celery, django_capture_on_commit_callbacks):
    """Every file goes to the worker; uploading runs the queued task at commit."""
    settings.OFFLINE_UPLOAD_WORKER_BYTES = 0

    def post(client, content, name="线下学时2025.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, content, name)
        return response

    return post


def good_rows(alice, colleague):
    return [
        row(alice, "专业科目", 6, datetime.date(2025, 3, 18), "医院感染防控专题培训", "2025-001"),
        row(alice, "公需科目", 3.5, datetime.date(2025, 4, 2), "职业道德专题讲座", "2025-002"),
        row(colleague, "专业", 8, datetime.date(2024, 11, 5), "急诊急救技能培训", "2025-003"),
    ]


def many_rows(person, count):
    return [row(person, hours=1, content=f"专题培训{i}", key=f"K-{i}") for i in range(count)]


def sparse_workbook(person) -> bytes:
    """One good row, and a stray value in cell ALL3900: 3,900 × 1,000 cells of area."""
    workbook = Workbook()
    workbook.active.append(COLUMNS)
    workbook.active.append(row(person))
    workbook.active.cell(row=3900, column=1000, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bad_rows(alice, colleague):
    return [
        row(alice, key="2025-001"),
        row(alice, key="2025-002", name="王五", content="职业道德专题讲座"),
        [id_number_for(999, area="370203"), *row(colleague, key="2025-003")[1:]],
        row(colleague, hours=-2, key="2025-004"),
    ]


def table(html: str) -> str:
    return html[html.index('data-testid="preview"') : html.index("</table>")]


def private_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT / "offline-uploads"
    return sorted(root.iterdir()) if root.exists() else []


@pytest.mark.django_db
class TestLargeFile:
    def test_is_read_by_the_task_and_previews_as_in_the_request(
        self, hr_client, alice, colleague, settings, on_worker
    ):
        content = workbook_bytes(good_rows(alice, colleague))
        settings.OFFLINE_UPLOAD_WORKER_BYTES = len(content) + 1
        upload(hr_client, content)
        in_request = OfflineUpload.objects.get()
        settings.OFFLINE_UPLOAD_WORKER_BYTES = len(content) - 1

        response = on_worker(hr_client, content)

        job = OfflineParseJob.objects.get()
        assert response["Location"] == reverse("credits:offline_job", args=[job.pk])
        assert (job.status, job.done, job.error) == (JobStatus.DONE, 3, "")
        assert job.upload.rows == in_request.rows
        shown = hr_client.get(response["Location"], follow=True)
        assert shown.redirect_chain[-1][0] == reverse(
            "credits:offline_preview", args=[job.upload.pk]
        )
        assert "共3行已通过校验，请核对后确认登记。" in page(shown)
        expected = page(hr_client.get(reverse("credits:offline_preview", args=[in_request.pk])))
        assert table(page(shown)) == table(expected)
        assert private_files(settings) == []  # the kept file is gone once read
        assert CreditEntry.objects.count() == 0

    def test_confirming_the_preview_credits_the_rows(self, hr_client, alice, colleague, on_worker):
        on_worker(hr_client, workbook_bytes(good_rows(alice, colleague)))

        response = confirm(hr_client, OfflineParseJob.objects.get().upload)

        assert "已登记3条；0条此前已登记，未重复计入。" in page(response)
        assert CreditEntry.objects.count() == 3

    def test_bad_rows_give_the_same_row_messages_as_in_the_request(
        self, hr_client, alice, colleague, settings, on_worker
    ):
        content = workbook_bytes(bad_rows(alice, colleague))
        settings.OFFLINE_UPLOAD_WORKER_BYTES = len(content) + 1
        in_request = page(upload(hr_client, content))
        settings.OFFLINE_UPLOAD_WORKER_BYTES = 0

        response = on_worker(hr_client, content)

        job = OfflineParseJob.objects.get()
        assert job.status == JobStatus.FAILED
        assert job.problems == [
            "第3行「姓名」：姓名与身份证号不符",
            "第4行「身份证号」：本单位没有该身份证号的专业技术人员",
            "第5行「学时」：学时须大于零。",
        ]
        shown = page(hr_client.get(response["Location"]))
        for problem in job.problems:
            assert problem in in_request
            assert problem in shown
        assert "文件未被接受：有3行存在问题，未做任何登记。" in shown
        assert not OfflineUpload.objects.exists()
        assert private_files(settings) == []

    def test_a_reader_out_of_memory_fails_the_job_and_writes_nothing(
        self, hr_client, alice, settings, on_worker
    ):
        # calamine holds the sheet's area densely: this 5 KB file asks it for 125 MB,
        # which it cannot have under a 16 MB limit (Rust then aborts the reader).
        settings.OFFLINE_PARSE_MEMORY_MB = 16

        response = on_worker(hr_client, sparse_workbook(alice))

        job = OfflineParseJob.objects.get()
        assert (job.status, job.error) == (JobStatus.FAILED, MEMORY_MESSAGE)
        assert MEMORY_MESSAGE in page(hr_client.get(response["Location"]))
        assert not OfflineUpload.objects.exists()
        assert not CreditEntry.objects.exists()
        assert private_files(settings) == []

    def test_the_same_file_is_read_within_the_default_limit(self, hr_client, alice, on_worker):
        on_worker(hr_client, sparse_workbook(alice))

        job = OfflineParseJob.objects.get()
        assert job.error == ""
        assert job.problems[0] == "第3900行「身份证号」：单元格为空"

    @pytest.mark.parametrize(
        "death",
        [
            pytest.param(lambda: (_ for _ in ()).throw(MemoryError()), id="MemoryError"),
            pytest.param(lambda: os.kill(os.getpid(), signal.SIGKILL), id="SIGKILL"),
        ],
    )
    def test_a_reader_that_dies_fails_the_job_with_the_memory_message(
        self, hr_client, alice, colleague, monkeypatch, death, on_worker
    ):
        def dying(*args, **kwargs):
            death()
            yield []

        monkeypatch.setattr("portal.tabular_worker.read_chunks", dying)

        on_worker(hr_client, workbook_bytes(good_rows(alice, colleague)))

        job = OfflineParseJob.objects.get()
        assert (job.status, job.error) == (JobStatus.FAILED, MEMORY_MESSAGE)
        assert not OfflineUpload.objects.exists()

    def test_a_file_the_reader_refuses_fails_the_job_with_its_message(self, hr_client, on_worker):
        response = on_worker(hr_client, b"\xef\xbb\xbf" + "姓名\n张三\n".encode(), "名单.csv")

        job = OfflineParseJob.objects.get()
        assert job.status == JobStatus.FAILED
        assert "表头" in job.error
        assert job.error in page(hr_client.get(response["Location"]))

    def test_an_unexpected_error_is_logged_and_shown_in_general_words(
        self, hr_client, alice, colleague, monkeypatch, caplog, on_worker
    ):
        def broken(*args, **kwargs):
            raise KeyError("person")

        monkeypatch.setattr("credits.offline_jobs.parse_offline_chunks", broken)

        response = on_worker(hr_client, workbook_bytes(good_rows(alice, colleague)))

        job = OfflineParseJob.objects.get()
        shown = page(hr_client.get(response["Location"]))
        assert job.error == (
            "服务器检查该文件时出错，未保存任何内容，请稍后重试，"
            f"或联系管理员（任务编号 {job.pk}）。"
        )
        assert job.error in shown
        assert "KeyError" not in shown
        assert f"offline parse job {job.pk} failed" in caplog.text

    def test_a_bomb_is_refused_in_the_request_and_nothing_is_kept(
        self, hr_client, settings, on_worker
    ):
        response = on_worker(hr_client, sheet_bomb())

        assert BOMB_MESSAGE in page(response)
        assert not OfflineParseJob.objects.exists()
        assert private_files(settings) == []

    def test_queueing_is_in_the_audit_log(self, hr_client, hr_a, alice, colleague, on_worker):
        on_worker(hr_client, workbook_bytes(good_rows(alice, colleague)))

        job = OfflineParseJob.objects.get()
        assert AuditLog.objects.filter(
            actor=hr_a, action="credits.offline_upload.queued", payload__job=job.pk
        ).exists()


@pytest.mark.django_db
class TestJobPage:
    @pytest.fixture
    def waiting(self, hr_client, alice, colleague, settings, django_capture_on_commit_callbacks):
        settings.OFFLINE_UPLOAD_WORKER_BYTES = 0
        with django_capture_on_commit_callbacks(execute=False):  # no worker yet
            upload(hr_client, workbook_bytes(good_rows(alice, colleague)))
        return OfflineParseJob.objects.get()

    def test_waiting_page_refreshes_itself_without_javascript(self, hr_client, waiting):
        shown = page(hr_client.get(reverse("credits:offline_job", args=[waiting.pk])))

        assert "文件较大，将在服务器上检查。" in shown
        assert '<meta http-equiv="refresh" content="5">' in shown
        assert "已读取 0 行" in shown

    def test_htmx_poll_gets_the_progress_then_the_preview(self, hr_client, waiting):
        url = reverse("credits:offline_job", args=[waiting.pk])
        polled = hr_client.get(url, headers={"HX-Request": "true"})
        assert 'data-testid="job-progress"' in page(polled)
        assert "<html" not in page(polled)

        from credits.offline_jobs import offline_parse_run

        offline_parse_run(waiting.pk)
        polled = hr_client.get(url, headers={"HX-Request": "true"})

        waiting.refresh_from_db()
        assert polled["HX-Redirect"] == reverse("credits:offline_preview", args=[waiting.upload.pk])

    def test_hr_of_other_unit_gets_404(self, client, hr_b, waiting):
        client.force_login(hr_b)

        response = client.get(reverse("credits:offline_job", args=[waiting.pk]))

        assert response.status_code == 404

    def test_a_second_run_of_a_job_being_read_stops_and_keeps_nothing(self, waiting):
        from credits.offline_jobs import offline_parse_run

        OfflineParseJob.objects.filter(pk=waiting.pk).update(status=JobStatus.RUNNING)
        job = offline_parse_run(waiting.pk)

        assert (job.status, job.upload_id) == (JobStatus.RUNNING, None)
        assert not OfflineUpload.objects.exists()

    def test_a_message_delivered_again_after_its_worker_died_reads_the_file_again(self, waiting):
        from credits.offline_jobs import offline_parse_run

        OfflineParseJob.objects.filter(pk=waiting.pk).update(status=JobStatus.RUNNING, done=2)
        job = offline_parse_run(waiting.pk, resume=True)

        assert (job.status, job.done) == (JobStatus.DONE, 3)
        assert OfflineUpload.objects.get() == job.upload

    def test_a_finished_job_is_not_read_again(self, waiting):
        from credits.offline_jobs import offline_parse_run

        offline_parse_run(waiting.pk)
        for resume in (False, True):
            offline_parse_run(waiting.pk, resume=resume)

        assert OfflineUpload.objects.count() == 1


@pytest.mark.django_db
def test_small_file_is_still_previewed_in_the_request(hr_client, alice, colleague):
    response = upload(hr_client, workbook_bytes(good_rows(alice, colleague)))

    assert response["Location"] == reverse(
        "credits:offline_preview", args=[OfflineUpload.objects.get().pk]
    )
    assert not OfflineParseJob.objects.exists()


@pytest.mark.django_db
def test_a_reader_out_of_time_gets_the_resource_message(
    hr_client, alice, colleague, on_worker, monkeypatch
):
    from credits import offline_jobs
    from portal.limited import ReaderOutOfTime

    def out_of_time(*args, **kwargs):
        raise ReaderOutOfTime("the reader used up its CPU time")
        yield  # pragma: no cover

    monkeypatch.setattr(offline_jobs, "read_chunks_limited", out_of_time)

    on_worker(hr_client, workbook_bytes(good_rows(alice, colleague)))

    job = OfflineParseJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert "解析时超出资源限制" in job.error
    assert not OfflineUpload.objects.exists()
