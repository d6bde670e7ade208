"""The staff pages of the change proposals in headless Chromium, logged in through the real log-in
form: axe-core finds nothing serious or critical (WCAG 2.0/2.1 A and AA) on the triage queue (as it
comes, filtered, with a filter error, empty, in nynorsk), the bulk spam confirmation, the proposal
page (with the stale notice, duplicates, the timeline, every kind of action form, a form error and
a 409 refusal), the filing page (step 1, step 2, the section, the preview, an error) and the staff
home. Without JavaScript the queue still filters and a proposal is still held for the yearly round,
by form posts alone.

Requirements and rules as in tests/browser/conftest.py: Debian's Chromium at /usr/bin/chromium and
axe-core in tests/browser/node_modules, else skipped (failed with CI=true). The duplicates need
PostgreSQL (pg_trgm); on SQLite the page is checked without them.

Playwright's sync API keeps an event loop running in this thread and Django refuses ORM calls while
one is, so each test creates its data first, drives the browser inside `chromium()`, and looks at
the database only after the browser is closed.
"""

from dataclasses import dataclass, field

import pytest
from django.db import connection

from governance.models import AuditEntry, ChangeProposal, ProposalKind, ProposalSource, ProposalState, RejectReason
from governance.proposals import services
from pathways.models import Section, VersionKind
from pathways.services import adaptation_create, pathway_publish, section_update
from tests.browser.conftest import FAILING_IMPACTS, axe_violations, chromium, format_violations
from tests.factories import make_pathway
from tests.support import make_proposal

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests"  # the cast's, tests/conftest.py
SECTION = "fastlege-kartlegging"
QUEUE = "/redaksjon/forslag/"
DEFER_COMMENT = "Tas med i årsrevisjonen, sammen med søvnkartleggingen."
DEFER_NOTE = "Takk! Vi tar det med i årsrevisjonen."


# --- Data --------------------------------------------------------------------------------------------


@dataclass
class Site:
    url: str
    ids: dict[str, int]
    duplicates: bool  # PostgreSQL suggests duplicates; SQLite does not


@pytest.fixture
def site(browser_tools, live_server, transactional_db, settings, monkeypatch, editor, partnership_a, local_a):
    """A pathway published as 2026 and then corrected (2026.1: the GP section changed), an adaptation
    of it for partnership A, and proposals of partnership A in most states, all on the 2026 text (so
    the proposal page shows the stale notice): one with a quote and a suggestion, a near duplicate of
    it, one flagged as possibly holding personal data, one in nynorsk, two spam ones, and ones moved
    on with proposal_transition (minor correction, local matter, held, rejected), plus one on the
    common text (no partnership) for the responsible editor to assign."""
    settings.SITE_URL = live_server.url
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", lambda pk: False)
    pathway = make_pathway(editor=editor)
    seen = pathway.current_version
    adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a, title_nb="Angst i Vest")

    def propose(description: str, partnership=partnership_a, **fields) -> ChangeProposal:
        return make_proposal(
            pathway=pathway,
            section_slug=SECTION,
            version=seen,
            partnership=partnership,
            description=description,
            **fields,
        )

    main = propose(
        "Teksten om fastlegen mangler noe om kartlegging av søvn og søvnvansker.",
        quote="kartlegg plagene",
        suggested_text="Fastlegen kartlegg plagene og søvnen, og vurderer alvorsgrad. Del 1.",
        external_url="https://helse-vest.example/forlop/angst",
    )
    duplicate = propose("Teksten om fastlegen mangler noe om kartlegging av søvn.")
    personal = propose(
        "Sønnen min Ola Nordmann (tlf. 912 34 567) fikk ikke kartlegging hos fastlegen.",
        may_contain_personal_data=True,
    )
    nynorsk = propose("Teksten manglar noko om kva skjema fastlegen skal bruke.", language="nn")
    spam = [
        propose("Billige klokker! Kjøp nå på https://spam.example/klokker", kind=ProposalKind.SUGGESTION),
        propose("Lån uten sikkerhet, svar innen 24 timer: https://spam.example/laan", kind=ProposalKind.MISSING),
    ]
    quick = propose("Lenken til kartleggingsskjemaet virker ikke.", kind=ProposalKind.BROKEN_LINK)
    services.proposal_transition(
        proposal_id=quick.pk, action="mark_quick_fix", by=local_a, comment="Lenken må rettes i fellesteksten."
    )
    local = propose("I Vest bruker fastlegene et annet skjema enn det som står her.", kind=ProposalKind.OUTDATED)
    services.proposal_transition(
        proposal_id=local.pk, action="mark_local", by=local_a, comment="Rettes i vår lokale tilpasning."
    )
    held = propose("Avsnittet bør si noe om når fastlegen skal henvise videre.", kind=ProposalKind.MISSING)
    services.proposal_transition(proposal_id=held.pk, action="defer", by=local_a, comment="Til årsrevisjonen.")
    rejected = propose("Dette er en test, se bort fra den.")
    services.proposal_transition(
        proposal_id=rejected.pk,
        action="reject",
        by=editor,
        reason=RejectReason.NOT_RELEVANT,
        comment="Ikke et forslag til teksten.",
    )
    common = propose("Fellesteksten bør nevne digital kartlegging.", partnership=None)

    # The correction: the GP section the readers saw has changed since.
    section_update(
        section=Section.objects.get(pathway=pathway, slug=SECTION),
        by=editor,
        body_nb="Fastlegen kartlegg plagene, søvnen og vurderer alvorsgrad. Del 1.",
        body_nn="Fastlegen kartlegg plagene, søvnen og vurderer alvorsgrad. Del 1 nn.",
    )
    pathway_publish(
        pathway=pathway,
        by=editor,
        kind=VersionKind.CORRECTION,
        summary_nb="Søvn lagt til.",
        summary_nn="Søvn lagt til.",
    )
    ids = {
        "main": main.pk,
        "duplicate": duplicate.pk,
        "personal": personal.pk,
        "nynorsk": nynorsk.pk,
        "spam-1": spam[0].pk,
        "spam-2": spam[1].pk,
        "quick": quick.pk,
        "local": local.pk,
        "held": held.pk,
        "rejected": rejected.pk,
        "common": common.pk,
    }
    return Site(url=live_server.url, ids=ids, duplicates=connection.vendor == "postgresql")


# --- Browser helpers ----------------------------------------------------------------------------------


@dataclass
class Axe:
    """axe-core on each page the test names; all failures are reported together at the end, so one
    run shows every page that needs fixing."""

    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, page, name: str) -> None:
        self.checked.append(name)
        assert page.title().strip(), f"{name}: empty <title>"
        violations = axe_violations(page)
        failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        others = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
        if others:
            print(f"{name} ({page.url}): minor/moderate axe findings:\n{format_violations(others)}")
        if failing:
            self.failures.append(f"{name} ({page.url}):\n{format_violations(failing)}")

    def assert_clean(self) -> None:
        print(f"axe: {len(self.checked)} pages checked: " + "; ".join(self.checked))
        assert not self.failures, "serious or critical axe violations:\n" + "\n".join(self.failures)


def _log_in(page, site: Site, username: str, *, language: str = "nb") -> None:
    """Through the real log-in form; the editor lands on the staff home."""
    page.goto(f"{site.url}/{language}/logg-inn/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation() as navigation:
        page.locator("main form[method=post] button[type=submit]").click()
    assert navigation.value.status == 200
    assert page.url == f"{site.url}/{language}/redaksjon/", page.url


def _goto(page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)


def _submit(page, button, status: int = 200) -> None:
    """Clicks a submit button and waits for the page it leads to (after any redirect)."""
    with page.expect_navigation() as navigation:
        button.click()
    assert navigation.value.status == status, (page.url, navigation.value.status)


def _queue_ids(page) -> list[int]:
    return [
        int(pk)
        for pk in page.locator("table.queue-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.proposal)")
    ]


def _messages(page) -> list[str]:
    return [text.strip() for text in page.locator("ul.messages li").all_inner_texts()]


def _detail(site: Site, name: str, language: str = "nb") -> str:
    return f"{site.url}/{language}{QUEUE}{site.ids[name]}/"


def _state(pk: int) -> str:
    return ChangeProposal.objects.get(pk=pk).state


# --- Tests --------------------------------------------------------------------------------------------


def test_queue_pages_pass_axe(site):
    """The responsible editor: staff home, the queue as it comes, filtered, with a filter error,
    empty, every state, the CSV link, the bulk spam confirmation and its outcome, and in nynorsk."""
    axe = Axe()
    ids = site.ids
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        _log_in(page, site, "editor")
        assert page.locator("html").get_attribute("lang") == "nb"
        axe.check(page, "staff home (responsible editor)")

        # As it comes: the new proposals, oldest first, the summary by state.
        with page.expect_navigation():
            page.locator(f"nav.staff-nav a[href='/nb{QUEUE}']").click()
        assert page.url == f"{site.url}/nb{QUEUE}"
        new = [ids[name] for name in ("main", "duplicate", "personal", "nynorsk", "spam-1", "spam-2", "common")]
        assert _queue_ids(page) == new
        assert page.locator(f"tr[data-proposal='{ids['personal']}'] a.hidden-text").is_visible()
        assert page.locator(".state-counts li").count() >= 5
        queue_title = page.title()
        axe.check(page, "queue")

        # The CSV link is there, and gives the same filters' rows as CSV.
        csv_link = page.locator("a[download]", has_text="CSV")
        href = csv_link.get_attribute("href")
        assert href.startswith(f"/nb{QUEUE}eksport.csv"), href
        export = page.request.get(site.url + href)
        assert export.status == 200 and export.headers["content-type"].startswith("text/csv")
        assert export.text().startswith("\ufeffid,received,state")

        # Filters applied through the form: kind and written standard, newest first.
        page.locator("#id_kind").select_option(ProposalKind.ERROR)
        page.locator("#id_language").select_option("nb")
        page.locator("#id_sort").select_option("newest")
        _submit(page, page.locator("form.queue-filters button[type=submit]"))
        assert "kind=error" in page.url and "sort=newest" in page.url
        assert _queue_ids(page) == [ids["common"], ids["personal"], ids["duplicate"], ids["main"]]
        assert page.locator("#id_kind").input_value() == ProposalKind.ERROR
        axe.check(page, "queue, filtered")

        # Every state, personal data flagged.
        _goto(page, f"{site.url}/nb{QUEUE}?state=all&personal=yes")
        assert _queue_ids(page) == [ids["personal"]]
        _goto(page, f"{site.url}/nb{QUEUE}?state=all")
        assert len(_queue_ids(page)) == len(ids)
        assert page.locator(".state-counts a[aria-current]").count() == 1
        axe.check(page, "queue, all states")

        # A filter that does not validate: the error summary, the field marked, the rest applied.
        _goto(page, f"{site.url}/nb{QUEUE}?section=ikke+et+anker!&kind=broken_link&state=all", status=400)
        assert page.locator(".error-summary").is_visible()
        assert page.locator(".error-summary a[href='#id_section']").is_visible()
        assert page.locator("#id_section").get_attribute("aria-invalid") == "true"
        assert _queue_ids(page) == [ids["quick"]]
        assert page.title() != queue_title  # "Error: …"
        axe.check(page, "queue, filter error")

        # Nothing matches: the empty state.
        page.locator("#id_section").fill("")
        page.locator("#id_q").fill("finnes ikke i noe forslag")
        _submit(page, page.locator("form.queue-filters button[type=submit]"))
        assert page.locator(".queue-empty").is_visible()
        assert page.locator("table.queue-table").count() == 0
        axe.check(page, "queue, empty")

        # Bulk: the two spam proposals ticked, the confirmation, then rejected.
        _goto(page, f"{site.url}/nb{QUEUE}")
        page.locator(f"#choose-{ids['spam-1']}").check()
        page.locator(f"#choose-{ids['spam-2']}").check()
        _submit(page, page.locator("form[action$='/massehandling/'] button[type=submit]"))
        listed = page.locator("ul.spam-list li").evaluate_all("items => items.map(i => Number(i.dataset.proposal))")
        assert listed == [ids["spam-1"], ids["spam-2"]]
        axe.check(page, "bulk spam confirmation")
        _submit(page, page.locator("button[name=confirm]"))
        assert page.url == f"{site.url}/nb{QUEUE}"
        assert _messages(page) and "2" in _messages(page)[0]
        assert ids["spam-1"] not in _queue_ids(page)
        axe.check(page, "queue with a message")

        # Nynorsk.
        _goto(page, f"{site.url}/nn{QUEUE}")
        assert page.locator("html").get_attribute("lang") == "nn"
        assert page.locator("h1").inner_text().strip()
        axe.check(page, "queue (nn)")
        context.close()

    axe.assert_clean()
    for name in ("spam-1", "spam-2"):
        proposal = ChangeProposal.objects.get(pk=ids[name])
        assert (proposal.state, proposal.reject_reason) == (ProposalState.REJECTED, RejectReason.SPAM)
    assert _state(ids["main"]) == ProposalState.NEW


def test_proposal_pages_pass_axe(site):
    """The responsible editor on the proposal page: a new one with the stale notice, the suggestion's
    diff, duplicates and every triage form; a minor correction, a local matter, a rejected one with
    their timelines; one with personal data flagged; one on the common text; a form sent with an
    error (400); a move someone else made first (409); the page in nynorsk."""
    axe = Axe()
    ids = site.ids
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        _log_in(page, site, "editor")

        _goto(page, _detail(site, "main"))
        assert page.locator(".stale-notice").is_visible()
        assert page.locator(".stale-notice ins").count() >= 1
        assert page.locator(".proposal-suggestion").is_visible()
        assert page.locator("blockquote").is_visible()
        for action in ("mark_local", "mark_quick_fix", "defer", "reject", "merge"):
            assert page.locator(f"form#action-{action}").is_visible(), action
        if site.duplicates:
            assert page.locator(".proposal-duplicates").is_visible()
            assert page.locator(f".proposal-duplicates a[href$='/{ids['duplicate']}/']").is_visible()
        assert page.locator("ol.timeline li").count() == 1
        axe.check(page, "proposal: new, stale, duplicates, actions")

        _goto(page, _detail(site, "quick"))
        assert page.locator("ol.timeline li").count() == 2
        assert page.locator("form#action-publish select").is_visible()
        axe.check(page, "proposal: minor correction, timeline, publish form")

        _goto(page, _detail(site, "local"))
        assert page.locator("form#action-fixed_locally select").is_visible()
        axe.check(page, "proposal: local matter, fixed-locally form")

        _goto(page, _detail(site, "rejected"))
        assert page.locator(".proposal-outcome").is_visible()
        assert page.locator("form.proposal-action").count() == 0
        axe.check(page, "proposal: rejected, no actions")

        _goto(page, _detail(site, "personal"))
        assert page.locator("form[action$='/fjern-personopplysninger/']").is_visible()
        axe.check(page, "proposal: may contain personal data")

        _goto(page, _detail(site, "common"))
        assert page.locator("form[action$='/tildel/']").is_visible()
        axe.check(page, "proposal: common text, assign form")

        # Rejected without a reason and without "I am sure": 400, the summary links to the fields.
        _goto(page, _detail(site, "duplicate"))
        _submit(page, page.locator("form#action-reject button[type=submit]"), status=400)
        summary = page.locator(".error-summary")
        assert summary.is_visible()
        assert summary.locator("a[href='#id_reject-reason_0']").is_visible()
        assert summary.locator("a[href='#id_reject-confirm']").is_visible()
        assert page.locator("#id_reject-confirm").get_attribute("aria-invalid") == "true"
        axe.check(page, "proposal: action form with errors")

        # Two tabs on the same proposal: one holds it for the yearly round, the other then tries to
        # send it on as a minor correction and is refused (409) with the page as it now is.
        other = context.new_page()
        _goto(page, _detail(site, "nynorsk"))
        _goto(other, _detail(site, "nynorsk"))
        _submit(other, other.locator("form#action-defer button[type=submit]"))
        assert other.locator("ul.messages li").count() == 1
        other.close()
        _submit(page, page.locator("form#action-mark_quick_fix button[type=submit]"), status=409)
        assert page.locator(".error-summary").is_visible()
        assert page.locator("form#action-mark_quick_fix").count() == 0
        axe.check(page, "proposal: 409 refusal")

        _goto(page, _detail(site, "main", language="nn"))
        assert page.locator("html").get_attribute("lang") == "nn"
        axe.check(page, "proposal (nn)")
        context.close()

    axe.assert_clean()
    assert _state(ids["nynorsk"]) == ProposalState.DEFERRED
    assert _state(ids["duplicate"]) == ProposalState.NEW
    assert AuditEntry.objects.filter(proposal_id=ids["nynorsk"]).count() == 1


def test_local_editor_pages_and_filing_pass_axe(site):
    """The local editor of partnership A: staff home, the queue of their partnership (bokmål and
    nynorsk), a proposal, and filing a proposal: step 1, step 2, the section, an error, the preview,
    and sending it."""
    axe = Axe()
    ids = site.ids
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        _log_in(page, site, "local-a")
        axe.check(page, "staff home (local editor)")

        _goto(page, f"{site.url}/nb{QUEUE}")
        assert ids["common"] not in _queue_ids(page)
        assert page.locator(".queue-page > p.meta").inner_text().strip() == "Helsefellesskap Vest"
        axe.check(page, "queue (local editor)")
        _goto(page, f"{site.url}/nn{QUEUE}?state=all")
        axe.check(page, "queue, all states (local editor, nn)")

        _goto(page, _detail(site, "main"))
        axe.check(page, "proposal (local editor)")

        # Filing, step 1: the pathway.
        _goto(page, f"{site.url}/nb{QUEUE}nytt/")
        assert page.locator("#id_forlop").is_visible()
        axe.check(page, "file: step 1")
        _submit(page, page.locator("main form[method=get] button[type=submit]"))
        assert "forlop=angst" in page.url

        # Step 2: the section and the written standard.
        assert page.locator("#id_seksjon").is_visible()
        assert page.locator("textarea").count() == 0
        axe.check(page, "file: step 2")
        page.locator("#id_seksjon").select_option(SECTION)
        page.locator("input[name=maal][value=nb]").check()
        _submit(page, page.locator("main form[method=get] button[type=submit]"))
        assert f"seksjon={SECTION}" in page.url

        # The section's text and the proposal form.
        suggestion = page.locator("#id_suggested_text")
        assert suggestion.input_value().startswith("Fastlegen kartlegg plagene, søvnen")
        axe.check(page, "file: the section and the form")

        # Sent unchanged: 400 with the summary.
        _submit(page, page.locator("button[name=send]"), status=400)
        assert page.locator(".error-summary").is_visible()
        axe.check(page, "file: errors")

        # The preview.
        suggestion.fill("Fastlegen kartlegg plagene, søvnen og appetitten, og vurderer alvorsgrad. Del 1.")
        page.locator("#id_description").fill("Appetitt hører med i kartleggingen.")
        _submit(page, page.locator("button[name=preview]"))
        assert page.locator(".preview ins").count() >= 1
        axe.check(page, "file: preview")

        # Sent: the new proposal's page with a message.
        _submit(page, page.locator("button[name=send]"))
        assert f"/nb{QUEUE}" in page.url and _messages(page)
        axe.check(page, "file: sent, the proposal's page")
        context.close()

    axe.assert_clean()
    filed = ChangeProposal.objects.get(description="Appetitt hører med i kartleggingen.")
    assert filed.source == ProposalSource.PROFESSIONAL and filed.partnership.slug == "vest"


def test_filtering_and_an_action_work_without_javascript(site):
    """JavaScript off: the log-in, the queue's GET filters and the proposal page's POST forms."""
    ids = site.ids
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        _log_in(page, site, "local-a")
        _goto(page, f"{site.url}/nb{QUEUE}")
        assert ids["main"] in _queue_ids(page)

        # Filter by kind and state with the form.
        page.locator("#id_kind").select_option(ProposalKind.MISSING)
        page.locator("#id_state").select_option("all")
        _submit(page, page.locator("form.queue-filters button[type=submit]"))
        assert _queue_ids(page) == [ids["spam-2"], ids["held"]]
        assert page.locator("#id_kind").input_value() == ProposalKind.MISSING

        # Back to the new ones; open the main proposal from the list and hold it with a comment.
        page.locator("#id_kind").select_option("")
        page.locator("#id_state").select_option(ProposalState.NEW)
        page.locator("#id_q").fill("søvnvansker")
        _submit(page, page.locator("form.queue-filters button[type=submit]"))
        assert _queue_ids(page) == [ids["main"]]
        with page.expect_navigation():
            page.locator(f"tr[data-proposal='{ids['main']}'] a", has_text=f"#{ids['main']}").click()
        page.locator("#id_defer-reader_note").fill(DEFER_NOTE)
        page.locator("#id_defer-comment").fill(DEFER_COMMENT)
        _submit(page, page.locator("form#action-defer button[type=submit]"))
        assert page.url == _detail(site, "main")
        assert len(_messages(page)) == 1
        assert DEFER_COMMENT in page.locator("ol.timeline").inner_text()
        assert page.locator("form#action-defer").count() == 0
        context.close()

    proposal = ChangeProposal.objects.get(pk=ids["main"])
    assert proposal.state == ProposalState.DEFERRED
    assert proposal.decision_comment == DEFER_NOTE  # what the reader is told; the comment is internal
    entry = AuditEntry.objects.get(proposal=proposal)
    assert (entry.action, entry.actor.username, entry.comment) == ("defer", "local-a", DEFER_COMMENT)
