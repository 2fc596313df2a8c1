"""Every revocation of a training certificate records its category
(certificates.models.RevocationCategory), which the public reads on the verification
page and in the check of a file. Until now the check of a file called every revoked
training certificate "revoked by the issuer": the revocations already made get
"other"."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    TrainingCertificate = apps.get_model("digital_engineer", "TrainingCertificate")
    TrainingCertificate.objects.filter(revoked_at__isnull=False, revocation_category="").update(
        revocation_category="other"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("digital_engineer", "0011_training_certificate_render_blocked"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingcertificate",
            name="revocation_category",
            field=models.CharField(
                blank=True,
                choices=[
                    ("corrected", "information corrected, reissued"),
                    ("hours_reduced", "hours reduced on review"),
                    ("falsified", "falsified records"),
                    ("other", "other"),
                ],
                max_length=20,
                verbose_name="revocation category",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
