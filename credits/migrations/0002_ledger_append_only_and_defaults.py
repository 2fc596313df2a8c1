"""The ledger is append-only in the database, and the defaults of the rules.

A trigger rejects UPDATE and DELETE on credits_creditentry (PostgreSQL and the
embedded SQLite). TRUNCATE is left alone: it is what test databases are reset with.
"""

from decimal import Decimal

from django.db import migrations

PG_TRIGGER = """
CREATE OR REPLACE FUNCTION credits_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'credits_creditentry is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER credits_entry_append_only
    BEFORE UPDATE OR DELETE ON credits_creditentry
    FOR EACH ROW EXECUTE FUNCTION credits_entry_append_only();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS credits_entry_append_only ON credits_creditentry;
DROP FUNCTION IF EXISTS credits_entry_append_only();
"""
SQLITE_TRIGGERS = [
    """CREATE TRIGGER credits_entry_no_update BEFORE UPDATE ON credits_creditentry
       BEGIN SELECT RAISE(ABORT, 'credits_creditentry is append-only: UPDATE is not allowed'); END""",
    """CREATE TRIGGER credits_entry_no_delete BEFORE DELETE ON credits_creditentry
       BEGIN SELECT RAISE(ABORT, 'credits_creditentry is append-only: DELETE is not allowed'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS credits_entry_no_update",
    "DROP TRIGGER IF EXISTS credits_entry_no_delete",
]

# RULES.md: 30 public + 60 professional hours a year (configurable per year).
YEARS = range(2021, 2027)
# RULES.md, title evaluation: at most the last 4 years for 中级, 5 for 高级.
REVIEW_PERIODS = {"intermediate": 4, "deputy_senior": 5, "senior": 5}
# RULES.md conversion table; rows marked * there follow other provinces' tables,
# the others are placeholders for the provincial administrator to set.
ACTIVITY_KINDS = [
    # code, name, category, per, hours, bonus label, bonus, cap, order
    ("training-day", "脱产培训（全天）", "professional", "天", "6", "", "0", None, 10),
    ("conference-national", "参加国家级学术会议", "professional", "次", "12", "提交论文并交流", "6", "24", 20),
    ("conference-provincial", "参加省级学术会议", "professional", "次", "8", "提交论文并交流", "4", "16", 30),
    ("paper-first-author", "在期刊发表论文（第一作者）", "professional", "篇", "10", "", "0", "20", 40),
    ("degree-course", "学历教育课程（考试合格）", "professional", "门", "15", "", "0", "45", 50),
    ("teaching", "授课", "professional", "学时", "2", "", "0", "20", 60),
    ("research-project", "主持或主要参与课题研究", "professional", "项", "20", "", "0", "20", 70),
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
    YearRule = apps.get_model("credits", "YearRule")
    for year in YEARS:
        YearRule.objects.get_or_create(
            year=year, defaults={"public_min": Decimal(30), "professional_min": Decimal(60)}
        )
    ReviewPeriodRule = apps.get_model("credits", "ReviewPeriodRule")
    for level, years in REVIEW_PERIODS.items():
        ReviewPeriodRule.objects.get_or_create(title_level=level, defaults={"max_years": years})
    ActivityKind = apps.get_model("credits", "ActivityKind")
    for code, name, category, per, hours, bonus_label, bonus, cap, order in ACTIVITY_KINDS:
        ActivityKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "unit_label": per,
                "hours_per_unit": Decimal(hours),
                "bonus_label": bonus_label,
                "bonus_hours": Decimal(bonus),
                "cap_per_year": Decimal(cap) if cap else None,
                "order": order,
            },
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
