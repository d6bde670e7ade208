"""The OpenID Connect authorization code flow with Authlib: the authorization request (PKCE S256,
`state`, `nonce`), the token request with `private_key_jwt` client authentication, and the checks of
the ID token (signature against the provider's published keys, issuer, audience, expiry, nonce).

Every way a sign-in can go wrong ends in `SignInFailed` with a reason code (for the log and the
tests) and whether it counts against the log-in throttle. Tokens are never logged.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jws import JWSRegistry

from .providers import Provider, ProviderUnavailable, metadata, signing_keys

logger = logging.getLogger(__name__)

# Asymmetric algorithms only: never `none`, never an HMAC keyed with something the client knows.
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
# Seconds of clock difference between us and the provider that the ID token's times may have.
LEEWAY_SECONDS = 60
# HelseID takes client assertions valid for at most 60 seconds.
ASSERTION_SECONDS = 60
SUBJECT_MAX_LENGTH = 255


class SignInFailed(Exception):
    """The sign-in cannot go on. `reason` is a code for logs and tests; `counts` says whether it
    counts as a failed log-in for the throttle (a provider that is down does not)."""

    def __init__(self, reason: str, *, counts: bool = True) -> None:
        self.reason = reason
        self.counts = counts
        super().__init__(reason)


@dataclass(frozen=True)
class Flow:
    """What the service remembers between sending the browser to the provider and its return."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    language: str
    next_url: str
    started_at: float

    def as_session_value(self) -> dict[str, Any]:
        return self.__dict__.copy()

    @classmethod
    def from_session_value(cls, value: dict[str, Any]) -> "Flow":
        return cls(**value)


class _AssertionForHelseID(PrivateKeyJWT):
    """private_key_jwt as HelseID wants it: the audience is the issuer, the assertion lives at most
    60 seconds, and the header names the key (`kid`) and the type. oidc-provider takes the same."""

    def __init__(self, provider: Provider) -> None:
        header = {"typ": "JWT"}
        if provider.private_key.kid:
            header["kid"] = provider.private_key.kid
        super().__init__(token_endpoint=provider.issuer, headers=header, alg=provider.signing_alg)
        self.provider = provider

    def sign(self, auth: Any, token_endpoint: str) -> str:
        now = int(time.time())
        return private_key_jwt_sign(
            self.provider.private_key,
            client_id=self.provider.client_id,
            token_endpoint=self.provider.issuer,
            alg=self.provider.signing_alg,
            claims={"nbf": now},
            header=dict(self.headers),
            issued_at=now,
            expires_in=ASSERTION_SECONDS,
        )


def _session(provider: Provider, redirect_uri: str) -> OAuth2Session:
    session = OAuth2Session(
        client_id=provider.client_id,
        client_secret=provider.private_key,
        token_endpoint_auth_method="private_key_jwt",
        scope=" ".join(provider.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=settings.OIDC_HTTP_TIMEOUT,
    )
    session.register_client_auth_method(_AssertionForHelseID(provider))
    return session


def flow_start(provider: Provider, *, redirect_uri: str, language: str, next_url: str) -> tuple[str, Flow]:
    """The provider's authorization URL to send the browser to, and the flow to remember."""
    try:
        endpoint = metadata(provider)["authorization_endpoint"]
    except ProviderUnavailable:
        raise SignInFailed("provider_unavailable", counts=False) from None
    flow = Flow(
        provider=provider.name,
        state=generate_token(43),
        nonce=generate_token(43),
        code_verifier=generate_token(64),
        language=language,
        next_url=next_url,
        started_at=time.time(),
    )
    with _session(provider, redirect_uri) as session:
        url, _state = session.create_authorization_url(
            endpoint, state=flow.state, code_verifier=flow.code_verifier, nonce=flow.nonce, ui_locales=language
        )
    return url, flow


def tokens_fetch(provider: Provider, *, flow: Flow, code: str, redirect_uri: str) -> dict[str, Any]:
    """Exchange the authorization code for tokens (with the PKCE verifier and a client assertion)."""
    try:
        endpoint = metadata(provider)["token_endpoint"]
    except ProviderUnavailable:
        raise SignInFailed("provider_unavailable", counts=False) from None
    try:
        with _session(provider, redirect_uri) as session:
            token = session.fetch_token(
                endpoint, grant_type="authorization_code", code=code, code_verifier=flow.code_verifier
            )
    except OAuthError as error:
        logger.warning("oidc: %s refused the code: %s", provider.name, error.error)
        raise SignInFailed("token_refused") from None
    except (requests.RequestException, ValueError) as error:
        logger.warning("oidc: token request to %s failed: %s", provider.name, type(error).__name__)
        raise SignInFailed("provider_unavailable", counts=False) from None
    return dict(token)


def _decode(provider: Provider, id_token: str, algorithms: list[str]) -> jwt.Token:
    registry = JWSRegistry(algorithms=algorithms)
    try:
        return jwt.decode(id_token, signing_keys(provider), registry=registry)
    except InvalidKeyIdError:
        # A key id we do not know: the provider may have rotated its keys.
        return jwt.decode(id_token, signing_keys(provider, refresh=True), registry=registry)


def id_token_claims(provider: Provider, *, flow: Flow, tokens: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims, once its signature, issuer, audience, times and nonce are right."""
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise SignInFailed("no_id_token")
    try:
        published = metadata(provider)
    except ProviderUnavailable:
        raise SignInFailed("provider_unavailable", counts=False) from None
    offered = published.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in ID_TOKEN_ALGORITHMS if alg in offered]
    try:
        token = _decode(provider, id_token, algorithms)
    except ProviderUnavailable:
        raise SignInFailed("provider_unavailable", counts=False) from None
    except (JoseError, ValueError, TypeError) as error:
        logger.warning("oidc: %s ID token rejected: %s", provider.name, type(error).__name__)
        raise SignInFailed("id_token_signature") from None
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": published["issuer"]},
            "aud": {"essential": True, "value": provider.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "nonce": {"essential": True},
        },
        {"nonce": flow.nonce, "client_id": provider.client_id, "access_token": tokens.get("access_token")},
    )
    try:
        claims.validate(now=int(time.time()), leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError, TypeError) as error:
        claim = getattr(error, "claim", "")
        logger.warning("oidc: %s ID token claims rejected: %s %s", provider.name, type(error).__name__, claim)
        raise SignInFailed(f"id_token_claims:{claim or type(error).__name__}") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_MAX_LENGTH:
        raise SignInFailed("id_token_claims:sub")
    return dict(claims)


def logout_url(provider: Provider, *, id_token: str, post_logout_redirect_uri: str, state: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or None when it has none or is down."""
    try:
        endpoint = metadata(provider).get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not isinstance(endpoint, str) or not endpoint:
        return None
    params = [
        ("client_id", provider.client_id),
        ("post_logout_redirect_uri", post_logout_redirect_uri),
        ("state", state),
    ]
    if id_token:
        params.insert(0, ("id_token_hint", id_token))
    return add_params_to_uri(endpoint, params)
