"""The offline-hours upload at scale: a 200,000-row .xlsx through the preview.

Builds the workbook (in a child process, so that its memory is not counted), then in
one run: (a) reads it with the tabular reader alone (`portal.tabular.Table`: the
archive check, calamine, the header and the typed values), (b) previews it as the
upload view does (`parse_offline_workbook`: the read plus every row's checks against
PostgreSQL). The offline upload allows MAX_ROWS (5,000) rows and 5 MB a file; the
bench raises both limits for its own run (BENCH_ROWS rows, 64 MB).

    .venv/bin/python bench/uploads.py                  # 200,000 rows
    BENCH_ROWS=20000 .venv/bin/python bench/uploads.py

Each phase runs in a fresh interpreter (multiprocessing "spawn") and reports its
own peak memory, not the set-up's (the 20,000 people bulk-created here), which is
printed apart. The reader parses in a forked child process (portal.tabular.Table),
so a phase's peak is that of the phase process AND its child together: the highest
sum of their PSS (proportional set size: the pages the child shares with its parent
since the fork are counted once), sampled every 10 ms, and no less than either
process's own `ru_maxrss` (RUSAGE_SELF, RUSAGE_CHILDREN: every allocation, calamine's
Rust heap as well as Python's, even a spike between two samples). About 87 MB of
either peak is the interpreter with Django loaded.

The last line reads `preview/read=<b/a> rows/s=<preview rows per second>
peak_mb=<the higher of the two phases' peak RSS>`. Exits non-zero when the preview
did not take every row.
"""

import dataclasses
import datetime
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE", "portal_bench_uploads")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER}/{BENCH_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
ROWS = int(os.environ.get("BENCH_ROWS", "200000"))
PEOPLE = max(ROWS // 10, 1)
FIRST_DAY = datetime.date(1950, 1, 1)


def id_number(n: int) -> str:
    from tests.factories import id_number_for

    return id_number_for(
        n % 1000, area="370281", birth=FIRST_DAY + datetime.timedelta(days=n // 1000)
    )


def write_workbook(path: str) -> None:
    """The file as a unit's HR would send it: a title row, the header, the rows."""
    import django
    from openpyxl import Workbook

    django.setup()

    from credits.offline_upload import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("线下学时")
    sheet.append(["2025年度专业技术人员线下培训学时登记表"])
    sheet.append(COLUMNS)
    for i in range(ROWS):
        person = i % PEOPLE
        day = datetime.date(2025, 1, 1) + datetime.timedelta(days=i // PEOPLE)
        sheet.append(
            [
                id_number(person),
                f"压测{person}",
                "专业科目" if i % 3 else "公需科目",
                2.5,
                f"{day:%Y/%-m/%-d}",
                f"专题培训{i // PEOPLE}",
                f"B-{i}",
            ]
        )
    workbook.save(path)


def fresh_database():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def main() -> int:
    path = Path(tempfile.mkdtemp()) / "offline.xlsx"
    started = time.perf_counter()
    child = multiprocessing.get_context("fork").Process(target=write_workbook, args=(str(path),))
    child.start()
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from credits.models import YearRule
    from portal.models import Membership, ProfessionalProfile, ReviewStatus, Role, User
    from tests.factories import UnitFactory, UserFactory

    unit = UnitFactory()
    people = User.objects.bulk_create(
        User(id_number=id_number(i), real_name=f"压测{i}", password="!") for i in range(PEOPLE)
    )
    ProfessionalProfile.objects.bulk_create(
        ProfessionalProfile(user=p, unit=unit, status=ReviewStatus.APPROVED) for p in people
    )
    Membership.objects.bulk_create(Membership(user=p, role=Role.PROFESSIONAL) for p in people)
    hr = UserFactory()
    membership = Membership.objects.create(user=hr, role=Role.UNIT_HR, unit=unit)
    YearRule.objects.get_or_create(year=2025, defaults={"public_min": 30, "professional_min": 60})
    child.join()
    if child.exitcode != 0:
        print("could not write the workbook", file=sys.stderr)
        return 1
    content = path.read_bytes()
    print(
        f"{ROWS} rows, {len(content) / 2**20:.1f} MB xlsx, written in "
        f"{time.perf_counter() - started:.1f} s (with the database set-up)"
    )

    hr_membership = membership.pk
    del people
    content_mb = len(content) / 2**20
    del content
    setup_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"set-up process peak RSS {setup_mb:.0f} MB (not counted below); file {content_mb:.1f} MB"
    )

    # Each phase runs in a fresh interpreter (spawn, not fork: a forked child would
    # start with this process's pages), so that its peak RSS is its own.
    spawn = multiprocessing.get_context("spawn")
    results = {}
    for phase in ("read", "preview"):
        with spawn.Pool(1) as pool:
            results[phase] = pool.apply(run_phase, (phase, str(path), hr_membership))
        r = results[phase]
        print(
            f"{phase + ':':9}{r['rows']} rows in {r['seconds']:.2f} s, {r['errors']} errors; "
            f"RSS {r['base_mb']:.0f} MB after django.setup(), peak {r['peak_mb']:.0f} MB "
            f"(together {r['together_mb']:.0f} MB PSS; own {r['own_mb']:.0f}, "
            f"reader child {r['child_mb']:.0f} MB RSS)"
        )
        for error in r["first_errors"]:
            print("  ", error)
    read, preview = results["read"], results["preview"]
    peak_mb = max(read["peak_mb"], preview["peak_mb"])
    print(
        f"preview/read={preview['seconds'] / read['seconds']:.2f} "
        f"rows/s={ROWS / preview['seconds']:.0f} peak_mb={peak_mb:.0f}"
    )
    path.unlink()
    ok = preview["rows"] == ROWS == read["rows"] and not preview["errors"]
    return 0 if ok else 1


def _tree_pss_kb(pid: int) -> int:
    """The PSS of `pid` and its descendants, in kB (0 for a process already gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        children: list[str] = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                children += listed.read().split()
    except (FileNotFoundError, ProcessLookupError):
        return total
    return total + sum(_tree_pss_kb(int(child)) for child in children)


class _PeakSampler:
    """The highest PSS of this process and its children together, sampled."""

    def __init__(self, interval: float = 0.01):
        import threading

        self.peak_kb, self.interval = 0, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _tree_pss_kb(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_phase(phase: str, path: str, membership_pk: int) -> dict:
    """One phase in this (fresh) process and the reader's child process it forks; its
    peak is theirs together (see the module)."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from credits import offline_upload
    from portal import scoping
    from portal.models import Membership
    from portal.tabular import Table

    # The page takes 5,000 rows and 5 MB a file; this run takes the whole bench file.
    offline_upload.SPEC = dataclasses.replace(
        offline_upload.SPEC, max_rows=ROWS, max_bytes=64 * 2**20
    )
    membership = Membership.objects.select_related("user", "unit").get(pk=membership_pk)
    upload = SimpleUploadedFile("offline.xlsx", Path(path).read_bytes())
    base_mb = _rss_mb()
    with _PeakSampler() as sampler:
        started = time.perf_counter()
        if phase == "read":
            rows = sum(1 for _row in Table(upload, offline_upload.SPEC).rows())
            errors: list[str] = []
        else:
            parsed = offline_upload.parse_offline_workbook(
                upload,
                people=scoping.people_visible_to(membership),
                unit=membership.unit,
                uploader=membership.user,
            )
            rows, errors = len(parsed.rows), parsed.errors
        seconds = time.perf_counter() - started
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "rows": rows,
        "seconds": seconds,
        "errors": len(errors),
        "first_errors": errors[:5],
        "base_mb": base_mb,
        "peak_mb": max(sampler.peak_kb / 1024, own_mb, child_mb),
        "own_mb": own_mb,
        "child_mb": child_mb,
        "together_mb": sampler.peak_kb / 1024,
    }


if __name__ == "__main__":
    sys.exit(main())
