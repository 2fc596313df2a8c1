"""Every revocation records its category (certificates.models.RevocationCategory),
which the public reads on the verification page and in the check of a file. Until
now it was derived when shown: "corrected and reissued" when the person holds a
valid certificate of the same year issued after the revoked one, else "revoked by
the issuer". The revocations already made get the category that derivation gives:
corrected for the first, other for the rest."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def forwards(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    revoked = Certificate.objects.filter(status="revoked", revocation_category="")
    reissued = Certificate.objects.filter(
        person_id=OuterRef("person_id"),
        year=OuterRef("year"),
        status="valid",
        issued_at__gt=OuterRef("issued_at"),
    )
    revoked.filter(Exists(reissued)).update(revocation_category="corrected")
    revoked.update(revocation_category="other")


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0004_eligibility_statements_title_documents_year_ranges"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
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
