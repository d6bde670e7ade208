"""The resource group in the yearly round: seats, votes and comments, the meeting pack and the minutes.
Included at /<lang>/redaksjon/runder/ in the `governance` namespace."""

from django.urls import path

from .views import voting

urlpatterns = [
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
]
