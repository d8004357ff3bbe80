"""API keys in the tenant admin: created through the same service as the API, shown once."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from api import services
from api.models import ApiKey

KEY_CREATED = "API key created. Copy it now, it is not shown again: {key}"
KEYS_REVOKED = "{count} key(s) revoked."


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "expires_at"]

    def clean(self):
        data = super().clean()
        try:
            services.api_key_validate(
                name=data.get("name") or "", scopes=data.get("scopes") or [], expires_at=data.get("expires_at")
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, errors)
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at", "created_by"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # A key is immutable once made: revoke it and create another.
        if obj is not None:
            return ["name", "scopes", "expires_at", "prefix", "revoked_at", "last_used_at", "created_by"]
        return []

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) or ["name", "scopes", "expires_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        key, plain = services.api_key_create(
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data.get("expires_at"),
            created_by=request.user,
        )
        obj.pk, obj.prefix, obj._state.adding = key.pk, key.prefix, False
        messages.warning(request, KEY_CREATED.format(key=plain))

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for key in queryset:
            services.api_key_revoke(key=key)
            count += 1
        self.message_user(request, KEYS_REVOKED.format(count=count), messages.SUCCESS)
