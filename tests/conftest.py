"""The cast and the fixtures every test module shares (Healthchecks' hc/test.py in spirit).

The cast: `editor` (responsible editor), `local_a` (local editor of partnership A), `local_b` (of
partnership B), `trust_seat` and `municipality_seat` (resource group members of A), `adviser`, and
the anonymous reader (the plain `client`); `editor_client` is the client logged in as the editor.
"""

import os
import uuid

import pytest
from django.contrib.auth import get_user_model

from pathways.models import HealthTrust, Partnership, Profile, Role
from tests.factories import make_pathway
from tests.support import as_user

REQUIRED = os.environ.get("CI") == "true"


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            if REQUIRED:
                raise pytest.UsageError("CI=true: PostgreSQL is required")
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            if REQUIRED:
                raise pytest.UsageError("CI=true: Redis is required")
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Each test starts with no rendered pages and its own rate-limit counters. The shared Redis is
    never flushed: other test runs may be using it at the same time."""
    from pathways import pages, views

    views._rendered_pages.clear()
    pages._current.clear()
    pages._versions.clear()
    pages._section_titles.clear()
    pages._current_local.clear()
    pages._local_pages.clear()
    pages._local_versions.clear()
    # Tests publish inside a transaction that never commits, so the on-commit forgetting of the
    # current-version lookup never runs: tests look up every time unless they test that cache.
    settings.PAGE_LOOKUP_SECONDS = 0
    settings.RATELIMIT_KEY_PREFIX = f"frl:{uuid.uuid4().hex}:"
    # The cast is made anew for every test; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    views._rendered_pages.clear()


def _partnership(slug: str, name: str) -> Partnership:
    trust = HealthTrust.objects.create(name=f"{name} HF")
    return Partnership.objects.create(slug=slug, name=name, health_trust=trust)


@pytest.fixture
def partnership_a(db) -> Partnership:
    return _partnership("vest", "Helsefellesskap Vest")


@pytest.fixture
def partnership_b(db) -> Partnership:
    return _partnership("nord", "Helsefellesskap Nord")


def _person(username: str, role: str, partnership=None, staff=True):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests", is_staff=staff)
    Profile.objects.create(user=user, role=role, partnership=partnership)
    return user


@pytest.fixture
def editor(db):
    return _person("editor", Role.RESPONSIBLE_EDITOR)


@pytest.fixture
def local_a(partnership_a):
    return _person("local-a", Role.LOCAL_EDITOR, partnership_a)


@pytest.fixture
def local_b(partnership_b):
    return _person("local-b", Role.LOCAL_EDITOR, partnership_b)


@pytest.fixture
def trust_seat(partnership_a):
    return _person("trust-seat", Role.RESOURCE_MEMBER, partnership_a, staff=False)


@pytest.fixture
def adviser(db):
    return _person("adviser", Role.ADVISER, staff=False)


@pytest.fixture
def editor_client(client, editor):
    """The test client, logged in as the responsible editor."""
    return as_user(client, editor)


@pytest.fixture
def pathway(editor):
    """A published pathway (version 2026) with a lead, a GP section and a checklist."""
    return make_pathway(editor=editor)
