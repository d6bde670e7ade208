"""The whole model in headless Chromium with the demo's people (seed 004, "Inngå i
forvaltningsmodell"): a reader sends feedback on a section; `lokal-fonna` holds it for the yearly
round; `redaktor` opens the round and moves it on; `lokal-fonna` forwards it; the Fonna seats and
enough generated seats vote (Fonna's trust seat "with changes", with a comment that the meeting
pack and the decision page show); on a reminder day every seat's vote reminder lands in the mail
folder, at the demo address; `redaktor` edits both written standards, accepts the proposal and
releases the revision; the reader's status page and the public changelog show it. Every page on
the way is checked with axe-core, and a screenshot of each step is saved in
`$VAR_DIR/screenshots/yearly-round/` (the test prints where).

Requirements and rules as in tests/browser/conftest.py: Playwright's event loop runs in this
thread, so the database is read only before and after the browser (or, for the reminders, in a
thread of its own).
"""

import os
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from governance.demo import load_demo
from governance.models import (
    ChangeProposal,
    Notification,
    NotificationStatus,
    ProposalState,
    ReviewRound,
    RoundState,
    Seat,
)
from governance.outbox import reminders
from governance.outbox.notifications import notification_send
from pathways.demo import DEMO_PASSWORD
from pathways.models import Pathway, Version
from tests.browser.conftest import assert_no_serious_axe_violations, chromium

pytestmark = pytest.mark.browser

YEAR = 2027
PATHWAY = "angst"
DESCRIPTION = "Avsnittet nevner ikke at fastlegen bør spørre om søvn."
NEW_SENTENCE_NB = "Fastlegen spør også om søvn og døgnrytme."
NEW_SENTENCE_NN = "Fastlegen spør òg om søvn og døgnrytme."
CHANGE_NB = "Fastlegen spør nå om søvn i kartleggingen."
CHANGE_NN = "Fastlegen spør no om søvn i kartlegginga."
VOTE_COMMENT = "Anbefales, men nevn søvn også under evaluering av tiltak."
# Two thirds of the 38 demo seats: the Fonna seats and 24 generated ones.
VOTERS = 26


@pytest.fixture
def demo_site(browser_tools, live_server, transactional_db, settings, monkeypatch):
    settings.FEEDBACK_MIN_SECONDS = 0
    settings.SITE_URL = live_server.url
    # Everyone logs in from 127.0.0.1 here, as a meeting room behind one address would: only failed
    # log-ins are throttled, so the default limit stays.
    # No broker here: notices stay queued in the outbox, which is all this test needs.
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", lambda pk: False)
    # The demo's mail folder: e-mail as files, as the embedded default writes them to var/mail/.
    mail_dir = Path(os.environ.get("VAR_DIR", "var")) / "mail" / "yearly-round"
    mail_dir.mkdir(parents=True, exist_ok=True)
    for old in mail_dir.glob("*"):
        old.unlink()
    load_demo()
    section = Pathway.objects.get(slug=PATHWAY).sections.filter(kind="service").order_by("position").first()
    holders = list(
        Seat.objects.filter(review_round__year=YEAR)
        .order_by("partnership__name", "constituency")
        .values_list("holder__username", flat=True)
    )
    fonna = ["ressurs-fonna-hf", "ressurs-fonna-kommune"]
    assert set(fonna) <= set(holders) and len(holders) == 38
    voters = fonna + [username for username in holders if username not in fonna][: VOTERS - 2]
    return live_server.url, section, voters, mail_dir


def mail_folder(mail_dir: Path) -> list:
    """The messages in the mail folder. The file backend appends to a file per connection, named by
    the second and the backend object's id, so a file may hold several, each followed by a line of
    79 dashes."""
    messages = []
    for path in sorted(mail_dir.glob("*")):
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                messages.append(message_from_bytes(raw, policy=policy.default))
    return messages


def in_another_thread(function):
    """Run `function` (which uses the ORM) in a thread of its own: the browser's event loop runs in
    this one, and Django refuses ORM calls there while it does."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - raised again in the test's thread
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def send_vote_reminders(mail_dir: Path) -> int:
    """What beat and the worker do on a reminder day of the voting phase: the sweep queues a
    reminder per seat that has votes left, and each is sent. Today is made a reminder day."""
    review_round = ReviewRound.objects.get(year=YEAR)
    now = timezone.now()
    days_left = (review_round.voting_until - timezone.localtime(now).date()).days
    with override_settings(VOTE_REMINDER_DAYS=[days_left], REMINDER_HOUR=0):
        reminders.reminders_sweep(now=now)
    pending = list(
        Notification.objects.filter(kind="vote_reminder", status=NotificationStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(mail_dir)},
        }
    }
    with override_settings(MAILERS=mailers):
        sent = sum(1 for pk in pending if notification_send(pk))
    return sent


class Walk:
    """One browser context per person; a screenshot and an axe check per step."""

    def __init__(self, browser, site: str, shots: Path):
        self.browser, self.site, self.shots, self.step = browser, site, shots, 0

    def person(self, username: str | None = None):
        context = self.browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        page = context.new_page()
        if username:
            page.goto(f"{self.site}/nb/logg-inn/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.locator("form[method=post] button[type=submit]").click()
            assert "/logg-inn/" not in page.url, f"{username} could not log in"
        return page

    def shot(self, page, name: str, *, axe: bool = True) -> None:
        self.step += 1
        page.screenshot(path=str(self.shots / f"{self.step:02d}-{name}.png"), full_page=True)
        if axe:
            assert_no_serious_axe_violations(page, name)

    def submit(self, page, form) -> int:
        with page.expect_navigation() as navigation:
            form.locator("button[type=submit]").first.click()
        return navigation.value.status

    def advance(self, page, expected_phase: str) -> None:
        """The editor confirms the next phase on the round's confirmation page."""
        page.goto(f"{self.site}/nb/redaksjon/runder/{YEAR}/neste-fase/")
        assert self.submit(page, page.locator("main form[method=post]").last) == 200
        assert f"/runder/{YEAR}/" in page.url
        assert page.locator(f'[data-phase="{expected_phase}"][aria-current="step"]').count() == 1, page.url


def test_the_yearly_model_from_feedback_to_changelog(demo_site):
    site, changed, voters, mail_dir = demo_site
    section = changed.slug
    shots = Path(os.environ.get("VAR_DIR", "var")) / "screenshots" / "yearly-round"
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {shots}")
    with chromium() as browser:
        walk = Walk(browser, site, shots)

        # 1. A reader sends feedback on a section, for Helse Fonna's partnership.
        reader = walk.person()
        reader.goto(f"{site}/nb/forlop/{PATHWAY}/")
        with reader.expect_navigation():
            reader.locator(f"section#{section} .feedback-link a").click()
        reader.check("input[name=kind][value=missing]")
        reader.fill("#id_description", DESCRIPTION)
        fonna = reader.locator("#id_partnership option", has_text="Fonna").first.get_attribute("value")
        reader.select_option("#id_partnership", value=fonna)
        walk.shot(reader, "reader-form")
        assert walk.submit(reader, reader.locator("main form[method=post]")) == 200
        status_url = reader.locator("[role=status] a").first.get_attribute("href")
        reader.goto(status_url)
        walk.shot(reader, "reader-status-new")

        # 2. Fonna's local editor holds it for the yearly round.
        local = walk.person("lokal-fonna")
        local.goto(f"{site}/nb/redaksjon/forslag/")
        with local.expect_navigation():
            local.locator(f"tr:has-text('{DESCRIPTION[:30]}') a[href*='/redaksjon/forslag/']").first.click()
        walk.shot(local, "local-editor-proposal")
        assert walk.submit(local, local.locator("#action-defer")) == 200

        # 3. The responsible editor opens the planned round and ends the collecting early.
        editor = walk.person("redaktor")
        editor.goto(f"{site}/nb/redaksjon/runder/{YEAR}/")
        walk.shot(editor, "round-planned")
        walk.advance(editor, "collecting")
        walk.advance(editor, "partnership_review")
        walk.shot(editor, "round-partnership-review")

        # 4. Fonna forwards it, with the partnership's comment, and finishes its review.
        local.goto(f"{site}/nb/redaksjon/runder/{YEAR}/helsefellesskap/fonna/")
        walk.shot(local, "partnership-review")
        local.locator("details.round-item-actions summary").first.click()
        forward = local.locator("form:has(button[value=forward])").first
        forward.locator("textarea").first.fill("FSU barn og unge i Fonna støtter forslaget.")
        assert walk.submit(local, forward) == 200
        finish = local.locator(f"form[action$='/runder/{YEAR}/helsefellesskap/fonna/ferdig/']")
        finish.locator("input[type=checkbox]").check()
        assert walk.submit(local, finish) == 200
        walk.shot(local, "partnership-forwarded")

        # 5. The resource group votes: the Fonna seats, then generated seats up to two thirds.
        walk.advance(editor, "resource_group_review")
        # A reminder day: every seat is reminded to vote, by e-mail to its demo address.
        assert in_another_thread(lambda: send_vote_reminders(mail_dir)) == 38
        mails = mail_folder(mail_dir)
        assert len(mails) == 38
        to_fonna = [message for message in mails if message["To"] == "ressurs-fonna-hf@forlop.example"]
        assert len(to_fonna) == 1, sorted(str(message["To"]) for message in mails)
        (reminder,) = to_fonna
        body = reminder.get_body(preferencelist=("plain",)).get_content()
        assert f"{site}/nn/redaksjon/runder/{YEAR}/stemmer/" in body  # this seat reads nynorsk
        assert str(YEAR) in reminder["Subject"]
        for number, username in enumerate(voters):
            seat = walk.person(username)
            seat.goto(f"{site}/nb/redaksjon/runder/{YEAR}/stemmer/")
            vote = seat.locator("form.vote-form").first
            if number == 0:
                # Fonna's hospital-trust seat recommends with changes, and says which.
                vote.locator("input[value=recommend_with_changes]").check()
                vote.locator("textarea").first.fill(VOTE_COMMENT)
            else:
                vote.locator("input[value=recommend]").check()
            if number < 2:
                walk.shot(seat, f"voting-{username}")
            assert walk.submit(seat, vote) == 200
            seat.context.close()
        editor.goto(f"{site}/nb/redaksjon/runder/{YEAR}/motebok/")
        walk.shot(editor, "meeting-pack")
        # The seat's advice reaches the editor in the meeting pack, with the seat that gave it.
        pack = editor.locator(".vote-comments").first.inner_text()
        assert VOTE_COMMENT in pack and "Fonna" in pack
        editor.goto(f"{site}/nb/redaksjon/runder/{YEAR}/oversikt/")
        walk.shot(editor, "dashboard")
        walk.advance(editor, "editorial")

        # 6. The editor applies the change in both written standards and accepts the proposal.
        editor.goto(f"{site}/nb/redaksjon/forlop/{PATHWAY}/seksjon/{section}/")
        body_nb, body_nn = editor.locator("#id_body_nb"), editor.locator("#id_body_nn")
        body_nb.fill(body_nb.input_value() + "\n\n" + NEW_SENTENCE_NB)
        body_nn.fill(body_nn.input_value() + "\n\n" + NEW_SENTENCE_NN)
        walk.shot(editor, "editor-section-edit")
        assert walk.submit(editor, editor.locator("main form[method=post]").last) == 200
        editor.goto(f"{site}/nb/redaksjon/runder/{YEAR}/beslutninger/")
        walk.shot(editor, "decisions")
        with editor.expect_navigation():
            editor.locator(f"td a[href*='/runder/{YEAR}/beslutninger/']").first.click()
        assert VOTE_COMMENT in editor.locator("main").inner_text()  # and on the decision page
        decide = editor.locator("main form[method=post]").last
        decide.locator("input[name=decision][value=accept]").check()
        decide.locator("textarea[name=rationale]").fill("Ressursgruppen anbefaler det, og det er faglig riktig.")
        decide.locator(f"input[name=changed_sections][value='{changed.pk}']").check()
        decide.locator("textarea[name=change_summary_nb]").fill(CHANGE_NB)
        decide.locator("textarea[name=change_summary_nn]").fill(CHANGE_NN)
        walk.shot(editor, "decision-form")
        assert walk.submit(editor, decide) == 200

        # 7. The release: one action publishes the revision in both written standards.
        editor.goto(f"{site}/nb/redaksjon/runder/{YEAR}/frigi/")
        walk.shot(editor, "release-confirm")
        release = editor.locator("main form[method=post]").last
        release.locator("input[type=checkbox]").first.check()
        assert walk.submit(editor, release) == 200
        walk.shot(editor, "released")

        # 8. The reader's status page and the public changelog, in both written standards.
        reader.goto(status_url)
        walk.shot(reader, "reader-status-published")
        assert "publisert" in reader.locator("main").inner_text()
        with reader.expect_navigation():
            reader.locator(f"a[href$='/versjon/{YEAR}/endringer/']").first.click()
        walk.shot(reader, "changelog-nb")
        assert CHANGE_NB in reader.locator("main").inner_text()
        assert changed.title_nb in reader.locator("main").inner_text()
        assert DESCRIPTION not in reader.locator("main").inner_text()
        reader.goto(f"{site}/nn/forlop/{PATHWAY}/versjon/{YEAR}/endringer/")
        walk.shot(reader, "changelog-nn")
        assert CHANGE_NN in reader.locator("main").inner_text()
        reader.goto(f"{site}/nn/forlop/{PATHWAY}/")
        assert NEW_SENTENCE_NN in reader.locator("main").inner_text()

    proposal = ChangeProposal.objects.get(description=DESCRIPTION)
    assert proposal.state == ProposalState.PUBLISHED
    assert proposal.published_in.number == str(YEAR)
    assert ReviewRound.objects.get(year=YEAR).state == RoundState.RELEASED
    version = Version.objects.get(pathway__slug=PATHWAY, year=YEAR, correction=0)
    assert NEW_SENTENCE_NB in version.sections.get(slug=section).html_nb
    assert NEW_SENTENCE_NN in version.sections.get(slug=section).html_nn
    assert len(list(shots.glob("*.png"))) >= 19
