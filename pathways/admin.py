"""Django's admin for setup data: partnerships, trusts, municipalities, people. Content is edited in
the staff editor, which goes through the services; published versions are read-only here."""

from django.contrib import admin
from reversion.admin import VersionAdmin

from . import models


class MunicipalityInline(admin.TabularInline):
    model = models.Municipality
    extra = 0


@admin.register(models.Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "health_trust"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MunicipalityInline]


@admin.register(models.HealthTrust)
class HealthTrustAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(models.Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "partnership", "municipality", "language"]
    list_filter = ["role", "partnership"]
    search_fields = ["user__username"]
    # A municipality contact (the traffic-light review) answers for one municipality.
    list_select_related = ["user", "partnership", "municipality"]


@admin.register(models.Pathway)
class PathwayAdmin(VersionAdmin):
    list_display = ["slug", "title_nb", "current_version"]
    readonly_fields = ["current_version"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the admin shows but never adds, changes or deletes: they are made elsewhere (published
    versions from the staff pages, traffic-light marks on the marking page)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(models.Version)
class VersionAdmin_(ReadOnlyAdmin):
    list_display = ["pathway", "number", "kind", "published_at", "published_by"]
    list_filter = ["pathway", "kind"]


@admin.register(models.LocalVersion)
class LocalVersionAdmin(ReadOnlyAdmin):
    """Published local versions, read-only like the common ones: they are published from the staff
    editor's adaptation page."""

    list_display = ["number", "adaptation", "common_version", "published_at", "published_by"]
    list_filter = ["adaptation__partnership"]
