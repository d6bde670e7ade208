"""The pages of "Reuse by other sites" in headless Chromium: axe-core finds nothing serious or
critical on the webhook ledger (with a delivery that failed once and then landed), a delivery's
page, the staff pathway page with its download counts, and the public download page telling how far
behind an old version is; each in bokmål and nynorsk where it differs. Requirements as in
tests/browser/conftest.py."""

import pytest

from governance.models import NotificationStatus, WebhookAttempt, WebhookDelivery
from governance.outbox.webhooks import webhook_subscribe
from pathways.models import Download, DownloadFormat
from tests.browser.conftest import chromium
from tests.browser.test_staff_accessibility import Axe, Site, _goto, _log_in
from tests.factories import make_pathway
from tests.reuse.conftest import correct

pytestmark = pytest.mark.browser


@pytest.fixture
def site(browser_tools, live_server, transactional_db, settings, monkeypatch, editor):
    settings.SITE_URL = live_server.url
    monkeypatch.setattr("governance.outbox.webhooks.webhook_hand_over", lambda pk: False)
    pathway = make_pathway(editor=editor)
    webhook_subscribe(url="https://mottak.example.no/forlop", by=editor, description="Kommunens nettsted")
    correct(pathway, editor)
    row = WebhookDelivery.objects.get()
    WebhookAttempt.objects.create(
        delivery=row, started_at=row.created_at, status_code=500, error="HTTP 500", retry_at=row.created_at
    )
    WebhookAttempt.objects.create(delivery=row, started_at=row.created_at, status_code=200)
    WebhookDelivery.objects.filter(pk=row.pk).update(status=NotificationStatus.SENT, attempts=2, sent_at=row.created_at)
    for version in pathway.versions.all():
        Download.objects.create(version=version, format=DownloadFormat.JSON)
    return Site(url=live_server.url, ids={"delivery": row.pk}, duplicates=False)


def test_the_reuse_pages_pass_axe(site):
    axe = Axe()
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        _log_in(page, site, "editor")

        _goto(page, f"{site.url}/nb/redaksjon/varsler/webhooker/")
        assert page.locator("ol.attempts li").count() == 2
        axe.check(page, "webhook ledger")
        _goto(page, f"{site.url}/nn/redaksjon/varsler/webhooker/")
        axe.check(page, "webhook ledger (nn)")
        _goto(page, f"{site.url}/nb/redaksjon/varsler/webhooker/{site.ids['delivery']}/")
        assert page.locator("pre").is_visible()
        axe.check(page, "webhook delivery")
        _goto(page, f"{site.url}/nb/redaksjon/forlop/angst/")
        assert page.locator("table tr[data-version]").count() == 2
        axe.check(page, "staff pathway page with downloads")
        _goto(page, f"{site.url}/nb/forlop/angst/last-ned/?versjon=2026")
        assert page.locator(".notice").is_visible()
        axe.check(page, "download page, an old version")
        _goto(page, f"{site.url}/nn/forlop/angst/last-ned/?versjon=2026")
        axe.check(page, "download page, an old version (nn)")
        context.close()
    axe.assert_clean()
