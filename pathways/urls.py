from django.urls import path

from . import feeds, map_views, search_views, views

app_name = "pathways"

urlpatterns = [
    path("forlop/", views.pathway_index, name="index"),
    # The Atom feeds come before the routes they would otherwise match as a slug.
    path("forlop/feed/", feeds.all_versions_feed, name="feed"),
    path("forlop/<slug:slug>/feed/", feeds.pathway_versions_feed, name="pathway_feed"),
    path("forlop/<slug:slug>/", views.pathway_detail, name="detail"),
    path("forlop/<slug:slug>/versjoner/", views.version_history, name="history"),
    path("forlop/<slug:slug>/versjon/<str:number>/", views.version_detail, name="version"),
    path("forlop/<slug:slug>/endringer/", views.version_changes, name="changes"),
    path("forlop/<slug:slug>/last-ned/", views.pathway_download, name="download"),
    path("forlop/<slug:slug>/utskrift/", views.pathway_print, name="print"),
    path("forlop/<slug:slug>/utskrift.pdf", views.pathway_print_pdf, name="print_pdf"),
    path("<slug:partnership_slug>/forlop/feed/", feeds.partnership_local_versions_feed, name="local_feed"),
    path("<slug:partnership_slug>/forlop/<slug:slug>/", views.adaptation_detail, name="adaptation"),
    path("<slug:partnership_slug>/forlop/<slug:slug>/versjoner/", views.local_version_history, name="local_history"),
    path(
        "<slug:partnership_slug>/forlop/<slug:slug>/versjon/<str:number>/",
        views.local_version_detail,
        name="local_version",
    ),
    path("<slug:partnership_slug>/forlop/<slug:slug>/endringer/", views.local_version_changes, name="local_changes"),
    path("<slug:partnership_slug>/forlop/<slug:slug>/utskrift/", views.local_print, name="local_print"),
    path("<slug:partnership_slug>/forlop/<slug:slug>/utskrift.pdf", views.local_print_pdf, name="local_print_pdf"),
    # The service map (Sammenkart) of a partnership, and the same for each of its municipalities.
    path("<slug:partnership_slug>/sammenkart/", map_views.service_map, name="service_map"),
    path("<slug:partnership_slug>/sammenkart/sammenkart.svg", map_views.service_map_svg_view, name="service_map_svg"),
    path("<slug:partnership_slug>/sammenkart/sammenkart.pdf", map_views.service_map_pdf, name="service_map_pdf"),
    path(
        "<slug:partnership_slug>/sammenkart/<slug:municipality_slug>/",
        map_views.service_map,
        name="service_map_municipality",
    ),
    path(
        "<slug:partnership_slug>/sammenkart/<slug:municipality_slug>/sammenkart.svg",
        map_views.service_map_svg_view,
        name="service_map_municipality_svg",
    ),
    path(
        "<slug:partnership_slug>/sammenkart/<slug:municipality_slug>/sammenkart.pdf",
        map_views.service_map_pdf,
        name="service_map_municipality_pdf",
    ),
]

urlpatterns += [path("sok/", search_views.search, name="search")]
