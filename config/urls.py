from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import views as account_views
from config import views
from governance.outbox import urls as outbox_urls
from governance.proposals import urls as proposal_urls
from governance.rounds import urls as round_urls
from pathways import views as pathway_views

urlpatterns = [
    path("", pathway_views.root_redirect),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/feedback/", include("feedback.api_urls")),
    path("api/v1/proposals/", include(proposal_urls.api_urlpatterns)),
    path("api/v1/webhooks/", include(outbox_urls.api_urlpatterns)),
    path("api/v1/", include("pathways.api_urls")),
    path("admin/", admin.site.urls),
    # Outside the language prefix: one redirect URI per provider to register, whatever the language.
    path("logg-inn/oidc/<slug:provider>/callback/", account_views.oidc_callback, name="oidc_callback"),
    path("logg-ut/oidc/ferdig/", account_views.oidc_logged_out, name="oidc_logged_out"),
]
urlpatterns += i18n_patterns(
    path("logg-inn/", views.login, name="login"),
    path("logg-inn/oidc/<slug:provider>/", account_views.oidc_start, name="oidc_start"),
    path("logg-ut/", account_views.logout, name="logout"),
    path("redaksjon/kontoer/", include("accounts.urls")),
    path("redaksjon/trafikklys/", include("trafficlight.urls")),
    path("redaksjon/", include("governance.urls")),
    path("redaksjon/", include("pathways.staff_urls")),
    path("", include("feedback.urls")),
    path("", include(round_urls.public_urlpatterns)),
    path("", include("pathways.urls")),
    prefix_default_language=True,
)

handler400 = "pathways.views.bad_request"
handler403 = "pathways.views.permission_denied"
handler404 = "pathways.views.page_not_found"
handler500 = "pathways.views.server_error"
