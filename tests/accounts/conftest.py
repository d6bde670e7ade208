"""The OpenID provider the sign-in tests talk to (one per test module, started on a free loopback
port), and helpers that take Django's test client through the flow."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.accounts.provider import oidc_provider, sign_in_at_provider

SITE_URL = "http://testserver"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with oidc_provider(
        site_url=SITE_URL,
        log_dir=tmp_path_factory.mktemp("idp"),
        providers=("test", "other"),
        accounts={"with-role": {"role": "fsu-leader"}},
    ) as provider:
        yield provider


@pytest.fixture
def oidc(idp, settings):
    """Sign-in through the test provider configured, as the environment would configure it."""
    settings.SITE_URL = SITE_URL
    settings.OIDC_PROVIDERS = {"test": idp.setting()}
    return idp


def start(client, *, provider="test", language="nb", next_url=""):
    """Press the provider's button on the log-in page; gives back the provider's authorization URL."""
    response = client.post(f"/{language}/logg-inn/oidc/{provider}/", {"next": next_url})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == SITE_URL, url
    return f"{parts.path}?{parts.query}"


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def sign_in(client, *, subject: str, provider="test", language="nb", next_url=""):
    """The whole flow: our button, the provider's log-in page, back to our callback."""
    back = sign_in_at_provider(start(client, provider=provider, language=language, next_url=next_url), subject=subject)
    return client.get(callback_path(back))
