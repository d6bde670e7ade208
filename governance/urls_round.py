"""The yearly round's phases and the partnerships' forwarding, under /<lang>/redaksjon/runder/."""

from django.urls import path

from .views import rounds

urlpatterns = [
    path("", rounds.round_list, name="round_list"),
    path("ny/", rounds.round_create, name="round_create"),
    path("<int:year>/", rounds.round_detail, name="round_detail"),
    path("<int:year>/endre/", rounds.round_edit, name="round_edit"),
    path("<int:year>/neste-fase/", rounds.round_advance, name="round_advance"),
    # A partnership's review; the slug `felles` is the common text (the responsible editor's).
    path("<int:year>/helsefellesskap/<slug:slug>/", rounds.round_partnership, name="round_partnership"),
    path("<int:year>/helsefellesskap/<slug:slug>/forslag/<int:pk>/", rounds.round_item, name="round_item"),
    path(
        "<int:year>/helsefellesskap/<slug:slug>/ingenting-aa-videresende/",
        rounds.round_nothing_to_forward,
        name="round_nothing_to_forward",
    ),
    path("<int:year>/helsefellesskap/<slug:slug>/ferdig/", rounds.round_finish, name="round_finish"),
]
