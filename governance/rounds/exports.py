"""The yearly round in files: its decisions as CSV and XLSX for the responsible editor, and its
deadlines as an iCalendar feed for everyone taking part.

Decisions: one row per proposal in the round, with codes rather than labels (as the triage queue's
CSV export), so the columns mean the same whatever the language of the page. The CSV is UTF-8 with
a byte order mark and `;` between the fields: Excel set up for Norwegian uses the comma as its
decimal sign and `;` as its list separator, so it opens such a file in columns on a double click and
reads the Norwegian letters right (a `sep=;` line would make it ignore the byte order mark). Every
text cell that a spreadsheet would take for a formula gets a leading apostrophe, in both files. The
text of a proposal flagged as possibly holding personal data and not redacted is left out.

Deadlines: one all-day event per phase deadline and one for the resource group's meeting. A
deadline is the last day of its phase in Europe/Oslo, so the event is that date (all-day dates have
no time zone; the calendar says Europe/Oslo in X-WR-TIMEZONE). Each event's UID is made from the
round's year, the deadline's name and the site's host, never from the date, so a calendar app that
subscribed updates the event when a deadline moves instead of adding a second one.
"""

import csv
import datetime
import io
from collections.abc import Iterator
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from governance.models import Constituency, ReviewRound, RoundItem, VoteChoice
from governance.proposals.selectors import text_is_hidden
from governance.rounds.meeting import vote_comments
from governance.rounds.tally import round_tallies
from governance.spreadsheets import csv_cell

# --- Decisions ---------------------------------------------------------------------------------

TALLY_COLUMNS = ("for", "against", "abstain", "recused")
DECISION_COLUMNS = (
    "id",
    "pathway",
    "section",
    "kind",
    "partnership",
    "state",
    "description",
    "suggested_text",
    "forwarded",
    "partnership_comment",
    *(f"{constituency}_{column}" for constituency in Constituency.values for column in TALLY_COLUMNS),
    "outcome",
    "meeting_recommendation",
    "meeting_note",
    "vote_comments",
    "decision",
    "rationale",
    "decided",
    "sections_changed",
    "change_nb",
    "change_nn",
)
CSV_DELIMITER = ";"


def hidden_text_label() -> str:
    """What stands in a cell instead of text that may hold personal data (in the active language)."""
    return _("[may contain personal data]")


def decision_rows(review_round: ReviewRound, *, hidden_text: str) -> Iterator[list]:
    """The rows under DECISION_COLUMNS, in proposal order: four queries for the whole round (the
    items with their proposals, the sections changed, the tally's two and the comments given with
    the votes). The votes' comments are one cell: a line per seat, "seat (vote code): comment"."""
    items = list(
        RoundItem.objects.filter(review_round=review_round)
        .select_related("proposal__pathway", "proposal__partnership")
        .prefetch_related("changed_sections")
        .order_by("proposal_id")
    )
    tallies = round_tallies(review_round, proposal_ids=[item.proposal_id for item in items])
    advice = vote_comments(review_round, [item.proposal_id for item in items])
    for item in items:
        proposal = item.proposal
        tally = tallies[proposal.pk]
        hidden = text_is_hidden(proposal)
        counts = []
        for constituency in Constituency.values:
            counts += [
                tally.count(VoteChoice.RECOMMEND, constituency)
                + tally.count(VoteChoice.RECOMMEND_WITH_CHANGES, constituency),
                tally.count(VoteChoice.NOT_RECOMMEND, constituency),
                tally.count(VoteChoice.ABSTAIN, constituency),
                tally.count(VoteChoice.RECUSED, constituency),
            ]
        yield [
            proposal.pk,
            proposal.pathway.slug if proposal.pathway else "",
            proposal.section_slug,
            proposal.kind,
            proposal.partnership.slug if proposal.partnership else "",
            proposal.state,
            hidden_text if hidden and proposal.description else proposal.description,
            hidden_text if hidden and proposal.suggested_text else proposal.suggested_text,
            _local_date(item.forwarded_at),
            item.partnership_comment,
            *counts,
            # The outcome counts only for proposals the partnership sent on to the resource group.
            tally.outcome(review_round) if item.forwarded_at else "",
            item.meeting_recommendation,
            item.meeting_note,
            "\n".join(f"{comment.seat} ({comment.choice}): {comment.text}" for comment in advice.get(proposal.pk, [])),
            item.decision,
            item.rationale,
            _local_date(item.decided_at),
            " ".join(section.slug for section in item.changed_sections.all()),
            item.change_summary_nb,
            item.change_summary_nn,
        ]


def _local_date(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def decisions_csv(review_round: ReviewRound) -> bytes:
    """The round's decisions as CSV: UTF-8 with a byte order mark, `;`-separated, formulas
    neutralised by `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    writer.writerow(DECISION_COLUMNS)
    for row in decision_rows(review_round, hidden_text=hidden_text_label()):
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_cell(value):
    """Numbers stay numbers; text is neutralised as in the CSV (openpyxl itself would store a string
    starting with "=" as a formula) and loses the control characters a workbook may not hold."""
    if isinstance(value, int | float):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", csv_cell(value))


def decisions_xlsx(review_round: ReviewRound) -> bytes:
    """The round's decisions as an Excel workbook: one sheet, the same columns and cells as the CSV
    (counts as numbers), a bold header row that stays in view, and a filter on every column."""
    workbook = Workbook()
    sheet = workbook.active
    # A new workbook has one sheet, and it is a worksheet.
    assert isinstance(sheet, Worksheet)
    sheet.title = _("Decisions %(year)s") % {"year": review_round.year}
    sheet.append(list(DECISION_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in decision_rows(review_round, hidden_text=hidden_text_label()):
        sheet.append([xlsx_cell(value) for value in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Deadlines as iCalendar --------------------------------------------------------------------

CALENDAR_SALT = "governance.round_calendar"
TOKEN_MAX_LENGTH = 200


def calendar_token(user) -> str:
    """The secret in a user's own feed URL: their id, signed with the SECRET_KEY. A calendar app
    cannot log in, so whoever has the URL reads the deadlines (nothing else) as that user. It is not
    revocable by itself: it stops working when the user is deactivated or loses their round role
    (checked on every fetch), or for everyone when the SECRET_KEY changes."""
    return signing.Signer(salt=CALENDAR_SALT).sign_object({"u": user.pk})


def calendar_token_user_id(token: str) -> int | None:
    """The user id in a token made by `calendar_token`; None for anything else."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        payload = signing.Signer(salt=CALENDAR_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    return user_id if isinstance(user_id, int) else None


def _deadlines(review_round: ReviewRound) -> list[tuple[str, datetime.date, str]]:
    """(key, date, summary) of each event, in the active language. The key goes into the UID."""
    year = {"year": review_round.year}
    events = [
        ("collecting_until", review_round.collecting_until, _("Last day for proposals (round %(year)s)") % year),
        (
            "partnership_review_until",
            review_round.partnership_review_until,
            _("Last day for the partnerships to forward proposals (round %(year)s)") % year,
        ),
        (
            "voting_until",
            review_round.voting_until,
            _("Last day for the resource group's votes (round %(year)s)") % year,
        ),
        (
            "editorial_until",
            review_round.editorial_until,
            _("Last day for the editor's decisions and the release (round %(year)s)") % year,
        ),
    ]
    if review_round.meeting_on:
        events.append(("meeting_on", review_round.meeting_on, _("Resource group meeting (round %(year)s)") % year))
    return events


def calendar_uid(review_round: ReviewRound, key: str) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"review-round-{review_round.year}-{key.replace('_', '-')}@{host}"


def round_calendar(review_round: ReviewRound, *, language: str) -> bytes:
    """The round's deadlines as an iCalendar file, its texts in `language`."""
    with translation.override(language):
        page = settings.SITE_URL + reverse("governance:round_dashboard", kwargs={"year": review_round.year})
        calendar = Calendar()
        calendar.add("prodid", "-//Samhandlingsforløp//Review rounds//" + language.upper())
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Review round %(year)s: deadlines") % {"year": review_round.year})
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
        for key, day, summary in _deadlines(review_round):
            event = Event()
            event.add("uid", calendar_uid(review_round, key))
            event.add("dtstamp", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + datetime.timedelta(days=1))
            event.add("summary", summary)
            event.add("description", _("The overview of the round: %(url)s") % {"url": page})
            event.add("url", page)
            # A deadline does not make anyone busy.
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return calendar.to_ical()
