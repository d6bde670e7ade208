"""Search across the published pathways: the one place that knows which database does it, and how.

What is searched: every published section of the common pathways, in the written standard of the
page (nb text for /nb/, nn text for /nn/). All versions are indexed (`SearchEntry`, one row per
section and language, written when the version is published: `index_version`, called from the
`version_published` signal); readers search the current version of each pathway. A partnership's
local adaptation is not in the index: its text is not a published version.

Two implementations of one small interface (`Backend`: `count` and `hits`), chosen by the
connection's vendor:

- **PostgreSQL**: the generated `tsvector` column `document` of `pathways_searchentry` (the
  `norwegian` configuration: Snowball's Norwegian stemmer and stop words; the title weighted A, the
  text B), its GIN index, `websearch_to_tsquery` (which never refuses what a person types),
  `ts_rank`, and `ts_headline` for the snippets.
- **SQLite** (the embedded default): the FTS5 table `pathways_searchentry_fts` (external content,
  kept in step by triggers), `bm25` with the title weighted 10 to the text's 1, and `snippet()` /
  `highlight()`. FTS5 has no Norwegian stemmer, so each word of the query is stemmed here with the
  same Snowball algorithm and searched as a prefix (`"henvisning"*` finds "henvisninger").

Nynorsk: `norwegian` is written for bokmål, but its suffixes cover most nynorsk inflection
("tilvisingar", "tilvisinga" → "tilvising"; "barnehagar", "barnehagane" → "barnehag"). See the
README's "Search" section for what it misses.

Snippets are built with two private-use characters as the highlight markers; the text is
HTML-escaped first and only then are the markers turned into `<mark>`, so nothing in a section's
text can become markup. The markers are removed from the text when it is indexed.
"""

import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Protocol, overload

import snowballstemmer
from django.db import connection, transaction
from django.utils.safestring import SafeString, mark_safe

from .models import LANGUAGE_CODES, SearchEntry, Version

QUERY_MAX_LENGTH = 200
MAX_TERMS = 32
START, STOP = "\ue000", "\ue001"
FTS_TABLE = "pathways_searchentry_fts"
SNIPPET_WORDS = 30


# --- Indexing ----------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th", "div", "blockquote"}
# Control characters (NUL among them) and our markers never reach the index: PostgreSQL refuses NUL,
# and a marker in the text would turn into <mark> in a snippet.
_UNWANTED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{START}{STOP}]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(rendered_html: str) -> str:
    """The words of a section's rendered (sanitised) HTML, as the reader sees them: no tags, entities
    read, blocks apart, whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(rendered_html)
    extractor.close()
    return clean_text("".join(extractor.parts))


def clean_text(text: str) -> str:
    return " ".join(_UNWANTED.sub(" ", text).split())


def entries_for(version: Any, sections: Iterable[Any], entry_model: Any = SearchEntry) -> list[Any]:
    """The index rows of a version's sections, one per section and written standard. Takes the
    historical models too (the migration that fills the index for versions published before it)."""
    return [
        entry_model(
            section_id=section.pk,
            version_id=version.pk,
            language=language,
            pathway_title=clean_text(getattr(version, f"title_{language}")),
            slug=section.slug,
            title=clean_text(getattr(section, f"title_{language}")),
            text=plain_text(getattr(section, f"html_{language}")),
        )
        for section in sections
        for language in LANGUAGE_CODES
    ]


def index_version(version: Version) -> int:
    """Write the index rows of a newly published version (in the publishing transaction, so a version
    rolled back leaves no rows). Returns how many."""
    rows = SearchEntry.objects.bulk_create(entries_for(version, version.sections.all()), ignore_conflicts=True)
    return len(rows)


def on_version_published(sender: Any, version: Any, **kwargs: Any) -> None:
    # A partnership's local version arrives by the same signal; it is not a common Version and is
    # not indexed (see the module docstring).
    if isinstance(version, Version):
        index_version(version)


def rebuild_index() -> int:
    """Empty the index and write it anew from every published version (`manage.py
    rebuild_search_index`), e.g. after sections were loaded into the database without publishing.
    Returns the number of rows written."""
    from .models import VersionSection

    with transaction.atomic():
        sqlite = connection.vendor == "sqlite"
        if sqlite:
            # The FTS table and its triggers go first and are made anew at the end: with a trigger
            # lost (a table rebuilt by a later migration) the FTS table no longer matches its content,
            # and deleting through it would corrupt it.
            _execute(SQLITE_DROP)
        SearchEntry.objects.all().delete()
        versions = {v.pk: v for v in Version.objects.all()}
        rows: list[SearchEntry] = []
        for section in VersionSection.objects.order_by("version_id", "position", "pk").iterator(chunk_size=500):
            rows.extend(entries_for(versions[section.version_id], [section]))
        SearchEntry.objects.bulk_create(rows, batch_size=500)
        if sqlite:
            _execute(SQLITE_CREATE)
    return len(rows)


def _execute(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# The FTS5 table as migration 0005_search_index makes it, for rebuild_index. remove_diacritics 0:
# "å", "ø" and "æ" are letters of their own in Norwegian, not accented a and o.
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS pathways_searchentry_ai",
    "DROP TRIGGER IF EXISTS pathways_searchentry_ad",
    "DROP TRIGGER IF EXISTS pathways_searchentry_au",
    "DROP TABLE IF EXISTS pathways_searchentry_fts",
]
SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE pathways_searchentry_fts USING fts5(
        title, text, content='pathways_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER pathways_searchentry_ai AFTER INSERT ON pathways_searchentry BEGIN
        INSERT INTO pathways_searchentry_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER pathways_searchentry_ad AFTER DELETE ON pathways_searchentry BEGIN
        INSERT INTO pathways_searchentry_fts(pathways_searchentry_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER pathways_searchentry_au AFTER UPDATE ON pathways_searchentry BEGIN
        INSERT INTO pathways_searchentry_fts(pathways_searchentry_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO pathways_searchentry_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    "INSERT INTO pathways_searchentry_fts(pathways_searchentry_fts) VALUES ('rebuild')",
]


# --- Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    pathway_slug: str
    pathway_title: str
    section_slug: str
    title: SafeString  # the section's title, escaped, with the query's words in <mark>
    snippet: SafeString  # a few lines of its text around the words found, escaped, <mark> likewise
    language: str

    @property
    def url(self) -> str:
        return f"/{self.language}/forlop/{self.pathway_slug}/#{self.section_slug}"


def marked(text: str) -> SafeString:
    """Escape everything, then turn our markers (only ours: the indexed text has none) into <mark>."""
    escaped = html.escape(text or "", quote=True)
    return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 - escaped above


class Backend(Protocol):
    def count(self, query: str, language: str) -> int: ...

    def hits(self, query: str, language: str, *, offset: int, limit: int) -> list[Hit]: ...


def _hit(row: tuple, language: str) -> Hit:
    pathway_slug, pathway_title, section_slug, title, snippet = row
    return Hit(
        pathway_slug=pathway_slug,
        pathway_title=pathway_title,
        section_slug=section_slug,
        title=marked(title),
        snippet=marked(snippet),
        language=language,
    )


class PostgresBackend:
    # ts_headline's options: the markers, fragments of about SNIPPET_WORDS words.
    HEADLINE = (
        f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12, ShortWord=2, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    TITLE_HEADLINE = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
    # Only the current version of each published pathway is searched.
    MATCHES = """
        FROM pathways_searchentry e
        JOIN pathways_pathway p ON p.current_version_id = e.version_id
        CROSS JOIN websearch_to_tsquery('norwegian', %(q)s) q
        WHERE e.language = %(language)s AND e.document @@ q
    """

    def count(self, query: str, language: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {self.MATCHES}", {"q": query, "language": language})  # noqa: S608 - constants; values as parameters
            return cursor.fetchone()[0]

    def hits(self, query: str, language: str, *, offset: int, limit: int) -> list[Hit]:
        # The headlines are made in the outer query, for the rows of the page only: ts_headline reads
        # the whole text, ts_rank only the stored vector.
        sql = f"""
            SELECT page.slug, page.pathway_title, page.section_slug,
                   ts_headline('norwegian', page.title, page.q, %(title_options)s),
                   ts_headline('norwegian', page.text, page.q, %(options)s)
            FROM (
                SELECT p.slug, e.pathway_title, e.slug AS section_slug, e.title, e.text, q,
                       ts_rank(e.document, q) AS rank, e.id
                {self.MATCHES}
                ORDER BY rank DESC, e.id
                LIMIT %(limit)s OFFSET %(offset)s
            ) page
            ORDER BY page.rank DESC, page.id
        """  # noqa: S608 - constants only; the values are parameters
        parameters: dict[str, str | int] = {
            "q": query,
            "language": language,
            "limit": limit,
            "offset": offset,
            "options": self.HEADLINE,
            "title_options": self.TITLE_HEADLINE,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return [_hit(row, language) for row in cursor.fetchall()]


_stemmer = snowballstemmer.stemmer("norwegian")
# A quoted phrase, or a word (anything up to the next space or quote).
_QUERY_PART = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"\w+")


def fts5_match(query: str) -> str:
    """The FTS5 MATCH expression for what a person typed, in the spirit of websearch_to_tsquery:
    words are all required, `"a phrase"` must stand together, `or` between two words takes either,
    `-word` leaves out what has it. Every word is reduced to the Snowball stem and searched as a
    quoted prefix (`"henvisning"*`); words are `\\w+` runs only, so nothing of FTS5's syntax can get
    through. Empty when there is nothing to search for."""
    positive: list[str] = []
    negative: list[str] = []
    pending_or = False
    for phrase, bare in _QUERY_PART.findall(query.lower())[: MAX_TERMS * 2]:
        negate = bool(bare) and bare.startswith("-") and len(bare) > 1
        if bare == "or":
            pending_or = bool(positive)
            continue
        words = _WORD.findall(phrase if phrase else bare)[:MAX_TERMS]
        if not words:
            continue
        if len(words) == 1:
            stem = _stemmer.stemWord(words[0])
            term = f'"{stem}"*' if len(stem) >= 3 else f'"{words[0]}"'
        else:
            term = '"' + " ".join(words) + '"'
        if negate:
            negative.append(term)
        elif pending_or:
            positive[-1] = f"({positive[-1]} OR {term})"
            pending_or = False
        else:
            positive.append(term)
    if not positive:
        return ""
    return " AND ".join(positive) + "".join(f" NOT {term}" for term in negative)


class SqliteBackend:
    MATCHES = f"""
        FROM {FTS_TABLE} f
        JOIN pathways_searchentry e ON e.id = f.rowid
        JOIN pathways_pathway p ON p.current_version_id = e.version_id
        WHERE {FTS_TABLE} MATCH %s AND e.language = %s
    """

    def count(self, query: str, language: str) -> int:
        match = fts5_match(query)
        if not match:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {self.MATCHES}", [match, language])  # noqa: S608 - constants; values as parameters
            return cursor.fetchone()[0]

    def hits(self, query: str, language: str, *, offset: int, limit: int) -> list[Hit]:
        match = fts5_match(query)
        if not match:
            return []
        sql = f"""
            SELECT p.slug, e.pathway_title, e.slug,
                   highlight({FTS_TABLE}, 0, %s, %s),
                   snippet({FTS_TABLE}, 1, %s, %s, '…', {SNIPPET_WORDS})
            {self.MATCHES}
            ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), e.id
            LIMIT %s OFFSET %s
        """  # noqa: S608 - constants only; the values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [START, STOP, START, STOP, match, language, limit, offset])
            return [_hit(row, language) for row in cursor.fetchall()]


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()


class Results:
    """The hits of one query in one written standard, for `django.core.paginator.Paginator`: one
    query for the count, one for the page, however many hits there are."""

    def __init__(self, query: str, language: str) -> None:
        self.query = query
        self.language = language
        self._backend = backend()

    def count(self) -> int:
        return self._backend.count(self.query, self.language)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Hit]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        assert index.step is None, "Results are read a page at a time"
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        return self._backend.hits(self.query, self.language, offset=start, limit=stop - start)


def normalise_query(raw: str) -> str:
    """What the search reads of the `q` parameter: NUL and other control characters as spaces,
    Unicode normalised (NFC, as the indexed text), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", _UNWANTED.sub(" ", raw)).split())
