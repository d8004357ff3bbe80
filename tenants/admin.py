"""The platform admin (public host only): tenants, domains, platform users.

It is its own AdminSite so tenant admins never list Tenant or Domain: the tenant
URLconf mounts `django.contrib.admin.site`, which holds only tenant models. Saves go
through the same services as the command line and the API.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from tenants import services
from tenants.models import Domain, Tenant
from tenants.selectors import tenant_list_live


class PlatformAdminSite(admin.AdminSite):
    site_header = "Platform administration"
    site_title = "Platform admin"
    index_title = "Tenants and domains"


platform_site = PlatformAdminSite(name="platform")


class TenantCreateForm(forms.ModelForm):
    """Checks the name with the provisioning service's own rules, so a bad name is a
    form error rather than a failed save."""

    class Meta:
        model = Tenant
        fields = ("schema_name", "name")

    def clean_schema_name(self):
        name = self.cleaned_data["schema_name"]
        services.schema_name_validate(name)
        if Tenant.objects.filter(schema_name=name).exists():
            raise forms.ValidationError(services.TENANT_EXISTS.format(name=name))
        return name


class DomainCreateForm(forms.ModelForm):
    class Meta:
        model = Domain
        fields = ("domain", "tenant", "is_primary")

    def clean_domain(self):
        domain = self.cleaned_data["domain"].lower()
        services.domain_validate(domain)
        return domain


@admin.register(Tenant, site=platform_site)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("schema_name", "name", "primary_domain", "is_active", "created_on")
    list_filter = ("is_active",)
    search_fields = ("schema_name", "name", "domains__domain")
    actions = ["deactivate", "activate"]

    def get_queryset(self, request):
        return tenant_list_live().prefetch_related("domains")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TenantCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("schema_name", "name", "is_active", "domain_list") if obj else ("schema_name", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("schema_name", "is_active", "domain_list") if obj else ()

    @admin.display(description="domains")
    def domain_list(self, obj):
        # Listed, not edited inline: domains change through the Domain admin's services.
        return ", ".join(d.domain + (" (primary)" if d.is_primary else "") for d in obj.domains.all()) or "-"

    @admin.display(description="primary domain")
    def primary_domain(self, obj):
        return next((d.domain for d in obj.domains.all() if d.is_primary), "")

    def save_model(self, request, obj, form, change):
        if change:
            services.tenant_rename(tenant=obj, name=obj.name)
            return
        created = services.tenant_provision(name=obj.schema_name, display_name=obj.name)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.tenant_delete(tenant=obj)

    def delete_queryset(self, request, queryset):
        for tenant in queryset:
            services.tenant_delete(tenant=tenant)

    @admin.action(description="Deactivate (stop serving) selected tenants")
    def deactivate(self, request, queryset):
        for tenant in queryset:
            services.tenant_deactivate(tenant=tenant)

    @admin.action(description="Activate selected tenants")
    def activate(self, request, queryset):
        for tenant in queryset:
            services.tenant_activate(tenant=tenant)


@admin.register(Domain, site=platform_site)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    search_fields = ("domain", "tenant__schema_name")
    fields = ("domain", "tenant", "is_primary")
    list_select_related = ("tenant",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DomainCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A host is re-pointed by removing it and adding it again, through services.
        return ("domain", "tenant") if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            kwargs["queryset"] = tenant_list_live()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            services.domain_primary_set(domain=obj, is_primary=obj.is_primary)
            return
        created = services.domain_add(tenant=obj.tenant, domain=obj.domain, is_primary=obj.is_primary)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.domain_remove(domain=obj)

    def delete_queryset(self, request, queryset):
        for domain in queryset:
            services.domain_remove(domain=domain)


platform_site.register(User, UserAdmin)
platform_site.register(Group, GroupAdmin)
