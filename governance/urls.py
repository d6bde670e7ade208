from django.urls import include, path

from .views import filing, proposal, queue

app_name = "governance"

urlpatterns = [
    path("forslag/", queue.queue, name="queue"),
    path("forslag/eksport.csv", queue.queue_export, name="queue_export"),
    path("forslag/massehandling/", queue.queue_bulk, name="queue_bulk"),
    path("forslag/nytt/", filing.proposal_file, name="file"),
    path("forslag/<int:pk>/", proposal.proposal_detail, name="detail"),
    path("forslag/<int:pk>/handling/", proposal.proposal_act, name="act"),
    path("forslag/<int:pk>/slaa-sammen/", proposal.proposal_merge, name="merge"),
    path("forslag/<int:pk>/fjern-personopplysninger/", proposal.proposal_redact, name="redact"),
    path("forslag/<int:pk>/tildel/", proposal.proposal_assign, name="assign"),
    # The yearly round: phases and forwarding; the resource group's seats, votes and meeting; the
    # editor's decisions and the release; the overview and its exports.
    path("runder/", include("governance.urls_round")),
    path("runder/", include("governance.urls_voting")),
    path("runder/", include("governance.urls_decisions")),
    path("runder/", include("governance.urls_dashboard")),
    # The notification ledger and each person's notice preferences.
    path("", include("governance.urls_ledger")),
]
