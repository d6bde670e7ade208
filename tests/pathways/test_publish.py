import pytest
import reversion
from reversion.models import Version as HistoryEntry

from pathways.models import ImmutableError, Version, VersionKind, VersionSection
from pathways.services import PublishRefused, parity_problems, pathway_publish, section_update

pytestmark = pytest.mark.django_db


def _correction(pathway, editor, **kwargs):
    return pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Retting.", summary_nn="Retting.", **kwargs
    )


def test_first_publish_snapshots_rendered_sections(pathway):
    version = pathway.current_version
    assert version.number == "2026"
    sections = list(version.sections.all())
    assert [s.slug for s in sections] == ["innledning", "fastlege-kartlegging", "sjekkliste-henvisning"]
    assert sections[0].html_nb == "<p>Fastlegen kartlegg plagene og vurderer alvorsgrad. Del 0.</p>\n"


def test_corrections_are_numbered_after_the_yearly_revision(pathway, editor):
    for n in (1, 2):
        section = pathway.sections.get(slug="innledning")
        section_update(section=section, by=editor, body_nb=f"Ny tekst {n}.", body_nn=f"Ny tekst {n} nn.")
        assert _correction(pathway, editor).number == f"2026.{n}"
    pathway.refresh_from_db()
    assert pathway.current_version.number == "2026.2"


def test_parity_gate_refuses_a_change_in_one_language_and_names_the_section(pathway, editor):
    section = pathway.sections.get(slug="fastlege-kartlegging")
    section_update(section=section, by=editor, body_nb="Bare bokmål er endret.")
    with pytest.raises(PublishRefused) as refused:
        _correction(pathway, editor)
    assert "Tittel 1" in str(refused.value)
    # The parity gate's reason, and no other, naming the section by its title.
    [reason] = refused.value.reasons
    assert reason.startswith("Disse avsnittene er endret i den ene målformen, men ikke i den andre: «Tittel 1».")
    assert Version.objects.filter(pathway=pathway).count() == 1
    assert [p.section.slug for p in parity_problems(pathway)] == ["fastlege-kartlegging"]


def test_parity_gate_passes_when_the_editor_marks_the_change_language_neutral(pathway, editor):
    section_update(
        section=pathway.sections.get(slug="fastlege-kartlegging"), by=editor, body_nn="Berre lenkja er retta."
    )
    version = _correction(pathway, editor, neutral_slugs=["fastlege-kartlegging"])
    assert version.sections.get(slug="fastlege-kartlegging").body_nn == "Berre lenkja er retta."


def test_parity_gate_checks_titles_too(pathway, editor):
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, title_nb="Ny tittel")
    with pytest.raises(PublishRefused) as refused:
        _correction(pathway, editor)
    # Named by the title it has now, in bokmål.
    [reason] = refused.value.reasons
    assert reason.startswith("Disse avsnittene er endret i den ene målformen, men ikke i den andre: «Ny tittel».")


def test_publishing_nothing_new_is_refused(pathway, editor):
    with pytest.raises(PublishRefused) as refused:
        _correction(pathway, editor)
    assert "Ingenting er endret" in " ".join(refused.value.reasons)
    assert refused.value.reasons == ["Ingenting er endret siden gjeldende versjon."]


def test_same_yearly_revision_twice_is_refused(pathway, editor):
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="A.", body_nn="A nn.")
    with pytest.raises(PublishRefused) as refused:
        pathway_publish(
            pathway=pathway, by=editor, kind=VersionKind.REVISION, year=2026, summary_nb="x", summary_nn="x"
        )
    assert refused.value.reasons == ["Den årlige revisjonen 2026 er allerede publisert."]


def test_summary_is_required_in_both_languages(pathway, editor):
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="A.", body_nn="A nn.")
    with pytest.raises(PublishRefused) as refused:
        pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Retting.", summary_nn=" ")
    assert refused.value.reasons == ["Skriv endringssammendraget på både bokmål og nynorsk."]


def test_published_version_and_sections_cannot_be_changed_or_deleted(pathway):
    version = Version.objects.get(pk=pathway.current_version_id)
    version.summary_nb = "Endret i ettertid"
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()
    section = VersionSection.objects.filter(version=version).first()
    section.body_nb = "Endret i ettertid"
    with pytest.raises(ImmutableError):
        section.save()
    assert VersionSection.objects.get(pk=section.pk).body_nb != "Endret i ettertid"


def test_editing_a_draft_does_not_touch_the_published_version(pathway, editor):
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="Utkast.", body_nn="Utkast nn.")
    published = pathway.current_version.sections.get(slug="innledning")
    assert published.body_nb.startswith("Fastlegen")


def test_section_edits_are_recorded_in_the_history_with_the_user(pathway, editor):
    section = pathway.sections.get(slug="innledning")
    section_update(section=section, by=editor, body_nb="Ny.", body_nn="Ny nn.")
    entries = HistoryEntry.objects.get_for_object(section)
    assert entries.count() == 1
    assert entries[0].revision.user == editor
    assert entries[0].field_dict["body_nb"] == "Ny."
    assert reversion.is_registered(type(section))
