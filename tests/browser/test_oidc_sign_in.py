"""Sign-in through a real OpenID provider in headless Chromium: a health worker presses "Logg inn
med Test-ID" on the log-in page, signs in at the provider (oidc-provider, private_key_jwt + PKCE),
comes back and is refused while the account waits for approval; the responsible editor logs in with
a password and approves the account as local editor of partnership A; the worker signs in again
(the provider remembers them) and reaches the triage queue, then logs out at the provider too.

The flow runs in a browser context that enforces the site's Content-Security-Policy (its
form-action must allow the provider for the redirects); axe-core, which the policy rightly blocks,
checks the log-in page, the refusal and the approval page in a context that bypasses it.

Requirements as in tests/browser/conftest.py, and Node.js with tests/browser/node_modules for the
provider. ORM calls only before and after the browser runs (Playwright's event loop).
"""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Identity, IdentityStatus
from pathways.models import Role
from tests.accounts.provider import oidc_provider
from tests.browser.conftest import assert_no_serious_axe_violations, chromium

pytestmark = pytest.mark.browser

User = get_user_model()
PASSWORD = "pw-for-tests"  # the cast's, tests/conftest.py


@pytest.fixture
def site(browser_tools, live_server, transactional_db, settings, tmp_path, editor, partnership_a):
    settings.SITE_URL = live_server.url
    with oidc_provider(site_url=live_server.url, log_dir=tmp_path) as idp:
        settings.OIDC_PROVIDERS = {"test": idp.setting()}
        # What config/settings.py adds for configured providers (without it Chromium blocks the
        # redirect from our log-in button to the provider: form-action is checked on redirects).
        settings.SECURE_CSP = settings.SECURE_CSP | {"form-action": ["'self'", idp.issuer]}
        yield live_server.url, idp


def test_sign_in_refused_until_approved_then_reaches_the_triage_queue(site, partnership_a):
    url, idp = site
    with chromium() as browser:
        worker = browser.new_context()  # the site's CSP enforced
        page = worker.new_page()

        # First sign-in: the account is created and waits.
        page.goto(f"{url}/nb/logg-inn/")
        page.get_by_role("button", name="Logg inn med Test-ID").click()
        page.fill("input#login", "helsearbeider-1")
        with page.expect_response(lambda r: "/logg-inn/oidc/test/callback/" in r.url) as callback:
            page.get_by_role("button", name="Sign in").click()
        assert callback.value.status == 403
        assert "venter på godkjenning" in page.locator(".error-summary").inner_text()

        # The responsible editor approves (plain form posts, no JavaScript needed).
        checker = browser.new_context(bypass_csp=True)
        desk = checker.new_page()
        desk.goto(f"{url}/nb/logg-inn/")
        assert_no_serious_axe_violations(desk, "log-in page with a provider")
        desk.goto(f"{url}/logg-inn/oidc/test/callback/?state=forged&code=x")
        assert_no_serious_axe_violations(desk, "refused sign-in")
        desk.goto(f"{url}/nb/logg-inn/")
        desk.fill("#id_username", "editor")
        desk.fill("#id_password", PASSWORD)
        desk.get_by_role("button", name="Logg inn", exact=True).click()
        desk.wait_for_url(f"{url}/nb/redaksjon/")
        desk.goto(f"{url}/nb/redaksjon/kontoer/")
        assert "Test Person helsearbeider-1" in desk.locator("main").inner_text()
        assert_no_serious_axe_violations(desk, "accounts waiting")
        desk.get_by_label("Rolle").select_option("local_editor")
        desk.get_by_label("Helsefellesskap").select_option(label="Helsefellesskap Vest")
        desk.get_by_role("button", name="Godkjenn").click()
        desk.wait_for_load_state()
        assert "Kontoen er godkjent." in desk.locator("main").inner_text()
        assert_no_serious_axe_violations(desk, "accounts waiting, none left")

        # Second sign-in: the provider remembers the person; the staff home, then the queue.
        page.goto(f"{url}/nb/logg-inn/")
        with page.expect_navigation(url=f"{url}/nb/redaksjon/"):
            page.get_by_role("button", name="Logg inn med Test-ID").click()
        page.get_by_role("link", name="Endringsforslag").click()
        page.wait_for_url(f"{url}/nb/redaksjon/forslag/")
        assert page.locator("h1").first.is_visible()

        # Logging out also ends the session at the provider, and comes back to the pathways.
        page.get_by_role("button", name="Logg ut").click()
        page.wait_for_url(lambda u: u.startswith(idp.issuer))
        page.get_by_role("button", name="Yes, sign me out").click()
        page.wait_for_url(f"{url}/nb/forlop/")
        page.goto(f"{url}/nb/redaksjon/")
        assert "/nb/logg-inn/" in page.url

    identity = Identity.objects.select_related("user__profile").get(subject="helsearbeider-1")
    assert identity.status == IdentityStatus.APPROVED
    assert identity.user.is_active
    assert identity.user.profile.role == Role.LOCAL_EDITOR
    assert identity.user.profile.partnership == partnership_a
