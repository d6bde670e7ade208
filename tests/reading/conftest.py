"""A pathway shaped like a real one for the reading aids: a lead, a background, two services with
all five parts ("Who does what?"), one service with a single part, a checklist and a collaboration
section; and partnership A's published local page of it, with a local section between two GP parts."""

import pytest

from pathways.models import Pathway, Section, SectionKind, Service, ServicePart, VersionKind
from pathways.services import adaptation_create, adaptation_section_save, pathway_publish
from tests.local.conftest import publish

PARTS = [
    ("kartlegging", ServicePart.ASSESSMENT),
    ("tiltak", ServicePart.INTERVENTIONS),
    ("evaluering", ServicePart.EVALUATION),
    ("samarbeid", ServicePart.COLLABORATION),
    ("henvisning", ServicePart.REFERRAL),
]


def _sections():
    yield "innledning", SectionKind.LEAD, "", "", "Innledning"
    yield "bakgrunn", SectionKind.BACKGROUND, "", "", "Les mer om angstplager"
    for prefix, service in (("fastlege", Service.GP), ("bup", Service.CAMHS)):
        for suffix, part in PARTS:
            yield f"{prefix}-{suffix}", SectionKind.SERVICE, service, part, f"{prefix} {suffix}"
    yield "ppt-kartlegging", SectionKind.SERVICE, Service.EDUCATIONAL_PSYCHOLOGY, ServicePart.ASSESSMENT, "PPT"
    yield "sjekkliste-henvisning", SectionKind.REFERRAL_CHECKLIST, "", "", "Sjekkliste for henvisning"
    yield "samhandling", SectionKind.COLLABORATION, "", "", "Samhandling og samarbeid"


# The page order of the anchors above, the services' headings included (the lead has one too).
PAGE_ORDER = ["innledning", "bakgrunn", "service-gp"] + [f"fastlege-{s}" for s, _p in PARTS]
PAGE_ORDER += ["service-camhs"] + [f"bup-{s}" for s, _p in PARTS]
PAGE_ORDER += ["service-educational_psychology", "ppt-kartlegging", "sjekkliste-henvisning", "samhandling"]


def make_full_pathway(editor) -> Pathway:
    pathway = Pathway.objects.create(slug="angst", title_nb="Angstplager", title_nn="Angstplager")
    for position, (slug, kind, service, part, title) in enumerate(_sections()):
        Section.objects.create(
            pathway=pathway,
            slug=slug,
            kind=kind,
            service=service,
            part=part,
            position=position,
            title_nb=title,
            title_nn=f"{title} nn",
            body_nb=f"Tekst i {slug}.",
            body_nn=f"Tekst i {slug} nn.",
        )
    pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.REVISION, year=2026, summary_nb="Første.", summary_nn="Fyrste."
    )
    pathway.refresh_from_db()
    return pathway


@pytest.fixture
def full_pathway(editor) -> Pathway:
    return make_full_pathway(editor)


@pytest.fixture
def local_page(full_pathway, partnership_a, local_a):
    """Partnership A's published local page: "Legevakt i Vest" between the GP's first two parts."""
    adaptation = adaptation_create(partnership=partnership_a, pathway=full_pathway, by=local_a, title_nb="Angst i Vest")
    adaptation_section_save(
        adaptation=adaptation,
        slug="legevakt-vest",
        by=local_a,
        is_local=True,
        after_slug="fastlege-kartlegging",
        title_nb="Legevakt i Vest",
        title_nn="Legevakt i Vest nn",
        body_nb="Ring legevakten i Vest.",
        body_nn="Ring legevakta i Vest.",
    )
    publish(adaptation, local_a)
    adaptation.refresh_from_db()
    return adaptation


@pytest.fixture(autouse=True)
def _no_remembered_pdfs():
    """The print PDFs are kept per process under their ETag; each test lays its own out."""
    from pathways import views

    views._print_pdfs.clear()
    yield
    views._print_pdfs.clear()
