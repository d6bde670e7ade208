"""The proposals API, included under /api/v1/proposals/ (see governance.api)."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.ProposalList.as_view(), name="api-proposal-list"),
    path("<int:id>/", api.ProposalDetail.as_view(), name="api-proposal-detail"),
    path("<int:id>/transitions/", api.ProposalTransition.as_view(), name="api-proposal-transitions"),
]
