"""portal.queries.many: one array parameter in place of a placeholder per value."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import User
from portal.queries import many
from tests.factories import UserFactory


@pytest.mark.django_db
def test_many_finds_what_a_plain_list_finds_with_one_parameter():
    people = UserFactory.create_batch(5)
    wanted = [p.id_number for p in people[:3]] + ["370102198506150000"]
    with CaptureQueriesContext(connection) as queries:
        found = set(User.objects.filter(id_number__in=many(wanted, "varchar")))
    assert found == set(User.objects.filter(id_number__in=wanted)) == set(people[:3])
    sql = queries[0]["sql"]
    assert "unnest(" in sql and sql.count("'{") == 1  # one array, not a value each
    ids = [p.pk for p in people[2:]]
    assert set(User.objects.filter(pk__in=many(ids, "bigint"))) == set(people[2:])
    assert not User.objects.filter(pk__in=many([], "bigint")).exists()


def test_many_refuses_an_unknown_array_type():
    with pytest.raises(ValueError, match="unsupported"):
        many([1], "text; DROP TABLE portal_user")
