"""The editors' admin: pages with a structured block editor, nav editor, preview,
publish / unpublish, and revision history with compare and restore.

Thin: the form validates with the services' validator (so errors show per field and per
block), `save_model` and the actions call the services. Each tenant's admin lives in
its schema, so an editor only ever sees their own tenant's pages.
"""

import difflib
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.fields import InvalidJSONInput
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django_jsonform.forms.fields import JSONFormField

from config.json_input import JsonInvalid, JsonRefused, json_loads
from content import selectors, services
from content.editor import blocks_editor_data, blocks_editor_schema, nav_editor_schema
from content.exceptions import PageInvalid, error_path
from content.models import Page, PageRevision

EDITOR_FIELDS = ("title", "slug", "blocks", "nav", *services.SEO_FIELDS)


class StructuredJSONField(JSONFormField):
    """django-jsonform's editor widget; validation is ours (the pydantic models), not
    django-jsonform's schema validator, so admin and API accept exactly the same data.

    The posted text is parsed like the API's bodies (config.json_input): NUL, lone
    surrogates, duplicate keys or nesting the database or the parser cannot take are a
    form error naming the place (`[0].text: must not contain NUL ...`), not a 500."""

    def __init__(self, *, editor_data=None, **kwargs):
        self.editor_data = editor_data
        super().__init__(**kwargs)

    def validate(self, value):
        forms.JSONField.validate(self, value)

    def prepare_value(self, value):
        if self.editor_data is not None and isinstance(value, list):
            value = self.editor_data(value)
        return super().prepare_value(value)

    def to_python(self, value):
        if self.disabled:
            return value
        if value in (None, ""):
            return []
        if isinstance(value, list | dict):
            return value
        try:
            return json_loads(value)
        except JsonInvalid:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value}) from None
        except JsonRefused as exc:
            raise ValidationError([f"{error_path(loc) or 'the value'}: {msg}" for loc, msg in exc.problems]) from None

    def bound_data(self, data, initial):
        """What the form shows again after an error: what was posted, when it cannot be parsed."""
        if self.disabled:
            return initial
        try:
            return json_loads(data) if data is not None else None
        except (JsonInvalid, JsonRefused):
            return InvalidJSONInput(data)


class PageAdminForm(forms.ModelForm):
    blocks = StructuredJSONField(schema=blocks_editor_schema, editor_data=blocks_editor_data, required=False)
    nav = StructuredJSONField(schema=nav_editor_schema, required=False, label="Navigation menu")
    canonical_url = forms.URLField(required=False, assume_scheme="https", max_length=500)
    social_image = forms.URLField(required=False, assume_scheme="https", max_length=500)

    class Meta:
        model = Page
        fields = EDITOR_FIELDS

    def clean(self):
        cleaned = super().clean()
        fields = {name: cleaned[name] for name in EDITOR_FIELDS if name in cleaned}
        try:
            services.page_fields_validate(fields=fields, page=self.instance if self.instance.pk else None)
        except PageInvalid as exc:
            self._errors_attach(exc)
        return cleaned

    def _errors_attach(self, exc: PageInvalid) -> None:
        """Each error on its field; block and menu errors also on the block's own field
        inside the structured editor (django-jsonform's error map, keyed by coordinates)."""
        for error in exc.errors:
            field, *coords = error["loc"]
            if field in ("blocks", "nav") and coords:
                self.fields[field].widget.add_error({"§".join(str(c) for c in coords): [error["msg"]]})
            target = field if field in self.fields and field in self.cleaned_data else None
            self.add_error(target, f"{error_path(error['loc'])}: {error['msg']}")

    def validate_unique(self):
        """Slug uniqueness is checked by the service (one message, one place)."""


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageAdminForm
    change_form_template = "admin/content/page/change_form.html"

    class Media:
        # The media library's chooser on every `image_id` field of the block editor.
        css = {"all": ["images/admin.css"]}
        js = ["images/chooser.js"]

    list_display = ("title", "path_link", "status", "updated_at", "published_at")
    list_filter = ("status",)
    search_fields = ("title", "slug")
    actions = ("publish_selected", "unpublish_selected")
    fieldsets = (
        (None, {"fields": ("title", "slug", "blocks")}),
        ("Navigation", {"fields": ("nav",)}),
        ("Search engines and sharing", {"fields": services.SEO_FIELDS, "classes": ("collapse",)}),
    )

    @admin.display(description="Path", ordering="slug")
    def path_link(self, page: Page):
        return format_html('<a href="{}" target="_blank">{}</a>', page.path, page.path)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in EDITOR_FIELDS if name in form.cleaned_data}
        if change:
            page = services.page_update(page=Page.objects.get(pk=obj.pk), user=request.user, **fields)
        else:
            page = services.page_create(user=request.user, **fields)
        if "_publish" in request.POST:
            page = services.page_publish(page=page, user=request.user)
        elif "_unpublish" in request.POST:
            page = services.page_unpublish(page=page, user=request.user)
        obj.pk = page.pk
        obj.status = page.status
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.page_delete(page=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for page in queryset:
            services.page_delete(page=page, user=request.user)

    @admin.action(description="Publish selected pages", permissions=["change"])
    def publish_selected(self, request, queryset):
        for page in queryset:
            try:
                services.page_publish(page=page, user=request.user)
            except PageInvalid as exc:
                self.message_user(request, f"{page.path} not published: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{page.path} published.", messages.SUCCESS)

    @admin.action(description="Unpublish selected pages", permissions=["change"])
    def unpublish_selected(self, request, queryset):
        for page in queryset:
            services.page_unpublish(page=page, user=request.user)
        self.message_user(request, f"{queryset.count()} page(s) unpublished.", messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:page_id>/revisions/", view(self.revisions_view), name="content_page_revisions"),
            path(
                "<int:page_id>/revisions/<int:revision_id>/restore/",
                view(self.revision_restore_view),
                name="content_page_revision_restore",
            ),
            *super().get_urls(),
        ]

    def _page_for(self, request, page_id: int) -> Page:
        page = get_object_or_404(Page, pk=page_id)
        if not self.has_change_permission(request, page):
            raise PermissionDenied
        return page

    def revisions_view(self, request, page_id: int):
        """Revision history; `?compare=<id>` shows that revision next to the current draft."""
        page = self._page_for(request, page_id)
        revisions = selectors.page_revisions(page=page)
        compared = None
        diff_table = None
        if (compare_id := request.GET.get("compare", "")).isdigit():
            compared = get_object_or_404(PageRevision, pk=compare_id, page=page)
            diff_table = difflib.HtmlDiff(wrapcolumn=70).make_table(
                _revision_lines(compared),
                _revision_lines(page),
                fromdesc=f"Revision of {compared.created_at:%Y-%m-%d %H:%M:%S}",
                todesc="Current draft",
                context=True,
                numlines=3,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Revisions of {page.path}",
            "page": page,
            "revisions": revisions,
            "compared": compared,
            "diff_table": diff_table,
        }
        return TemplateResponse(request, "admin/content/page/revisions.html", context)

    def revision_restore_view(self, request, page_id: int, revision_id: int):
        page = self._page_for(request, page_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:content_page_revisions", args=[page.pk]))
        revision = get_object_or_404(PageRevision, pk=revision_id, page=page)
        try:
            services.page_revision_restore(revision=revision, user=request.user)
        except PageInvalid as exc:
            self.message_user(request, f"Not restored: {'; '.join(exc.messages)}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"Draft restored from {revision.created_at:%Y-%m-%d %H:%M:%S}. Publish to show it.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:content_page_change", args=[page.pk]))


def _revision_lines(item) -> list[str]:
    data = {"title": item.title, "blocks": item.blocks, "nav": item.nav}
    return json.dumps(data, indent=2, ensure_ascii=False).splitlines()
