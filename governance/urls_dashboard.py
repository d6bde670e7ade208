"""The yearly round's overview and its files, under /<language>/redaksjon/runder/ (governance
namespace)."""

from django.urls import path

from .views import dashboard

urlpatterns = [
    path("<int:year>/oversikt/", dashboard.round_dashboard, name="round_dashboard"),
    path("<int:year>/vedtak.csv", dashboard.round_export_csv, name="round_export_csv"),
    path("<int:year>/vedtak.xlsx", dashboard.round_export_xlsx, name="round_export_xlsx"),
    path("<int:year>/frister.ics", dashboard.round_calendar, name="round_calendar"),
    # A calendar app cannot log in: each user's own feed URL carries a signed token instead.
    path("<int:year>/frister/<str:token>.ics", dashboard.round_calendar_token, name="round_calendar_token"),
]
