"""Text messages. The backend is a setting (SMS_BACKEND) so that production can plug in
the province's SMS gateway; development prints the message on the console."""

import sys

from django.conf import settings
from django.utils.module_loading import import_string


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()


def send_sms(phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
