"""The notification ledger (the responsible editor's), under /<lang>/redaksjon/ in the `governance`
namespace."""

from django.urls import path

from . import api
from .views import ledger, preferences, webhooks

urlpatterns = [
    path("varsler/", ledger.ledger, name="ledger"),
    path("varsler/<int:pk>/", ledger.ledger_detail, name="ledger_detail"),
    path("varsler/<int:pk>/send-igjen/", ledger.ledger_resend, name="ledger_resend"),
    # The webhook deliveries, each attempt of each; and the download counts per version.
    path("varsler/webhooker/", webhooks.webhook_ledger, name="webhook_ledger"),
    path("varsler/webhooker/<int:pk>/", webhooks.webhook_delivery_detail, name="webhook_delivery"),
    # Each person's notice preferences (`varsler/innstillinger/`) and the unsubscribe link come here.
    path("varsler/innstillinger/", preferences.notification_preferences, name="notification_preferences"),
    path("varsler/avmeld/<str:token>/", preferences.digest_unsubscribe, name="digest_unsubscribe"),
]

# The webhook subscriptions API, under /api/v1/webhooks/ (see governance.outbox.api).
api_urlpatterns = [
    path("", api.WebhookList.as_view(), name="api-webhook-list"),
    path("<int:id>/", api.WebhookDetail.as_view(), name="api-webhook-detail"),
]
