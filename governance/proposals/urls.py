"""The proposals' staff pages under /<lang>/redaksjon/ (the `governance` namespace): the triage queue,
a proposal's page and its actions, filing by professionals. And the proposals API
(`api_urlpatterns`, under /api/v1/proposals/; see governance.proposals.api)."""

from django.urls import path

from . import api
from .views import filing, fixes, proposal, queue

urlpatterns = [
    path("forslag/", queue.queue, name="queue"),
    path("forslag/eksport.csv", queue.queue_export, name="queue_export"),
    path("forslag/massehandling/", queue.queue_bulk, name="queue_bulk"),
    path("forslag/nytt/", filing.proposal_file, name="file"),
    path("forslag/rettet/<slug:slug>/<str:number>/", fixes.version_fixes, name="version_fixes"),
    path("forslag/<int:pk>/", proposal.proposal_detail, name="detail"),
    path("forslag/<int:pk>/handling/", proposal.proposal_act, name="act"),
    path("forslag/<int:pk>/slaa-sammen/", proposal.proposal_merge, name="merge"),
    path("forslag/<int:pk>/fjern-personopplysninger/", proposal.proposal_redact, name="redact"),
    path("forslag/<int:pk>/tildel/", proposal.proposal_assign, name="assign"),
]

api_urlpatterns = [
    path("", api.ProposalList.as_view(), name="api-proposal-list"),
    path("<int:id>/", api.ProposalDetail.as_view(), name="api-proposal-detail"),
    path("<int:id>/transitions/", api.ProposalTransition.as_view(), name="api-proposal-transitions"),
]
