from django.apps import AppConfig


class DigitalEngineerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "digital_engineer"
