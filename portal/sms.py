"""Text messages. The backend is a setting (SMS_BACKEND) so that production can plug in
the province's SMS gateway; development prints the message on the console, which
production refuses (portal.checks.sms_backend_problems)."""

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()


class DisabledBackend:
    """For a deployment without an SMS gateway: nothing is sent (password-reset codes
    then reach only accounts that give their e-mail), and the text, which may hold a
    code, is not logged."""

    def send(self, phone: str, text: str) -> None:
        logging.getLogger(__name__).warning("No SMS gateway: a text message was not sent.")


def send_sms(phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
