from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("tilbakemelding/", views.feedback_form, name="form"),
    path("personvern/", views.privacy_statement, name="privacy"),
    path("tilbakemelding/<str:token>/", views.feedback_status, name="status"),
    path("tilbakemelding/<str:token>/trekk-tilbake/", views.feedback_withdraw_view, name="withdraw"),
]
