"""The public-subject online platforms, their API keys, and the records they send
(pushed or imported as a file): the models of learning.platforms."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credits.models import Category, CreditEntry
from portal.models import Job
from portal.storage import private_storage


class Platform(models.Model):
    """One of the public-subject online platforms (山东开放大学, 蟹壳云学, 专技知到)."""

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=50)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["code"]

    def __str__(self):
        return self.name


class PlatformKey(models.Model):
    """An API key of a platform. The secret is shown once, when created; HMAC needs it
    on the server, so it is stored, but never shown, logged or put in the admin."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(_("key id"), max_length=32, unique=True)
    secret = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform API key")
        verbose_name_plural = _("platform API keys")

    def __str__(self):
        return self.key_id

    @classmethod
    def new_for(cls, platform) -> tuple["PlatformKey", str]:
        """Create a key; return it with its secret, which is not retrievable later."""
        secret = secrets.token_hex(32)
        key = cls.objects.create(
            platform=platform, key_id=f"{platform.code}-{secrets.token_hex(6)}", secret=secret
        )
        return key, secret


class ReceivedBatch(models.Model):
    """A push or an imported file, as it arrived."""

    class Channel(models.TextChoices):
        API = "api", _("push API")
        FILE = "file", _("file import")

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="batches")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    key = models.ForeignKey(PlatformKey, on_delete=models.PROTECT, null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    record_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("received batch")
        verbose_name_plural = _("received batches")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.platform} {self.received_at:%Y-%m-%d %H:%M}"


class PlatformRecord(models.Model):
    """One completion record, stored whatever became of it; nothing is dropped."""

    class Outcome(models.TextChoices):
        CREDITED = "credited", _("credited")
        DUPLICATE = "duplicate", _("duplicate")
        REJECTED = "rejected", _("rejected")

    batch = models.ForeignKey(ReceivedBatch, on_delete=models.PROTECT, related_name="records")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="records")
    raw = models.JSONField(_("record as received"))
    external_id = models.CharField(_("external id"), max_length=100, db_index=True)
    id_number = models.CharField(_("ID card number"), max_length=30, blank=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    course_title = models.CharField(_("course"), max_length=200, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    credit = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, null=True, blank=True)
    resolved = models.BooleanField(
        _("resolved"),
        default=False,
        help_text=_("Rejected on arrival, processed successfully later."),
    )

    class Meta:
        verbose_name = _("platform record")
        verbose_name_plural = _("platform records")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["platform", "year", "outcome"], name="platform_record_recon")
        ]

    def __str__(self):
        return f"{self.platform_id}:{self.external_id}"

    @property
    def source_ref(self) -> str:
        return ledger_ref(self.platform.code, self.external_id)


def ledger_ref(platform_code: str, external_id: str) -> str:
    return f"{platform_code}:{external_id}"


class ImportJob(Job):
    """A platform's export file, processed on a worker through the push path."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT)
    file = models.FileField(storage=private_storage)
    file_name = models.CharField(max_length=200)
    confirmed = models.BooleanField(default=False)
    preview = models.JSONField(default=dict, blank=True)
    credited = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("platform file import")
        verbose_name_plural = _("platform file imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
