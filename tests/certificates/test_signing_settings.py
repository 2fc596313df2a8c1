"""Production signs every document with its own key, or does not start (issue 17)."""

import pytest

from tests.portal.test_settings import PRODUCTION_ENV, manage


@pytest.mark.parametrize("missing", ["SIGNING_PKCS12_PATH", "SIGNING_PKCS12_PASSWORD"])
def test_production_refuses_to_start_without_the_signing_key(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD must be set" in result.stderr


def test_production_refuses_a_key_file_that_is_not_there(tmp_path):
    missing = str(tmp_path / "nowhere.p12")
    result = manage("check", env={**PRODUCTION_ENV, "SIGNING_PKCS12_PATH": missing})
    assert result.returncode != 0
    assert "cannot be read" in result.stderr


def test_production_refuses_a_key_file_its_password_does_not_open():
    result = manage("check", env={**PRODUCTION_ENV, "SIGNING_PKCS12_PASSWORD": "wrong"})
    assert result.returncode != 0
    assert "is not a PKCS#12 file that SIGNING_PKCS12_PASSWORD opens" in result.stderr


def test_production_refuses_to_store_documents_unsigned():
    result = manage("check", env={**PRODUCTION_ENV, "SIGN_DOCUMENTS": "false"})
    assert result.returncode != 0
    assert "SIGN_DOCUMENTS is off" in result.stderr


def test_production_starts_with_its_key():
    result = manage("check", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr


def test_check_deploy_says_documents_are_signed_with_the_test_key():
    result = manage("check", "--deploy", env={})
    output = result.stdout + result.stderr
    assert "portal.W102" in output
    assert "self-signed test key" in output
