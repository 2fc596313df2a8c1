from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "credits"
    verbose_name = _("hours ledger")

    def ready(self):
        from credits import receivers  # noqa: F401  (connects the signal receivers)
