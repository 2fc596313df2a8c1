from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("people and organisations")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal import auth_cache, checks  # noqa: F401 - checks registers the system checks

        # What a login snapshot holds changed: forget it (portal.auth_cache).
        for name in ("User", "Membership", *auth_cache.HELD_THROUGH):
            model = self.get_model(name)
            for signal in (post_save, post_delete):
                signal.connect(
                    auth_cache.forget_on_change, sender=model, dispatch_uid=f"auth-{name}"
                )
