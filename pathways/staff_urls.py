from django.urls import path

from . import staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("forlop/<slug:slug>/", staff_views.pathway, name="pathway"),
    path("forlop/<slug:slug>/seksjon/<slug:section_slug>/", staff_views.section_edit, name="section_edit"),
    path("forlop/<slug:slug>/publiser/", staff_views.publish, name="publish"),
    path("<slug:partnership_slug>/importer/", staff_views.adaptation_upload, name="adaptation_import"),
    path("<slug:partnership_slug>/forlop/<slug:slug>/", staff_views.adaptation, name="adaptation"),
    path(
        "<slug:partnership_slug>/forlop/<slug:slug>/seksjon/<slug:section_slug>/",
        staff_views.adapted_section_edit,
        name="adapted_section_edit",
    ),
    path(
        "<slug:partnership_slug>/forlop/<slug:slug>/publiser/",
        staff_views.adaptation_publish_view,
        name="adaptation_publish",
    ),
    path(
        "<slug:partnership_slug>/forlop/<slug:slug>/ny-seksjon/",
        staff_views.local_section_new,
        name="local_section_new",
    ),
]
