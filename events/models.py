"""Rows of the events app, all in the tenant's schema.

Two flows share one shape: a row is written first (the outbox), then a task works on
it. `status`, `attempts`, `last_error` and `next_attempt_at` are what the admin shows
and what the outbox sweeper reads to re-send work a lost task never did.
"""

from django.db import models


class Scheme(models.TextChoices):
    STRIPE = "stripe", "Stripe (Stripe-Signature)"
    GITHUB = "github", "GitHub (X-Hub-Signature-256)"
    STANDARD = "standard", "Standard Webhooks (webhook-signature)"


# A webhook endpoint's slug, also checked on /api/webhooks/<slug>/ before any lookup:
# SlugField's characters (validate_slug), at most WEBHOOK_SLUG_MAX_LENGTH of them.
WEBHOOK_SLUG_MAX_LENGTH = 60
WEBHOOK_SLUG_PATTERN = rf"^[-a-zA-Z0-9_]{{1,{WEBHOOK_SLUG_MAX_LENGTH}}}$"


class WebhookEndpoint(models.Model):
    """Where one provider posts: /api/webhooks/<slug>/.

    `secrets` holds one secret per line; every line verifies, so a tenant rotates by
    adding the new secret, switching the provider, then removing the old one.
    """

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=WEBHOOK_SLUG_MAX_LENGTH, unique=True)
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    secrets = models.TextField(help_text="One signing secret per line; all of them verify (rotation).")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.name} ({self.scheme})"

    @property
    def secret_list(self) -> list[str]:
        return [line.strip() for line in self.secrets.splitlines() if line.strip()]


class WebhookEvent(models.Model):
    """One verified delivery, stored before it is processed (the inbox/outbox row)."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="events")
    provider_event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=255, blank=True)
    body = models.BinaryField()
    headers = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "provider_event_id"], name="events_webhook_unique_delivery")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="events_webhook_due")]
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.event_type or 'event'} {self.provider_event_id}"


class MetaDestination(models.Model):
    """The tenant's Conversions API destination (one per tenant schema)."""

    pixel_id = models.CharField(max_length=40)
    access_token = models.TextField()
    api_version = models.CharField(max_length=10, default="v21.0")
    test_event_code = models.CharField(max_length=40, blank=True)
    base_url = models.URLField(default="https://graph.facebook.com")
    is_active = models.BooleanField(default=True)

    def __str__(self):
        return f"Pixel {self.pixel_id}"

    @property
    def events_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.api_version}/{self.pixel_id}/events"


class ConversionEvent(models.Model):
    """A server event as it will be sent to Meta: user_data holds only hashes and the
    four fields Meta wants in clear (IP, user agent, fbc, fbp); never plain PII."""

    class Source(models.TextChoices):
        API = "api", "API"
        WEBHOOK = "webhook", "webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        REJECTED = "rejected", "rejected by Meta"
        FAILED = "failed", "gave up"

    event_name = models.CharField(max_length=100)
    event_id = models.CharField(max_length=255)
    event_time = models.BigIntegerField()
    action_source = models.CharField(max_length=30)
    event_source_url = models.URLField(max_length=2000, blank=True)
    user_data = models.JSONField(default=dict)
    custom_data = models.JSONField(default=dict, blank=True)
    data_processing_options = models.JSONField(null=True, blank=True)
    data_processing_options_country = models.IntegerField(null=True, blank=True)
    data_processing_options_state = models.IntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    # A webhook yields at most one conversion: processing it twice cannot send twice.
    webhook_event = models.OneToOneField(
        WebhookEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversion"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["event_name", "event_id", "created_at"], name="events_conversion_dedupe"),
            models.Index(fields=["status", "next_attempt_at"], name="events_conversion_due"),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.event_name} {self.event_id}"

    def to_meta(self) -> dict:
        """The event in Meta's server-event shape (what is sent, byte for byte)."""
        event = {
            "event_name": self.event_name,
            "event_time": self.event_time,
            "event_id": self.event_id,
            "action_source": self.action_source,
            "user_data": self.user_data,
        }
        if self.event_source_url:
            event["event_source_url"] = self.event_source_url
        if self.custom_data:
            event["custom_data"] = self.custom_data
        if self.data_processing_options is not None:
            event["data_processing_options"] = self.data_processing_options
            if self.data_processing_options_country is not None:
                event["data_processing_options_country"] = self.data_processing_options_country
            if self.data_processing_options_state is not None:
                event["data_processing_options_state"] = self.data_processing_options_state
        return event
