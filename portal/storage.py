import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files only views that check the viewer may hand out: no URL, outside MEDIA_ROOT.

    The location is read from settings on every use so that tests can move it."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
