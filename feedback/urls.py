from django.urls import path

from . import useful_views, views

app_name = "feedback"

urlpatterns = [
    path("tilbakemelding/", views.feedback_form, name="form"),
    path("personvern/", views.privacy_statement, name="privacy"),
    path("tilbakemelding/<str:token>/", views.feedback_status, name="status"),
    path("tilbakemelding/<str:token>/trekk-tilbake/", views.feedback_withdraw_view, name="withdraw"),
    # "Was this page useful?" at the foot of every pathway page, and the editors' counts.
    path("nyttig/", useful_views.useful_answer, name="useful"),
    path("redaksjon/nyttig/", useful_views.useful_counts_page, name="useful_counts"),
]
