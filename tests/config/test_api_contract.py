"""The API keeps the contract of its own schema: a property-based client (schemathesis) generates
requests from /api/schema/, valid and invalid, and every check schemathesis has is applied to the
answers: no 5xx, only documented statuses, content types and headers, bodies that match the schema,
what the schema allows is accepted and what it forbids is refused, 405 with Allow for an undeclared
method, 401 when the credentials are left out.

It runs through the WSGI application in this process (the test database, the test transaction), with
a fixed seed, derandomized, and a fixed number of examples per operation, so CI sees the same
requests every time. The proposals and webhooks APIs are called with the editor's token
(authenticated), the rest without (anonymous); schemathesis also calls them without the token.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from governance.models import ChangeProposal, ProposalKind, ProposalSource
from tests.support import make_proposal

SEED = 20261202
EXAMPLES_PER_OPERATION = 50
# The proposal the proposals API is called about: its id is pinned, so that the detail and the
# transitions reach a real proposal (an id drawn at random is a 404 every time) and move it on.
PROPOSAL_ID = 4242

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",  # valid and invalid requests
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",  # nothing kept between runs: the same examples every time
        },
        "checks": {"enabled": True},
        "parameters": {"path.id": PROPOSAL_ID},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
    }
)

# Loaded at import: the schema view reads no database. (schemathesis.pytest.from_fixture would load
# it per test, but touches a private attribute pytest 9.2 no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


@pytest.fixture(autouse=True)
def published_data(db, pathway, editor, partnership_a, settings):
    """A published pathway (angst, 2026, the schema's examples), a partnership, a proposal of it and
    the editor's token; and the request signals that would close the test's database connection
    unhooked, as Django's own test client does."""
    settings.FEEDBACK_PER_MINUTE = 1_000_000  # the limit is tested in tests/feedback; here it would hide the rest
    make_proposal(partnership=partnership_a, pathway=pathway)
    ChangeProposal.objects.create(
        pk=PROPOSAL_ID,
        source=ProposalSource.READER,
        kind=ProposalKind.ERROR,
        language="nb",
        description="Telefonnummeret til BUP er feil.",
        partnership=partnership_a,
        pathway=pathway,
        version=pathway.current_version,
    )
    Token.objects.create(user=editor)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
def test_api_keeps_its_schema(case):
    headers = {}
    if case.path.startswith(("/api/v1/proposals/", "/api/v1/webhooks/")):
        headers["Authorization"] = f"Token {Token.objects.get(user__username='editor').key}"
    case.call_and_validate(headers=headers)
