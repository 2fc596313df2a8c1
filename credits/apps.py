from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "credits"
    verbose_name = _("hours ledger")

    def ready(self):
        from credits import receivers  # noqa: F401  (connects the signal receivers)
        from credits.selectors import front_notice
        from portal import front

        # The year's rule in brief on the public front page (portal imports no app).
        front.register(
            "notice", order=10, template="credits/_front_notice.html", context=front_notice
        )
