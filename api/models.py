from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    """A partner's key to one tenant's API, limited to a few scopes.

    The key is `<prefix>.<secret>`: the prefix finds the row (and is shown in the admin so a
    leaked key can be recognised), the secret is kept only as a SHA-256 digest. A slow
    password hash is pointless for 256 random bits and would cost every request a few
    milliseconds. The plain key is shown once, when it is created. Rows live in the tenant's
    schema, so a key of one tenant is simply unknown on another tenant's host.
    """

    class Scope(models.TextChoices):
        PAGES_READ = "pages:read", "Read published pages"
        PAGES_WRITE = "pages:write", "Create, change and publish pages"
        SEARCH_READ = "search:read", "Search"
        EVENTS_WRITE = "events:write", "Send conversion events"
        IMAGES_WRITE = "images:write", "Upload, list and delete media library images"
        ANALYTICS_READ = "analytics:read", "Read the site's analytics"

    name = models.CharField(max_length=100, help_text="Who uses this key, e.g. the partner's name.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_secret = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
