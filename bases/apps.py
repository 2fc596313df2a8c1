from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bases"
    verbose_name = _("continuing-education bases")

    def ready(self):
        # The bases and their open trainings on the public front page (portal
        # imports no app), between the plans (30) and the institutions (50).
        from bases.selectors import front_bases
        from portal import front

        front.register("bases", order=40, template="bases/_front_bases.html", context=front_bases)
