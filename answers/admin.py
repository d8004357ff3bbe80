"""Answers in the tenant admin: the site's model settings (one row; the key is write-only,
stored encrypted) and the trace of every answer (read-only), with token totals."""

from django import forms
from django.contrib import admin
from django.db.models import Sum

from answers.models import AnswerRecord, AnswerSettings
from answers.services import answer_settings_update
from config.admin import OneRowAdmin


class AnswerSettingsForm(forms.ModelForm):
    api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted, never shown again. Empty: keep the stored key (or use the platform's).",
    )
    clear_api_key = forms.BooleanField(required=False, help_text="Remove the stored key.")

    class Meta:
        model = AnswerSettings
        fields = ["base_url", "model", "extractive_only", "keep_questions"]


@admin.register(AnswerSettings)
class AnswerSettingsAdmin(OneRowAdmin, admin.ModelAdmin):
    form = AnswerSettingsForm
    list_display = ["__str__", "base_url", "model", "extractive_only", "keep_questions", "key_stored"]
    fields = ["base_url", "model", "api_key", "clear_api_key", "extractive_only", "keep_questions"]

    @admin.display(boolean=True, description="key stored")
    def key_stored(self, obj) -> bool:
        return bool(obj.api_key_encrypted)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        api_key = "" if data.get("clear_api_key") else (data.get("api_key") or None)
        answer_settings_update(
            answer_settings=obj,
            base_url=data.get("base_url") or "",
            model=data.get("model") or "",
            extractive_only=data.get("extractive_only", False),
            keep_questions=data.get("keep_questions", False),
            api_key=api_key,
        )


@admin.register(AnswerRecord)
class AnswerRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "mode", "surface", "model", "tokens_in", "tokens_out", "latency_ms", "note"]
    list_filter = ["mode", "surface", "model"]
    search_fields = ["question", "note"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        totals = AnswerRecord.objects.aggregate(tokens_in=Sum("tokens_in"), tokens_out=Sum("tokens_out"))
        extra_context = {
            **(extra_context or {}),
            "title": "Answers ({tokens_in} tokens in, {tokens_out} out)".format(
                tokens_in=totals["tokens_in"] or 0, tokens_out=totals["tokens_out"] or 0
            ),
        }
        return super().changelist_view(request, extra_context)
