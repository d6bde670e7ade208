"""The settings read from the environment: typed helpers, and secure defaults with DEBUG off."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int, env_list, env_url

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_refuses_a_value_it_cannot_read(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "kanskje")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


def test_env_url_takes_an_http_url_or_nothing(monkeypatch):
    monkeypatch.setenv("SOME_URL", "https://uustatus.no/nb/erklaringer/publisert/0000")
    assert env_url("SOME_URL", "") == "https://uustatus.no/nb/erklaringer/publisert/0000"
    monkeypatch.setenv("SOME_URL", "")
    assert env_url("SOME_URL", "") == ""
    for bad in ("uustatus.no/erklaring", "javascript:alert(1)", "ftp://example.no/x"):
        monkeypatch.setenv("SOME_URL", bad)
        with pytest.raises(ImproperlyConfigured, match="SOME_URL"):
            env_url("SOME_URL", "")


def test_env_int_refuses_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ti")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 1, minimum=1)


def test_env_helpers_read_good_values(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "yes")
    monkeypatch.setenv("SOME_NUMBER", "42")
    monkeypatch.setenv("SOME_LIST", "a.no, b.no,")
    assert env_bool("SOME_FLAG", False) is True
    assert env_int("SOME_NUMBER", 1) == 42
    assert env_list("SOME_LIST", []) == ["a.no", "b.no"]


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_HTTPS", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_reports_nothing_with_debug_off():
    # A production configuration: a real SMTP server (the file backend is for development only).
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 60 + "-Deploy-Key-123!",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_missing_secret_key_with_debug_off_stops_start_up():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_bad_boolean_stops_start_up():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


@pytest.mark.django_db
def test_responses_carry_csp_with_frame_ancestors_none_and_no_unsafe_inline(client):
    response = client.get("/nb/forlop/")
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
