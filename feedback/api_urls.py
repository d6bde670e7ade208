"""The reader-feedback JSON API, included under /api/v1/feedback/ (see feedback.api)."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.FeedbackSubmit.as_view(), name="api-feedback-submit"),
    path("<str:token>/", api.FeedbackStatus.as_view(), name="api-feedback-status"),
]
