import pytest

from pathways.models import VersionKind
from pathways.services import pathway_publish, section_update
from tests.local.conftest import adaptation, published  # noqa: F401 - the local cast, shared


def correct(pathway, editor, *, summary_nb="Rettet telefonnummer til BUP.", summary_nn="Retta telefonnummer til BUP."):
    """Publish a correction of `pathway` (2026.1 after 2026, and so on)."""
    section = pathway.sections.get(slug="innledning")
    count = pathway.versions.count()
    section_update(section=section, by=editor, body_nb=f"Ny innledning {count}.", body_nn=f"Ny innleiing {count}.")
    version = pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb=summary_nb, summary_nn=summary_nn
    )
    pathway.refresh_from_db()
    return version


@pytest.fixture
def corrected(pathway, editor):
    """ "angst" with a correction 2026.1 after the first version 2026."""
    correct(pathway, editor)
    return pathway
