from django.contrib import admin

from pathways.admin import ReadOnlyAdmin

from .models import SectionMark


@admin.register(SectionMark)
class SectionMarkAdmin(ReadOnlyAdmin):
    """The marks, to look up; they are made on the marking page, by the municipality's contacts or
    the local editor on its behalf."""

    list_display = ["municipality", "pathway", "section_slug", "colour", "version", "marked_by", "marked_at"]
    list_filter = ["colour", "municipality__partnership", "pathway"]
    search_fields = ["section_slug", "comment", "municipality__name"]
