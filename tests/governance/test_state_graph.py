"""docs/proposal-states.dot is the state graph the code has (`make graph` renders it anew)."""

import io
from pathlib import Path

from django.core.management import call_command
from django.utils import translation

DOT = Path(__file__).resolve().parents[2] / "docs" / "proposal-states.dot"


def test_committed_state_graph_is_current():
    out = io.StringIO()
    with translation.override("nb"):  # as `make graph` writes it, whatever an earlier test activated
        call_command("graph_transitions", "governance.ChangeProposal", stdout=out)
    # django-fsm writes nodes and edges from sets, so their order changes between runs.
    assert sorted(out.getvalue().split("\n")) == sorted(DOT.read_text().split("\n")), "run `make graph`"


def test_every_state_is_in_the_graph():
    from governance.models import ProposalState

    text = DOT.read_text()
    missing = [state for state in ProposalState.values if state not in text]
    assert not missing
