from django.urls import path

from . import staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.home, name="home"),
]
