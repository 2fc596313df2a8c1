"""The limited reader's own limits (a re-review's findings): the scan of an archive's
parts runs in the child, not in the server; a whole archive of many small entries is
a bomb; a panic in calamine is a message, not a 500; the CPU limit ends the child with
SIGXCPU (out of time, not out of memory); the parent waits for it only so long; and
the child does not outlive its parent."""

import io
import os
import signal
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from credits.eligibility import BULK_SPEC
from portal import tabular
from portal.actions import Refused
from portal.limited import ReaderOutOfTime, run_limited
from portal.tabular import Table, TableError
from tests.factories import id_number_for
from tests.portal.test_tabular_defences import FAR, FAR_MESSAGE, crafted

SERVER_PID = os.getpid()
BOMB_MESSAGE = "该工作簿解压后的数据量远超其文件大小"
UNREADABLE = "无法读取该Excel文件"


def upload(content: bytes, name="名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def many_small_entries(count=150, unit=b"<c>") -> bytes:
    """A workbook with `count` extra parts of just under 1 MB each (under the entry
    ratio's floor): 150 MB of cell tags to scan, in a file of about 150 KB."""
    buffer = io.BytesIO(crafted(""))
    blob = (unit * (2**20 // len(unit) + 1))[: 2**20 - 1]
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for number in range(count):
            archive.writestr(f"xl/media/p{number}.xml", blob)
    return buffer.getvalue()


@pytest.fixture
def scan_spy(monkeypatch):
    """The archive scan fails the test when it runs in the server process."""
    feed = tabular._Extent.feed

    def spied(self, text):
        if os.getpid() == SERVER_PID:
            raise AssertionError("the archive was scanned in the server process")
        return feed(self, text)

    monkeypatch.setattr(tabular._Extent, "feed", spied)


def test_an_archive_of_many_small_entries_is_refused_at_little_cost_to_the_server():
    content = many_small_entries()
    started = time.process_time()

    with pytest.raises(TableError) as refused:
        Table(upload(content), BULK_SPEC)

    assert BOMB_MESSAGE in str(refused.value)
    assert time.process_time() - started < 2


def test_the_archive_scan_runs_in_the_child_and_its_message_comes_back(scan_spy):
    with pytest.raises(TableError) as refused:
        Table(upload(crafted(FAR)), BULK_SPEC)

    assert FAR_MESSAGE in str(refused.value)


def date_panic_workbook() -> bytes:
    """A date-formatted cell holding -1e12: calamine panics converting it."""
    workbook = Workbook()
    workbook.active.append(["身份证号", "起始年度", "截止年度"])
    workbook.active.append([id_number_for(1), 2022, 2024])
    cell = workbook.active.cell(row=2, column=2, value=-1e12)
    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_panic_in_the_parser_reads_as_an_unreadable_workbook():
    with pytest.raises(TableError) as refused:
        list(Table(upload(date_panic_workbook()), BULK_SPEC).rows())

    assert UNREADABLE in str(refused.value)


def spin():
    while True:
        pass
    yield  # pragma: no cover


def test_a_reader_past_its_cpu_limit_is_out_of_time():
    with pytest.raises(ReaderOutOfTime):
        list(run_limited(spin, memory_mb=256, cpu_seconds=1))


def sleep():
    time.sleep(60)
    yield "late"


def test_the_parent_waits_for_a_stalled_reader_only_so_long():
    started = time.monotonic()

    with pytest.raises(ReaderOutOfTime):
        list(run_limited(sleep, memory_mb=256, cpu_seconds=1))

    assert time.monotonic() - started < 10


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_the_reader_dies_with_its_parent():
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:  # a web process that forks a reader, then is killed
        try:
            os.close(read_end)

            def produce():
                yield os.getpid()
                time.sleep(60)

            items = run_limited(produce, memory_mb=256, cpu_seconds=120)  # kept: not ended
            os.write(write_end, str(next(items)).encode())
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(write_end)
    reader = int(os.read(read_end, 32))
    os.close(read_end)

    os.kill(middle, signal.SIGKILL)
    os.waitpid(middle, 0)

    deadline = time.monotonic() + 5
    while not gone(reader) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(reader)


class _OwnRefusal(Refused):
    pass


def test_a_refusal_in_the_child_comes_back_as_it_was():
    def produce():
        yield 1
        raise _OwnRefusal("第2行：不对")

    items = run_limited(produce, memory_mb=256, cpu_seconds=5)
    assert next(items) == 1
    with pytest.raises(_OwnRefusal, match="第2行：不对"):
        next(items)
