from django.db import migrations

from portal.reference import load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps.get_model("portal", "City"), apps.get_model("portal", "Authority"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
