from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config import views
from governance.proposals import urls as proposal_urls
from governance.rounds import urls as round_urls
from pathways import views as pathway_views

urlpatterns = [
    path("", pathway_views.root_redirect),
    path("healthz", views.healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/feedback/", include("feedback.api_urls")),
    path("api/v1/proposals/", include(proposal_urls.api_urlpatterns)),
    path("api/v1/", include("pathways.api_urls")),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("logg-inn/", views.login, name="login"),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("redaksjon/", include("governance.urls")),
    path("redaksjon/", include("pathways.staff_urls")),
    path("", include("feedback.urls")),
    path("", include(round_urls.public_urlpatterns)),
    path("", include("pathways.urls")),
    prefix_default_language=True,
)

handler404 = "pathways.views.page_not_found"
handler500 = "pathways.views.server_error"
