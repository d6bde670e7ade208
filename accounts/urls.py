"""The approval page, under /<lang>/redaksjon/kontoer/ (responsible editor and administrators)."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.accounts_waiting, name="waiting"),
    path("<int:identity_id>/", views.account_decide, name="decide"),
]
