from django.db import migrations

# The notice, section 二(二): the three public-subject platforms of province-direct units.
PLATFORMS = [("sdou", "山东开放大学"), ("xiekeyun", "蟹壳云学"), ("zjzd", "专技知到")]


def load(apps, schema_editor):
    Platform = apps.get_model("learning", "Platform")
    for code, name in PLATFORMS:
        Platform.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
