"""Small helpers for queries the ORM spells expensively."""

from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL

ARRAY_TYPES = frozenset({"bigint", "varchar"})


def many(values: Iterable, db_type: str):
    """The right-hand side of an `__in` lookup over many values: on PostgreSQL one
    array parameter (`IN (SELECT unnest(%s::<db_type>[]))`) rather than a placeholder
    per value, whose binding costs the client more than 1,000 values cost the query;
    elsewhere (SQLite) the values as a list. `db_type` is "bigint" (ids) or "varchar"."""
    if db_type not in ARRAY_TYPES:
        raise ValueError(f"unsupported array type {db_type!r}")
    values = sorted(set(values))
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{db_type}[])", (values,))  # noqa: S611 - a constant
    return values
