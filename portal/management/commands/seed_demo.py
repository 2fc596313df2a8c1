from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, seed_demo
from portal.models import Unit, User


class Command(BaseCommand):
    help = "Create the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        logins = seed_demo()
        # Other apps add their demo data through their own `demo.seed()`; portal
        # imports no other app, so they are found through the app registry.
        for config in apps.get_app_configs():
            if config.name != "portal" and find_spec(f"{config.name}.demo"):
                import_module(f"{config.name}.demo").seed()
        self.stdout.write(
            f"Demo data: {Unit.objects.count()} units, "
            f"{User.objects.professionals().count()} professionals."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(
                f"  {login.roles:<24} {login.real_name:<4} "
                f"ID {login.id_number}  phone {login.phone}"
            )
