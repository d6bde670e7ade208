"""The responsible editor's decisions and the release of the yearly revision, under
/<lang>/redaksjon/runder/ in the `governance` namespace."""

from django.urls import path

from .views import decisions

urlpatterns = [
    path("<int:year>/beslutninger/", decisions.round_decisions, name="round_decisions"),
    path("<int:year>/beslutninger/<int:item_id>/", decisions.round_decide, name="round_decide"),
    path("<int:year>/frigi/", decisions.round_release, name="round_release"),
    path("<int:year>/frigitt/", decisions.round_released, name="round_released"),
]
