"""TRUNCATE of the ledger is refused too, unless the session allows it explicitly.

Test databases reset tables with TRUNCATE; the test suite turns on
`credits.allow_truncate` for its own database only (tests/conftest.py).
"""

from django.db import migrations

PG_TRIGGER = """
CREATE OR REPLACE FUNCTION credits_entry_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('credits.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'credits_creditentry is append-only: TRUNCATE is not allowed'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER credits_entry_no_truncate
    BEFORE TRUNCATE ON credits_creditentry
    FOR EACH STATEMENT EXECUTE FUNCTION credits_entry_no_truncate();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS credits_entry_no_truncate ON credits_creditentry;
DROP FUNCTION IF EXISTS credits_entry_no_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("credits", "0003_offline_upload")]

    operations = [migrations.RunPython(forwards, backwards)]
