from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigitalEngineerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "digital_engineer"
    verbose_name = _("digital-technology engineers")

    def ready(self):
        from certificates.registry import (
            register_blocked_provider,
            register_finder,
            register_provider,
            register_signed_kind,
        )
        from digital_engineer import receivers  # noqa: F401  (connects the signal receivers)
        from digital_engineer.selectors import (
            blocked_training_certificates,
            find_signed_training_certificate,
            find_training_certificate,
            flagged_training_certificates,
            held_training_certificates,
        )

        # Training certificates appear in 我的证书 and are found on /verify/, which
        # `certificates` renders without importing this app.
        register_provider(held_training_certificates)
        register_finder(find_training_certificate)
        register_blocked_provider(
            blocked_training_certificates, flagged=flagged_training_certificates
        )
        # Its signed PDFs are verified as files on /verify/ (certificates.signing).
        register_signed_kind(
            "digital_engineer.trainingcertificate", find_signed_training_certificate
        )

        # The institutions of the catalogue on the public front page (portal imports
        # no app).
        from digital_engineer.selectors import front_institutions
        from portal import front

        front.register(
            "institutions",
            order=50,
            template="digital_engineer/_front_institutions.html",
            context=front_institutions,
        )
