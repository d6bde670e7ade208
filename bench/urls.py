"""The service's URLs plus the bench-only baseline views. Loaded only by the bench's gunicorn
(ROOT_URLCONF=bench.urls, set by bench/feedback_post.py); never in production."""

from django.urls import path

from bench.baseline import baseline_feedback, baseline_feedback_rows
from config.urls import handler404, handler500
from config.urls import urlpatterns as service_urlpatterns

urlpatterns = [
    *service_urlpatterns,
    path("bench/baseline-feedback/", baseline_feedback, name="bench-baseline"),
    path("bench/baseline-feedback-rows/", baseline_feedback_rows, name="bench-baseline-rows"),
]

__all__ = ["handler404", "handler500", "urlpatterns"]
