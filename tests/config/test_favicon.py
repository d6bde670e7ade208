"""Every browser asks for /favicon.ico on every page: it is there, not a 404 in every log."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_is_an_icon_that_may_be_cached(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert "max-age" in response["Cache-Control"]


def test_favicon_answers_only_get(client):
    assert client.post("/favicon.ico").status_code == 405
