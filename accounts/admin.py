from django.contrib import admin

from .models import Identity


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """An administrator may link an existing local account to a subject before its first sign-in
    (then that sign-in finds the account), or change a decision."""

    list_display = ["subject", "provider", "user", "status", "created_at", "last_login_at"]
    list_filter = ["provider", "status"]
    search_fields = ["subject", "user__username", "user__email", "user__last_name"]
    raw_id_fields = ["user", "decided_by"]
    readonly_fields = ["created_at", "last_login_at", "decided_at"]
