import subprocess
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connections

from certificates.services import certificate_issue, certificate_render
from credits.models import Category, Source
from credits.services import credit_post

YEAR = 2025

# Codes no document has, as a verification URL may carry them: unknown, too short or
# long, a NUL byte (which PostgreSQL refuses), non-ASCII letters. Each is a bare 404.
UNKNOWN_CODES = [
    "A" * 22,
    "short",
    "x" * 40,
    "A" * 16 + "%00",
    "A" * 22 + "%00",
    "证书" * 11,
    "Ａ" * 22,  # full-width
    "A" * 21 + "é",
]


def make_compliant(person, year=YEAR, public=30, professional=60):
    for category, hours in ((Category.PUBLIC, public), (Category.PROFESSIONAL, professional)):
        if hours:
            credit_post(
                person=person,
                year=year,
                category=category,
                hours=Decimal(hours),
                source=Source.COURSE,
                source_ref=f"cert-test-{person.pk}-{year}-{category}",
            )
    return person


@pytest.fixture
def certificate(alice, hr_a):
    """Alice's certificate for YEAR, issued by hr_a and rendered (signed and stored)."""
    make_compliant(alice)
    issued = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    return certificate_render(issued.pk)


@pytest.fixture
def client(client):
    """An address of its own: /verify/'s rate limit counts per address, and a test
    must not be limited by the lookups of the tests before it."""
    client.defaults["REMOTE_ADDR"] = f"fd00::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
    return client


def decode_qr(pdf_path, tmp_path, page=1) -> str:
    """What a phone reads from the QR code on `page` of the PDF (poppler + zbar)."""
    prefix = tmp_path / f"p{page}"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), pdf_path, prefix],
        check=True,
    )
    [image] = tmp_path.glob(f"p{page}*.png")
    return subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()


def race(jobs, expected=(Exception,)) -> list:
    """Run the callables `jobs` at once, each in a thread of its own with its own
    database connection, released together by a barrier; their results, or the
    exceptions of the `expected` kinds they raised, in the order they finished.
    For tests marked django_db(transaction=True): each job commits for real."""
    barrier = threading.Barrier(len(jobs))
    results = []

    def run(job):
        try:
            barrier.wait(timeout=10)
            results.append(job())
        except expected as error:
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
