"""The read-only JSON API, included under /api/v1/ (see pathways.api)."""

from django.urls import path

from . import api

urlpatterns = [
    path("pathways/", api.PathwayList.as_view(), name="api-pathway-list"),
    path("pathways/<slug:slug>/", api.PathwayDetail.as_view(), name="api-pathway-detail"),
    path("pathways/<slug:slug>/versions/", api.VersionList.as_view(), name="api-version-list"),
    path("pathways/<slug:slug>/versions/<str:number>/", api.VersionDetail.as_view(), name="api-version-detail"),
    path("pathways/<slug:slug>/diff/", api.VersionDiff.as_view(), name="api-pathway-diff"),
    path("pathways/<slug:slug>/behind/", api.VersionsBehind.as_view(), name="api-pathway-behind"),
]
