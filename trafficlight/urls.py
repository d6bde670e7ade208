"""The traffic-light review's staff pages under /<lang>/redaksjon/trafikklys/ (namespace `trafficlight`)."""

from django.urls import path

from . import views

app_name = "trafficlight"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:partnership_slug>/", views.partnership, name="partnership"),
    path("<slug:partnership_slug>/<slug:slug>/", views.matrix, name="matrix"),
    path("<slug:partnership_slug>/<slug:slug>/matrise.csv", views.matrix_csv, name="matrix_csv"),
    path("<slug:partnership_slug>/<slug:slug>/matrise.xlsx", views.matrix_xlsx, name="matrix_xlsx"),
    path("<slug:partnership_slug>/<slug:slug>/kommune/<int:municipality_id>/", views.mark, name="mark"),
    path(
        "<slug:partnership_slug>/<slug:slug>/merknad/<int:mark_id>/tilpasning/",
        views.mark_override,
        name="mark_override",
    ),
    path(
        "<slug:partnership_slug>/<slug:slug>/merknad/<int:mark_id>/endringsforslag/",
        views.mark_proposal,
        name="mark_proposal",
    ),
]
