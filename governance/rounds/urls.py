"""The yearly round's staff pages under /<lang>/redaksjon/runder/ (the `governance` namespace): phases
and forwarding; the resource group's seats, votes and comments, the meeting pack and the minutes; the
editor's decisions and the release; the overview and its files. And its one public page, the
changelog of a version (`public_urlpatterns`, under /<lang>/ before pathways.urls)."""

from django.urls import path

from .views import changelog, dashboard, decisions, phases, voting

urlpatterns = [
    path("", phases.round_list, name="round_list"),
    path("ny/", phases.round_create, name="round_create"),
    path("<int:year>/", phases.round_detail, name="round_detail"),
    path("<int:year>/endre/", phases.round_edit, name="round_edit"),
    path("<int:year>/neste-fase/", phases.round_advance, name="round_advance"),
    # A partnership's review; the slug `felles` is the common text (the responsible editor's).
    path("<int:year>/helsefellesskap/<slug:slug>/", phases.round_partnership, name="round_partnership"),
    path("<int:year>/helsefellesskap/<slug:slug>/forslag/<int:pk>/", phases.round_item, name="round_item"),
    path(
        "<int:year>/helsefellesskap/<slug:slug>/ingenting-aa-videresende/",
        phases.round_nothing_to_forward,
        name="round_nothing_to_forward",
    ),
    path("<int:year>/helsefellesskap/<slug:slug>/ferdig/", phases.round_finish, name="round_finish"),
    path("<int:year>/seter/", voting.round_seats, name="round_seats"),
    path("<int:year>/seter/kopier/", voting.round_seats_copy, name="round_seats_copy"),
    path(
        "<int:year>/seter/<slug:partnership>/<slug:constituency>/", voting.round_seat_assign, name="round_seat_assign"
    ),
    path(
        "<int:year>/seter/<slug:partnership>/<slug:constituency>/fravaer/",
        voting.round_seat_absent,
        name="round_seat_absent",
    ),
    path("<int:year>/stemmer/", voting.round_votes, name="round_votes"),
    path("<int:year>/stemmer/<int:proposal_id>/", voting.round_vote, name="round_vote"),
    path("<int:year>/stemmer/<int:proposal_id>/kommentar/", voting.round_comment, name="round_comment"),
    path("<int:year>/motebok/", voting.round_meeting_pack, name="round_meeting_pack"),
    path("<int:year>/motebok.pdf", voting.round_meeting_pack_pdf, name="round_meeting_pack_pdf"),
    path("<int:year>/motebok/<int:proposal_id>/", voting.round_meeting_record, name="round_meeting_record"),
    path("<int:year>/referat/", voting.round_minutes, name="round_minutes"),
    path("<int:year>/beslutninger/", decisions.round_decisions, name="round_decisions"),
    path("<int:year>/beslutninger/<int:item_id>/", decisions.round_decide, name="round_decide"),
    path("<int:year>/frigi/", decisions.round_release, name="round_release"),
    path("<int:year>/frigitt/", decisions.round_released, name="round_released"),
    path("<int:year>/oversikt/", dashboard.round_dashboard, name="round_dashboard"),
    path("<int:year>/vedtak.csv", dashboard.round_export_csv, name="round_export_csv"),
    path("<int:year>/vedtak.xlsx", dashboard.round_export_xlsx, name="round_export_xlsx"),
    path("<int:year>/frister.ics", dashboard.round_calendar, name="round_calendar"),
    # A calendar app cannot log in: each user's own feed URL carries a signed token instead.
    path("<int:year>/frister/<str:token>.ics", dashboard.round_calendar_token, name="round_calendar_token"),
]

public_urlpatterns = [
    path("forlop/<slug:slug>/versjon/<str:number>/endringer/", changelog.changelog, name="changelog"),
]
