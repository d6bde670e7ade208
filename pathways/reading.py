"""Reading aids of the public pathway pages: the table of contents, and the signed token of the
"Was this page useful?" form.

The pages are rendered once and served from per-process memory (`views._rendered_pages`), so what
differs per reader cannot be in the snapshot. The useful-form's token is: the snapshot carries
`USEFUL_TOKEN_PLACEHOLDER`, and every response has it replaced by a token of its own
(`fill_useful_token`), a cheap `bytes.replace`. The token is signed (django.core.signing) and names
the page the reader saw and a nonce for this page view; the feedback app checks it when the answer
comes (`read_useful_token`) and stores one answer per nonce. No cookie is set.
"""

import functools
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

# The rendered sections cannot contain this: markdown-it escapes raw HTML and nh3 drops <input>.
USEFUL_TOKEN_PLACEHOLDER = b'<input type="hidden" name="token" value="" data-per-view>'
_USEFUL_TOKEN_INPUT = '<input type="hidden" name="token" value="{}">'
_USEFUL_SALT = "pathways.useful-answer"
# A reader may leave a tab open over a weekend; an older token is refused ("reload the page").
USEFUL_TOKEN_MAX_AGE = 7 * 24 * 3600

# Service groups with at least this many parts can be folded (<details open>) on the page.
FOLD_AT_PARTS = 3


@dataclass(frozen=True)
class UsefulPage:
    """What a useful-answer token names: the page the reader saw."""

    pathway: str
    version: str
    language: str
    partnership: str = ""
    local_version: str = ""
    nonce: str = ""


@functools.cache
def _signer(secret_key: str) -> signing.TimestampSigner:
    # One per secret key (settings never change in a running process; tests may override them).
    return signing.TimestampSigner(key=secret_key, salt=_USEFUL_SALT)


def useful_token(page: UsefulPage) -> str:
    """A new signed token for one view of `page` (a fresh nonce each call). Every page view makes
    one, so it is a plain signed string rather than `signing.dumps`' JSON: half the work. None of
    the fields can hold "|" or ":" (slugs, version numbers, a URL-safe nonce)."""
    fields = (page.pathway, page.version, page.language, page.partnership, page.local_version)
    return _signer(settings.SECRET_KEY).sign("|".join((*fields, secrets.token_urlsafe(12))))


def read_useful_token(token: str) -> UsefulPage:
    """The page a token names. Raises signing.SignatureExpired for an old token and
    signing.BadSignature for anything forged, truncated or not a token."""
    if not token or len(token) > 500:
        raise signing.BadSignature("no token")
    value = _signer(settings.SECRET_KEY).unsign(token, max_age=USEFUL_TOKEN_MAX_AGE)
    fields = value.split("|")
    if len(fields) != 6 or not all(fields[:3]) or not fields[5]:
        raise signing.BadSignature("not a useful-answer token")
    pathway, version, language, partnership, local_version, nonce = fields
    return UsefulPage(pathway, version, language, partnership, local_version, nonce)


def fill_useful_token(body: bytes, page: UsefulPage) -> bytes:
    """The snapshot with this response's own token in the useful-form."""
    # The form is at the foot of the page: looking from the end scans only the footer, not the
    # tens of kB of sections before it. Then the two halves are joined around the token.
    at = body.rfind(USEFUL_TOKEN_PLACEHOLDER)
    if at < 0:
        return body
    token_input = _USEFUL_TOKEN_INPUT.format(useful_token(page)).encode()
    return b"".join((body[:at], token_input, body[at + len(USEFUL_TOKEN_PLACEHOLDER) :]))


def page_toc(groups: list[dict], who_does_what: str) -> list[dict]:
    """The table of contents of a page, grouped as the page is (`views._page_groups`): a line per
    section outside the services, and one "Who does what?" entry holding each service with its
    parts. A local section between two service groups stays in its place among them. The lead is
    left out: it stands right above the table."""
    entries: list[dict] = []
    pending_locals: list[dict] = []  # sections after a service group, not yet known to be among them
    services: dict | None = None
    for group in groups:
        if group["service"]:
            if services is None:
                services = {"kind": "services", "title": who_does_what, "items": []}
                entries.append(services)
            services["items"].extend(pending_locals)
            pending_locals = []
            parts = [{"anchor": s.slug, "title": label or s.title} for s, label, _link in group["items"]]
            services["items"].append({"anchor": group["anchor"], "title": group["label"], "parts": parts})
            continue
        section = group["items"][0][0]
        if section.kind == "lead":
            continue
        entry = {"kind": "section", "anchor": section.slug, "title": section.title, "parts": []}
        if services is not None and entries[-1] is services:
            pending_locals.append(entry)
        else:
            entries.append(entry)
    # Sections after the last service group are not among the services.
    entries.extend(pending_locals)
    return entries
