from django.db import migrations

# Placeholder training hours per level (configurable; RULES.md: "training hours per
# level per direction are configurable"); provincial HR sets the real figures.
HOURS = {"junior": 128, "intermediate": 160, "senior": 192}
SUBSIDY = {"junior": "3000.00", "intermediate": "4000.00", "senior": "5000.00"}
DIRECTIONS = [
    "ai",
    "iot",
    "big_data",
    "cloud",
    "digital_management",
    "smart_manufacturing",
    "industrial_internet",
    "vr",
    "blockchain",
    "ic",
]


def load(apps, schema_editor):
    Standard = apps.get_model("digital_engineer", "Standard")
    for direction in DIRECTIONS:
        for level, hours in HOURS.items():
            Standard.objects.get_or_create(
                direction=direction,
                level=level,
                defaults={"training_hours": hours, "subsidy": SUBSIDY[level]},
            )


class Migration(migrations.Migration):
    dependencies = [("digital_engineer", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
