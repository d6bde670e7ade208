"""Factories for volume: pathways with any number of sections, published or not."""

from pathways.models import Pathway, Section, SectionKind, Service, ServicePart, VersionKind
from pathways.services import pathway_publish


def make_pathway(*, editor, slug="angst", sections: int = 3, publish_year: int | None = 2026) -> Pathway:
    pathway = Pathway.objects.create(slug=slug, title_nb="Angstplager", title_nn="Angstplager")
    kinds = [
        ("innledning", SectionKind.LEAD, "", ""),
        ("fastlege-kartlegging", SectionKind.SERVICE, Service.GP, ServicePart.ASSESSMENT),
        ("sjekkliste-henvisning", SectionKind.REFERRAL_CHECKLIST, "", ""),
    ]
    for index in range(sections):
        slug_, kind, service, part = (
            kinds[index] if index < len(kinds) else (f"del-{index}", SectionKind.BACKGROUND, "", "")
        )
        Section.objects.create(
            pathway=pathway,
            slug=slug_,
            kind=kind,
            service=service,
            part=part,
            position=index,
            title_nb=f"Tittel {index}",
            title_nn=f"Tittel {index} nn",
            body_nb=f"Fastlegen kartlegg plagene og vurderer alvorsgrad. Del {index}.",
            body_nn=f"Fastlegen kartlegg plagene og vurderer alvorsgrad. Del {index} nn.",
        )
    if publish_year:
        pathway_publish(
            pathway=pathway,
            by=editor,
            kind=VersionKind.REVISION,
            year=publish_year,
            summary_nb="Første versjon.",
            summary_nn="Første versjon.",
        )
        pathway.refresh_from_db()
    return pathway
