from django.urls import path

from . import search_views, views

app_name = "pathways"

urlpatterns = [
    path("forlop/", views.pathway_index, name="index"),
    path("forlop/<slug:slug>/", views.pathway_detail, name="detail"),
    path("forlop/<slug:slug>/versjoner/", views.version_history, name="history"),
    path("forlop/<slug:slug>/versjon/<str:number>/", views.version_detail, name="version"),
    path("forlop/<slug:slug>/endringer/", views.version_changes, name="changes"),
    path("forlop/<slug:slug>/last-ned/", views.pathway_download, name="download"),
    path("<slug:partnership_slug>/forlop/<slug:slug>/", views.adaptation_detail, name="adaptation"),
    path("<slug:partnership_slug>/forlop/<slug:slug>/versjoner/", views.local_version_history, name="local_history"),
    path(
        "<slug:partnership_slug>/forlop/<slug:slug>/versjon/<str:number>/",
        views.local_version_detail,
        name="local_version",
    ),
    path("<slug:partnership_slug>/forlop/<slug:slug>/endringer/", views.local_version_changes, name="local_changes"),
]

urlpatterns += [path("sok/", search_views.search, name="search")]
