"""pathways.services.adaptation_publish: the local version, its snapshot and number, the parity gate,
the refusals, immutability, the signal and two editors at once."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.dispatch import receiver

from pathways.models import ImmutableError, LocalVersion, LocalVersionSection, VersionKind
from pathways.services import (
    PublishRefused,
    adaptation_accept_common,
    adaptation_has_unpublished_changes,
    pathway_publish,
    section_update,
)
from pathways.signals import version_published
from tests.local.conftest import GP, edit, publish

pytestmark = pytest.mark.django_db

AT = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
NOTHING_CHANGED = "Ingenting er endret siden gjeldende lokale versjon."


def test_publish_makes_a_numbered_local_version_with_a_full_snapshot(adaptation, local_a, pathway):
    local_version = publish(adaptation, local_a, at=AT)
    adaptation.refresh_from_db()
    assert local_version.number == "vest-2026.1"
    assert (local_version.published_by, local_version.published_at) == (local_a, AT)
    assert (local_version.summary_nb, local_version.summary_nn) == ("Lokale endringer.", "Lokale endringar.")
    assert local_version.common_version_id == pathway.current_version_id
    assert adaptation.current_local_version_id == local_version.pk
    snapshot = {s.slug: s for s in local_version.sections.all()}
    assert set(snapshot) == {GP, "kontakter-vest"}
    assert snapshot[GP].html_nb.strip() == "<p>Ring BUPA Vest på telefon 11111111.</p>"
    assert (snapshot["kontakter-vest"].is_local, snapshot["kontakter-vest"].after_slug) == (True, "innledning")
    assert local_version.title("nb") == "Angst i Vest"
    assert local_version.title("nn") == "Angstplager"  # no local nynorsk title: the common one


def test_numbers_run_on_within_the_year_and_start_again_the_next(adaptation, local_a):
    assert publish(adaptation, local_a, at=AT).number == "vest-2026.1"
    edit(adaptation, local_a)
    assert publish(adaptation, local_a, at=AT).number == "vest-2026.2"
    edit(adaptation, local_a, body_nb="Tredje.", body_nn="Tredje nn.")
    assert publish(adaptation, local_a, at=datetime(2027, 1, 5, tzinfo=UTC)).number == "vest-2027.1"


def test_saving_after_publishing_changes_only_the_draft(published, local_a):
    local_version = published.current_local_version
    edit(published, local_a, body_nb="Utkast.", body_nn="Utkast nn.")
    snapshot = LocalVersionSection.objects.get(local_version=local_version, slug=GP)
    assert snapshot.body_nb == "Ring BUPA Vest på telefon 11111111."
    assert adaptation_has_unpublished_changes(published)


def test_publishing_without_a_change_is_refused(published, local_a):
    assert not adaptation_has_unpublished_changes(published)
    with pytest.raises(PublishRefused) as refused:
        publish(published, local_a)
    assert refused.value.reasons == [NOTHING_CHANGED]
    assert LocalVersion.objects.filter(adaptation=published).count() == 1


def test_changing_only_the_local_title_is_a_change(published, local_a):
    published.title_nn = "Angst i Vest nn"
    published.save()
    assert publish(published, local_a).title("nn") == "Angst i Vest nn"


def test_taking_the_common_text_back_is_a_change(published, local_a):
    adaptation_accept_common(adapted=published.sections.get(slug=GP), by=local_a)
    local_version = publish(published, local_a)
    assert not local_version.sections.filter(slug=GP).exists()


def test_one_written_standard_only_is_refused_by_the_parity_gate(published, local_a):
    edit(published, local_a, body_nb="Bare bokmål endret.", body_nn="Ring BUPA Vest på telefon 11111111 nn.")
    with pytest.raises(PublishRefused) as refused:
        publish(published, local_a)
    assert len(refused.value.reasons) == 1
    assert "endret i den ene målformen, men ikke i den andre" in refused.value.reasons[0]
    assert "Tittel 1" in refused.value.reasons[0]  # the section is named by its (common) title


def test_a_new_override_changed_in_one_language_only_is_refused(adaptation, local_a, pathway):
    # The nynorsk text is left as the common text: the override changed bokmål only.
    common_nn = pathway.current_version.sections.get(slug="sjekkliste-henvisning").body_nn
    edit(adaptation, local_a, slug="sjekkliste-henvisning", body_nb="Lokal sjekkliste.", body_nn=common_nn)
    with pytest.raises(PublishRefused):
        publish(adaptation, local_a)


def test_a_language_neutral_change_passes_the_parity_gate(published, local_a):
    edit(
        published,
        local_a,
        body_nb="Ring BUPA Vest på telefon 22222222.",
        body_nn="Ring BUPA Vest på telefon 11111111 nn.",
    )
    local_version = publish(published, local_a, neutral_slugs=[GP])
    assert local_version.sections.get(slug=GP).body_nb == "Ring BUPA Vest på telefon 22222222."


def test_every_reason_is_given_at_once(published, local_a):
    edit(published, local_a, body_nb="Bare bokmål.", body_nn="Ring BUPA Vest på telefon 11111111 nn.")
    with pytest.raises(PublishRefused) as refused:
        publish(published, local_a, summary_nb="  ", summary_nn="")
    assert len(refused.value.reasons) == 2
    assert "Skriv endringssammendraget på både bokmål og nynorsk." in refused.value.reasons


def test_a_new_common_version_is_a_change_and_the_next_local_version_builds_on_it(published, local_a, editor, pathway):
    first = published.current_local_version
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="Ny.", body_nn="Ny nn.")
    new_common = pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R."
    )
    published.refresh_from_db()
    assert adaptation_has_unpublished_changes(published)
    second = publish(published, local_a)
    assert (first.common_version.number, second.common_version_id) == ("2026", new_common.pk)


def test_local_versions_cannot_be_changed_or_deleted(published):
    local_version = published.current_local_version
    local_version.summary_nb = "Endret i ettertid."
    with pytest.raises(ImmutableError):
        local_version.save()
    with pytest.raises(ImmutableError):
        local_version.delete()
    section = local_version.sections.first()
    section.body_nb = "Endret i ettertid."
    with pytest.raises(ImmutableError):
        section.save()
    with pytest.raises(ImmutableError):
        section.delete()
    assert LocalVersion.objects.get(pk=local_version.pk).summary_nb == "Lokale endringer."


def test_version_published_is_sent_with_the_local_version_inside_the_transaction(adaptation, local_a):
    seen = []

    @receiver(version_published)
    def listen(sender, version, **kwargs):
        seen.append((version.number, connection.in_atomic_block))

    try:
        local_version = publish(adaptation, local_a)
    finally:
        version_published.disconnect(listen)
    assert seen == [(local_version.number, True)]


def test_forgets_the_remembered_local_page_on_commit(adaptation, local_a, django_capture_on_commit_callbacks, settings):
    from pathways import pages

    pages._current_local[("vest", "angst")] = (float("inf"), adaptation)
    with django_capture_on_commit_callbacks(execute=True):
        publish(adaptation, local_a)
    assert ("vest", "angst") not in pages._current_local


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_editors_publishing_at_once_get_consecutive_numbers(pathway, partnership_a, local_a):
    from pathways.services import adaptation_create, adaptation_section_save

    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
    barrier = threading.Barrier(20)
    refused: list[list[str]] = []
    errors: list[BaseException] = []

    def one_editor(index: int) -> None:
        try:
            # Each saves a section of its own, then all publish at the same moment: the row lock
            # orders them; one that finds its change already published by another is refused.
            adaptation_section_save(
                adaptation=adaptation,
                slug=f"lokal-{index}",
                by=local_a,
                is_local=True,
                title_nb=f"Lokal {index}",
                title_nn=f"Lokal {index} nn",
                body_nb="Tekst.",
                body_nn="Tekst nn.",
            )
            barrier.wait(timeout=30)
            publish(adaptation, local_a, at=AT)
        except PublishRefused as refusal:
            refused.append(refusal.reasons)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_editor, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    numbers = list(
        LocalVersion.objects.filter(adaptation=adaptation).order_by("sequence").values_list("sequence", flat=True)
    )
    assert numbers == list(range(1, len(numbers) + 1))  # consecutive, no duplicates
    assert len(numbers) + len(refused) == 20
    assert all(reasons == [NOTHING_CHANGED] for reasons in refused)
    adaptation.refresh_from_db()
    assert adaptation.current_local_version.sections.count() == 20  # the last one has every section


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_publishes_of_twenty_changes_in_a_row_are_numbered_one_to_twenty(pathway, partnership_a, local_a):
    from pathways.services import adaptation_create

    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
    for index in range(20):
        edit(adaptation, local_a, body_nb=f"Tekst {index}.", body_nn=f"Tekst {index} nn.")
        publish(adaptation, local_a, at=AT)
    assert list(
        LocalVersion.objects.filter(adaptation=adaptation).order_by("sequence").values_list("number", flat=True)
    ) == [f"vest-2026.{n}" for n in range(1, 21)]
