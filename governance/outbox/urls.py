"""The notification ledger (the responsible editor's), under /<lang>/redaksjon/ in the `governance`
namespace."""

from django.urls import path

from .views import ledger, preferences

urlpatterns = [
    path("varsler/", ledger.ledger, name="ledger"),
    path("varsler/<int:pk>/", ledger.ledger_detail, name="ledger_detail"),
    path("varsler/<int:pk>/send-igjen/", ledger.ledger_resend, name="ledger_resend"),
    # Each person's notice preferences (`varsler/innstillinger/`) and the unsubscribe link come here.
    path("varsler/innstillinger/", preferences.notification_preferences, name="notification_preferences"),
    path("varsler/avmeld/<str:token>/", preferences.digest_unsubscribe, name="digest_unsubscribe"),
]
