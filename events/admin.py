"""Tenant admin: endpoints and destination to configure, deliveries and conversion
events to watch (status, attempts, last error) and replay."""

from django import forms
from django.contrib import admin, messages

from config.admin import OneRowAdmin
from events import services
from events.models import ConversionEvent, MetaDestination, WebhookEndpoint, WebhookEvent


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "scheme", "is_active", "created_at"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        old_slug = form.initial.get("slug") if change else None
        services.webhook_endpoint_save(endpoint=obj, old_slug=old_slug)

    def delete_model(self, request, obj):
        services.webhook_endpoint_delete(endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_delete(endpoint=endpoint)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["provider_event_id", "endpoint", "event_type", "status", "attempts", "last_error", "received_at"]
    list_filter = ["status", "endpoint"]
    search_fields = ["provider_event_id", "event_type"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields if f.name != "body"] + ["body_text"]
    exclude = ["body"]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="body")
    def body_text(self, obj):
        return bytes(obj.body).decode("utf-8", "replace")

    @admin.action(description="Replay selected deliveries")
    def replay(self, request, queryset):
        count = services.webhook_events_replay(pks=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} deliveries sent again.", messages.SUCCESS)


class MetaDestinationForm(forms.ModelForm):
    """The access token is write-only: the field is always empty, and left empty it
    keeps the stored token."""

    access_token = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="Leave empty to keep the current one."
    )

    base_url = forms.URLField(assume_scheme="https", initial="https://graph.facebook.com")

    class Meta:
        model = MetaDestination
        fields = ["pixel_id", "access_token", "api_version", "test_event_code", "base_url", "is_active"]

    def clean_access_token(self):
        token = self.cleaned_data.get("access_token")
        if token:
            return token
        if self.instance.pk and self.instance.access_token:
            return self.instance.access_token
        raise forms.ValidationError("An access token is required.")


@admin.register(MetaDestination)
class MetaDestinationAdmin(OneRowAdmin, admin.ModelAdmin):
    form = MetaDestinationForm
    list_display = ["pixel_id", "api_version", "test_event_code", "base_url", "is_active"]


@admin.register(ConversionEvent)
class ConversionEventAdmin(admin.ModelAdmin):
    list_display = ["event_name", "event_id", "source", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status", "source", "event_name"]
    search_fields = ["event_id"]
    readonly_fields = [f.name for f in ConversionEvent._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send selected events again")
    def replay(self, request, queryset):
        count = services.conversion_events_replay(pks=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} events queued again.", messages.SUCCESS)
