from django.db import migrations

# The notice, section 二(一): the 2025 public-subject topics.
REQUIRED = [
    "习近平新时代中国特色社会主义思想",
    "深入贯彻中央八项规定精神学习教育",
    "黄河流域生态保护和高质量发展",
    "专业技术人员职业道德和能力建设",
]
OPTIONAL = [
    "数字技术",
    "知识产权",
    "网络安全",
    "应急管理",
    "医养健康",
    "人才国际化",
    "科学精神培育",
    "团队合作建设",
    "人文素养",
]


def load(apps, schema_editor):
    Topic = apps.get_model("learning", "Topic")
    for kind, names in (("required", REQUIRED), ("optional", OPTIONAL)):
        for order, name in enumerate(names):
            Topic.objects.get_or_create(
                year=2025, name=name, defaults={"kind": kind, "order": order}
            )


class Migration(migrations.Migration):
    dependencies = [("learning", "0003_catalog")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
