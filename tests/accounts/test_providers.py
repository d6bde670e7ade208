"""Providers from the environment: config/settings.py reads OIDC_PROVIDERS and each name's
OIDC_<NAME>_… variables; accounts/providers.py refuses a wrong entry at start-up."""

import json
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from joserfc.jwk import RSAKey

from accounts.providers import provider_from_setting
from config.settings import env_oidc_providers

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
JWK = json.dumps(KEY.as_dict(private=True))


def _entry(**overrides):
    return {"issuer": "https://helseid-sts.test.nhn.no/", "client_id": "c", "private_key": JWK} | overrides


def test_the_environment_names_and_configures_each_provider(monkeypatch):
    monkeypatch.setenv("OIDC_PROVIDERS", "helseid, entra-hf")
    monkeypatch.setenv("OIDC_HELSEID_ISSUER", "https://helseid-sts.test.nhn.no")
    monkeypatch.setenv("OIDC_HELSEID_SCOPES", "openid profile helseid://scopes/identity/pid")
    monkeypatch.setenv("OIDC_HELSEID_ROLE_MAP", "fsu=local_editor, redaksjon=responsible_editor")
    monkeypatch.setenv("OIDC_ENTRA_HF_CLIENT_ID", "entra-client")
    providers = env_oidc_providers()
    assert list(providers) == ["helseid", "entra-hf"]
    assert providers["helseid"]["scopes"] == ["openid", "profile", "helseid://scopes/identity/pid"]
    assert providers["helseid"]["role_map"] == {"fsu": "local_editor", "redaksjon": "responsible_editor"}
    assert providers["entra-hf"]["client_id"] == "entra-client"


def test_the_key_may_come_from_a_file(monkeypatch, tmp_path):
    (tmp_path / "key.json").write_text(JWK)
    monkeypatch.setenv("OIDC_PROVIDERS", "helseid")
    monkeypatch.setenv("OIDC_HELSEID_PRIVATE_KEY_FILE", str(tmp_path / "key.json"))
    assert env_oidc_providers()["helseid"]["private_key"] == JWK


def test_a_jwk_or_a_pem_key_is_read():
    assert provider_from_setting("helseid", _entry()).private_key.kid == "k1"
    pem = KEY.as_pem(private=True).decode()
    provider = provider_from_setting("helseid", _entry(private_key=pem, key_id="pem-1"))
    assert provider.private_key.kid == "pem-1"
    assert provider.issuer == "https://helseid-sts.test.nhn.no"  # without the trailing slash


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        pytest.param(_entry(issuer=""), "ISSUER is required", id="no-issuer"),
        pytest.param(_entry(client_id=""), "CLIENT_ID is required", id="no-client"),
        pytest.param(_entry(private_key=""), "PRIVATE_KEY is required", id="no-key"),
        pytest.param(_entry(private_key="not a key"), "private RSA, EC or OKP key", id="bad-key"),
        pytest.param(
            _entry(private_key=json.dumps(KEY.as_dict(private=False))), "private RSA, EC or OKP key", id="public-key"
        ),
        pytest.param(_entry(issuer="http://idp.example"), "must be an https URL", id="http-issuer"),
        pytest.param(_entry(role_map={"x": "admin"}), "unknown role", id="unknown-role"),
    ],
)
def test_a_wrong_entry_is_refused(entry, words):
    with pytest.raises(ImproperlyConfigured, match=words):
        provider_from_setting("helseid", entry)


def test_a_bad_name_is_refused():
    with pytest.raises(ImproperlyConfigured, match="lower-case"):
        provider_from_setting("Helse ID", _entry())


def test_a_wrong_provider_stops_start_up():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "OIDC_PROVIDERS": "helseid",
            "OIDC_HELSEID_ISSUER": "https://helseid-sts.test.nhn.no",
            "OIDC_HELSEID_CLIENT_ID": "c",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "PRIVATE_KEY is required" in result.stderr


def test_the_role_map_only_maps_known_values():
    provider = provider_from_setting("helseid", _entry(role_claim="groups", role_map={"fsu": "local_editor"}))
    assert provider.role_from_claims({"groups": ["other", "fsu"]}) == "local_editor"
    assert provider.role_from_claims({"groups": "nothing"}) is None
    assert provider.role_from_claims({}) is None
