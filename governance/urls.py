"""Governance's staff pages under /<lang>/redaksjon/, one namespace (`governance`) for its three rooms."""

from django.urls import include, path

app_name = "governance"

urlpatterns = [
    # Change proposals: the triage queue, a proposal's page, filing.
    path("", include("governance.proposals.urls")),
    # The yearly round: phases and forwarding; the resource group's seats, votes and meeting; the
    # editor's decisions and the release; the overview and its exports.
    path("runder/", include("governance.rounds.urls")),
    # The notification ledger and each person's notice preferences.
    path("", include("governance.outbox.urls")),
]
