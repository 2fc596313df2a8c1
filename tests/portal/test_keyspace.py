"""One deployment name for keys in a shared Redis (portal.keyspace)."""

from django.db import connections

from learning.catalog import study_clock
from portal.keyspace import namespace


def test_each_database_gets_its_own_namespace(monkeypatch, settings):
    settings.DEPLOYMENT_ID = ""
    database = connections["default"].settings_dict
    names = {namespace()}
    for key, value in (("NAME", "other"), ("HOST", "10.0.0.9"), ("PORT", "6543")):
        monkeypatch.setitem(database, key, value)
        names.add(namespace())
    assert len(names) == 4  # the same name on another server is another deployment
    assert all(len(name) == 12 and ":" not in name for name in names)
    assert study_clock.prefix() == f"study:{namespace()}:"


def test_a_deployment_id_names_the_deployment(settings):
    settings.DEPLOYMENT_ID = "province-prod"
    assert namespace() == "province-prod"
    assert study_clock.prefix() == "study:province-prod:"
    settings.DEPLOYMENT_ID = "a:b"  # ":" separates the parts of a key
    assert namespace() == "a_b"
