"""The OpenID Connect providers this installation trusts, read from `settings.OIDC_PROVIDERS` (which
config/settings.py fills from the environment), and what the service fetches from each: its
discovery document and its signing keys, kept in process memory for a while.

Nothing here touches the database.
"""

import ipaddress
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeyParameters, KeySet, OKPKey, RSAKey

from pathways.models import Role

logger = logging.getLogger(__name__)

NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
PrivateKey = RSAKey | ECKey | OKPKey
# How long a provider's discovery document and keys are kept before they are fetched again. An
# unknown key id in a token fetches the keys at once (the provider rotated its keys), at most once
# per KEYS_REFETCH_SECONDS so that forged tokens with made-up key ids cannot make us hammer it.
METADATA_SECONDS = 3600
KEYS_REFETCH_SECONDS = 60


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered with something unusable."""


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    private_key: PrivateKey = field(repr=False)
    signing_alg: str
    scopes: tuple[str, ...]
    name_claim: str
    email_claim: str
    role_claim: str
    role_map: tuple[tuple[str, str], ...]

    def role_from_claims(self, claims: dict[str, Any]) -> str | None:
        """The role a mapping setting gives for the claims, else None (the approver chooses)."""
        if not self.role_claim:
            return None
        value = claims.get(self.role_claim)
        values = value if isinstance(value, list) else [value]
        mapping = dict(self.role_map)
        for item in values:
            if isinstance(item, str) and item in mapping:
                return mapping[item]
        return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _load_key(name: str, raw: str, key_id: str) -> PrivateKey:
    """A private key given as a JWK (JSON, as HelseID's self-service hands it out) or as PEM."""
    parameters: KeyParameters | None = {"kid": key_id} if key_id else None
    text = raw.strip()
    key: PrivateKey | None = None
    try:
        if text.startswith("{"):
            data = json.loads(text)
            kinds: dict[str, type[PrivateKey]] = {"RSA": RSAKey, "EC": ECKey, "OKP": OKPKey}
            kind = kinds.get(str(data.get("kty")))
            if kind is not None:
                key = kind.import_key(data, parameters=parameters)
        else:
            for kind in (RSAKey, ECKey, OKPKey):
                try:
                    key = kind.import_key(text, parameters=parameters)
                    break
                except (JoseError, ValueError, TypeError):
                    continue
    except (JoseError, ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"OIDC provider {name}: the private key cannot be read ({error})") from None
    if key is None or not key.is_private:
        raise ImproperlyConfigured(f"OIDC provider {name}: the key must be a private RSA, EC or OKP key")
    return key


def provider_from_setting(name: str, entry: dict[str, Any]) -> Provider:
    """One provider from its settings entry; ImproperlyConfigured on anything missing or wrong."""
    if not NAME.match(name):
        raise ImproperlyConfigured(f"OIDC provider name {name!r} must be lower-case letters, digits and hyphens")
    issuer = str(entry.get("issuer") or "").rstrip("/")
    client_id = str(entry.get("client_id") or "")
    private_key = str(entry.get("private_key") or "")
    for setting, value in (("ISSUER", issuer), ("CLIENT_ID", client_id), ("PRIVATE_KEY", private_key)):
        if not value:
            raise ImproperlyConfigured(f"OIDC provider {name}: {setting} is required")
    parts = urlsplit(issuer)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
        raise ImproperlyConfigured(f"OIDC provider {name}: the issuer must be an https URL, not {issuer!r}")
    roles = set(Role.values)
    role_map = dict(entry.get("role_map") or {})
    for value, role in role_map.items():
        if role not in roles:
            raise ImproperlyConfigured(f"OIDC provider {name}: ROLE_MAP maps {value!r} to unknown role {role!r}")
    scopes = tuple(entry.get("scopes") or ("openid", "profile"))
    if "openid" not in scopes:
        scopes = ("openid", *scopes)
    return Provider(
        name=name,
        label=str(entry.get("label") or name),
        issuer=issuer,
        client_id=client_id,
        private_key=_load_key(name, private_key, str(entry.get("key_id") or "")),
        signing_alg=str(entry.get("signing_alg") or "RS256"),
        scopes=scopes,
        name_claim=str(entry.get("name_claim") or "name"),
        email_claim=str(entry.get("email_claim") or "email"),
        role_claim=str(entry.get("role_claim") or ""),
        role_map=tuple(sorted(role_map.items())),
    )


_parsed: dict[str, tuple[int, Provider]] = {}


def configured() -> list[Provider]:
    """Every configured provider, in the order of the setting. Parsed once per settings entry (the
    tests change the setting; a key is parsed again only when its entry changed)."""
    providers = []
    for name, entry in settings.OIDC_PROVIDERS.items():
        fingerprint = hash(repr(sorted(entry.items())))
        cached = _parsed.get(name)
        if cached is None or cached[0] != fingerprint:
            cached = (fingerprint, provider_from_setting(name, entry))
            _parsed[name] = cached
        providers.append(cached[1])
    return providers


def provider_named(name: str) -> Provider | None:
    return next((provider for provider in configured() if provider.name == name), None)


# --- What each provider publishes -----------------------------------------------------------------


@dataclass
class _Published:
    metadata: dict[str, Any]
    fetched_at: float
    keys: KeySet | None = None
    keys_fetched_at: float = 0.0


_published: dict[str, _Published] = {}
_lock = threading.Lock()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.OIDC_HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("oidc: fetching %s failed: %s", url, type(error).__name__)
        raise ProviderUnavailable(url) from None
    if not isinstance(data, dict):
        raise ProviderUnavailable(url)
    return data


def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document, checked to name the configured issuer."""
    with _lock:
        known = _published.get(provider.issuer)
    if known is not None and time.monotonic() - known.fetched_at < METADATA_SECONDS:
        return known.metadata
    data = _get_json(provider.issuer + "/.well-known/openid-configuration")
    if str(data.get("issuer", "")).rstrip("/") != provider.issuer:
        logger.warning("oidc: %s publishes issuer %r", provider.name, data.get("issuer"))
        raise ProviderUnavailable("issuer mismatch")
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(data.get(endpoint), str):
            raise ProviderUnavailable(f"no {endpoint}")
    with _lock:
        _published[provider.issuer] = _Published(metadata=data, fetched_at=time.monotonic())
    return data


def signing_keys(provider: Provider, *, refresh: bool = False) -> KeySet:
    """The provider's public signing keys. `refresh` fetches them again (a token named a key id we
    do not have), but not more often than every KEYS_REFETCH_SECONDS."""
    data = metadata(provider)
    with _lock:
        known = _published[provider.issuer]
        fresh_enough = time.monotonic() - known.keys_fetched_at < KEYS_REFETCH_SECONDS
        if known.keys is not None and (not refresh or fresh_enough):
            return known.keys
    try:
        keys = KeySet.import_key_set(_get_json(data["jwks_uri"]))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise ProviderUnavailable("unreadable keys") from None
    with _lock:
        known.keys, known.keys_fetched_at = keys, time.monotonic()
    return keys


def forget_published() -> None:
    """Drop what was fetched from every provider (tests start each provider anew)."""
    with _lock:
        _published.clear()
