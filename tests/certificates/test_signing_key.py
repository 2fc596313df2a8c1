"""The local test key (certificates.signing.ensure_test_key) on mounts without hard
links, after a process was killed while writing it; and the registry's dates."""

import datetime
import os
import time

from django.utils import timezone

from certificates import registry, signing


def test_the_test_key_is_created_where_hard_links_are_refused(tmp_path, monkeypatch):
    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "var" / "signing.p12"
    signing.ensure_test_key(path, "secret")
    identity = signing._load_identity(str(path), "secret", path.stat().st_mtime_ns)
    assert identity.fingerprint
    assert list(path.parent.glob(".signing-*.p12")) == []
    first = path.read_bytes()
    signing.ensure_test_key(path, "secret")  # already there: kept as it is
    assert path.read_bytes() == first


def test_temporary_key_files_left_by_a_killed_process_are_removed(tmp_path):
    folder = tmp_path / "var"
    folder.mkdir()
    stale = folder / ".signing-killed.p12"
    stale.write_bytes(b"half a key")
    old = time.time() - signing.STALE_TEMPORARY_SECONDS - 60
    os.utime(stale, (old, old))
    fresh = folder / ".signing-writing-now.p12"  # another process, still writing
    fresh.write_bytes(b"being written")
    signing.ensure_test_key(folder / "signing.p12", "secret")
    assert not stale.exists()
    assert fresh.exists()
    assert (folder / "signing.p12").exists()


def test_a_documents_dates_may_be_dates_or_moments():
    """A model whose issued_at is a DateField is shown as is; a DateTimeField's
    value by its local date."""
    day = datetime.date(2025, 3, 1)
    assert registry.local_date(day) == day
    late = datetime.datetime(2025, 2, 28, 17, 30, tzinfo=datetime.UTC)  # 01:30 in Jinan
    assert registry.local_date(late) == timezone.localdate(late) == datetime.date(2025, 3, 1)
    assert registry.local_date(None) is None


def test_files_signed_before_a_key_rotation_still_verify(settings, tmp_path):
    """The portal moves to a new key: files signed with the old one are still its
    own once the old certificate is listed in SIGNING_PREVIOUS_CERTIFICATES."""
    from asn1crypto import pem

    from portal.pdf import render_pdf

    unsigned = render_pdf("<html><body><p>旧密钥签发的证书</p></body></html>")
    current = settings.SIGNING_PKCS12_PATH, settings.SIGNING_TEST_KEY
    old_key = tmp_path / "old.p12"
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_TEST_KEY = str(old_key), True
    signed = signing.sign_pdf(unsigned, kind="certificates.certificate", serial="SD2020000001")
    old = signing.signing_identity()
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_TEST_KEY = current

    assert signing.verify_pdf(signed).outcome == signing.Outcome.FOREIGN
    certificate_file = tmp_path / "old-certificate.pem"
    certificate_file.write_bytes(pem.armor("CERTIFICATE", old.certificate.dump()))
    settings.SIGNING_PREVIOUS_CERTIFICATES = [str(certificate_file)]
    check = signing.verify_pdf(signed)
    assert check.outcome == signing.Outcome.INTACT
    assert check.serial == "SD2020000001"
