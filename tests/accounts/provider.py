"""A real OpenID Connect provider for the tests: the npm package oidc-provider, run by
tests/browser/oidc_provider.mjs on a free loopback port, with one test client registered for
private_key_jwt and PKCE.

The keys are made here: the client's private key (its public half goes to the provider) and the
provider's own signing key, of which the tests keep a copy so that they can forge ID tokens that
carry a good signature but a wrong nonce, issuer or expiry.

`sign_in_at_provider` plays the person at the provider's log-in page with `requests`, for the tests
that drive our side with Django's test client; the browser test uses Chromium for both.
"""

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from accounts import providers as account_providers
from tests.support import ROOT, Process, require, wait_until

SCRIPT = ROOT / "tests" / "browser" / "oidc_provider.mjs"
MODULE = ROOT / "tests" / "browser" / "node_modules" / "oidc-provider"
CLIENT_ID = "forlop-test"


def require_node() -> None:
    """Skip without Node.js or the npm packages; fail instead with CI=true."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not MODULE.exists():
        missing.append(f"{MODULE} (cd tests/browser && npm ci)")
    require(missing, what="the OpenID provider")


@dataclass
class TestProvider:
    issuer: str
    client_key: RSAKey = field(repr=False)
    signing_key: RSAKey = field(repr=False)
    process: Process

    def setting(self, **overrides: object) -> dict[str, object]:
        """This provider's entry in settings.OIDC_PROVIDERS, as config/settings.py makes it."""
        return {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "private_key": json.dumps(self.client_key.as_dict(private=True)),
            "label": "Test-ID",
            "scopes": ["openid", "profile", "email"],
            **overrides,
        }

    def forge_id_token(self, claims: dict[str, object], *, key: RSAKey | None = None) -> str:
        """An ID token with these claims, signed with the provider's own key (or `key`)."""
        signer = key or self.signing_key
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)


def _keys() -> tuple[RSAKey, RSAKey]:
    client = RSAKey.generate_key(2048, parameters={"kid": "client-1", "use": "sig", "alg": "RS256"})
    signing = RSAKey.generate_key(2048, parameters={"kid": "provider-1", "use": "sig", "alg": "RS256"})
    return client, signing


@contextmanager
def oidc_provider(
    *, site_url: str, log_dir: Path, providers: tuple[str, ...] = ("test",), accounts: dict | None = None
) -> Iterator[TestProvider]:
    """The provider, with our callback for each provider name and our post-logout page registered."""
    require_node()
    client_key, signing_key = _keys()
    config = {
        "client_id": CLIENT_ID,
        "client_jwks": {"keys": [client_key.as_dict(private=False)]},
        "signing_jwks": {"keys": [signing_key.as_dict(private=True)]},
        "redirect_uris": [f"{site_url}/logg-inn/oidc/{name}/callback/" for name in providers],
        "post_logout_redirect_uris": [f"{site_url}/logg-ut/oidc/ferdig/"],
        "accounts": accounts or {},
    }
    config_path = log_dir / f"oidc-provider-{time.monotonic_ns()}.json"
    config_path.write_text(json.dumps(config))
    process = Process("oidc-provider", ["node", str(SCRIPT), str(config_path)], env=dict(os.environ), log_dir=log_dir)
    try:

        def issuer() -> str | None:
            for line in process.output().splitlines():
                if line.startswith('{"issuer"'):
                    return json.loads(line)["issuer"]
            return None

        found = wait_until(issuer, what="the OpenID provider to listen", alive=[process])
        account_providers.forget_published()
        yield TestProvider(issuer=str(found), client_key=client_key, signing_key=signing_key, process=process)
    finally:
        process.stop()
        account_providers.forget_published()


def sign_in_at_provider(authorization_url: str, *, subject: str, session: requests.Session | None = None) -> str:
    """Follow the provider from the authorization URL through its log-in page as `subject`, and
    give back the URL it sends the browser back to (our callback, with code and state)."""
    browser = session or requests.Session()
    url, method, data = authorization_url, "GET", None
    issuer = "{0.scheme}://{0.netloc}".format(urlsplit(authorization_url))
    for _ in range(10):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            location = urljoin(url, response.headers["Location"])
            if not location.startswith(issuer):
                return location
            url, method, data = location, "GET", None
        elif response.status_code == 200 and 'name="login"' in response.text:
            url, method, data = url.rstrip("/") + "/login", "POST", {"login": subject}
        else:
            raise AssertionError(f"the provider answered {response.status_code}: {response.text[:500]}")
    raise AssertionError("the provider never sent the browser back")
