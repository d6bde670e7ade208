"""Public pages of governance, under /<lang>/ before pathways.urls (no namespace)."""

from django.urls import path

from .views import changelog

urlpatterns = [
    path("forlop/<slug:slug>/versjon/<str:number>/endringer/", changelog.changelog, name="changelog"),
]
