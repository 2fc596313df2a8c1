from django.apps import AppConfig


class DigitalEngineerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "digital_engineer"

    def ready(self):
        from digital_engineer import receivers  # noqa: F401  (connects the signal receivers)
