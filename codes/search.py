"""The one place that knows how code search works, on each database.

`search_codes(query)` returns published codes best match first, in tiers: exact code, then code prefix, then a
lay-term (clinic slang) match, then title, then summary, then the text of the code's misconceptions. Every word
must match somewhere. When nothing matches, small typos are forgiven ("iontoforesis", "ultrasond").

- PostgreSQL: full-text search on `Code.search_vector`, a stored tsvector weighted A (code, lay terms),
  B (title), C (summary), kept current by a trigger (migration 0002) and GIN-indexed. Tiers come from
  cheap checks on the matched rows only (lay terms by substring, the short title re-parsed). Misconception text uses a GIN expression index.
  Typos use pg_trgm word similarity (`%>`, GIN trigram index).
- SQLite: FTS5 tables with the Porter stemmer (created and kept current by `ensure_sqlite_index`, run after every
  migrate), tiers from column filters, typos matched against the FTS vocabulary with difflib. Where FTS5 is
  missing, a plain `icontains` path gives the same tiers.
"""

import difflib
import re

from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramWordSimilarity
from django.db import OperationalError, connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest

from .models import MISCONCEPTION_SEARCH_VECTOR, Code, Misconception

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
# "97 110", "97-110", "g0283" → a code or code prefix once spaces and hyphens are dropped.
CODE_LIKE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\s\-]{0,8}$")
CODE_PREFIX = re.compile(r"^([0-9]{1,4}[0-9A-Z]?|[A-V][0-9]{0,4})$")
WORD = re.compile(r"[^\W_]+(?:[/+\-'][^\W_]+)*", re.UNICODE)
TYPO_RATIO = 0.75  # difflib similarity for SQLite; PostgreSQL's threshold is set on the connection (settings.py)

# Rank tiers: higher is better.
EXACT, PREFIX, LAY_TERM, TITLE, SUMMARY, MISCONCEPTION, TYPO = 60, 50, 40, 30, 20, 10, 5


def normalize(query):
    """Trim, collapse white space, drop control characters and cap the length of a user's query."""
    text = "".join(ch for ch in str(query) if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def as_code(query):
    """The query as an upper-case code or code prefix ("97 110" → "97110"), or None if it is not one."""
    if not CODE_LIKE.match(query):
        return None
    compact = re.sub(r"[\s\-]", "", query).upper()
    return compact if CODE_PREFIX.match(compact) else None


def words_of(query):
    return [w.lower() for w in WORD.findall(query)][:MAX_WORDS]


def search_codes(query, queryset=None):
    """Published codes (or `queryset`) matching `query`, best first. A blank query returns no codes."""
    queryset = Code.objects.published() if queryset is None else queryset
    query = normalize(query)
    if not query:
        return queryset.none()

    code = as_code(query)
    if code:
        by_code = queryset.filter(code__startswith=code)
        if len(code) == 5 or by_code.exists():
            tier = Case(When(code=code, then=Value(EXACT)), default=Value(PREFIX), output_field=IntegerField())
            return by_code.annotate(rank=tier).order_by("-rank", "code")

    words = words_of(query)
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        found = _postgres_search(words, queryset)
        return found if found.exists() else _postgres_typos(words, queryset)
    if connection.vendor == "sqlite" and sqlite_index_ready():
        # Asking the FTS index alone whether anything matches costs a fraction of running the ranked query twice.
        return _sqlite_search(words, queryset) if _sqlite_any_match(words) else _sqlite_typos(words, queryset)
    found = _plain_search(words, queryset)
    return found if found.exists() else _plain_typos(words, queryset)


def _is_lay_term(phrase):
    """The phrase is one of the comma-separated lay terms, not just part of one."""
    return (
        Q(lay_terms__iexact=phrase)
        | Q(lay_terms__istartswith=f"{phrase},")
        | Q(lay_terms__iendswith=f", {phrase}")
        | Q(lay_terms__icontains=f", {phrase},")
    )


def _tiers(words, lay_terms, title, summary):
    return Case(
        When(_is_lay_term(" ".join(words)), then=Value(LAY_TERM)),
        When(lay_terms, then=Value(LAY_TERM - 1)),
        When(title, then=Value(TITLE)),
        When(summary, then=Value(SUMMARY)),
        default=Value(MISCONCEPTION),
        output_field=IntegerField(),
    )


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def _postgres_search(words, queryset):
    query = SearchQuery(" ".join(words), config="english", search_type="plain")
    misconception_codes = (
        Misconception.objects.published()
        .alias(document=MISCONCEPTION_SEARCH_VECTOR)
        .filter(document=query)
        .values("codes")
    )
    # One id list from the GIN index on codes and one from the index on misconceptions: an OR of the two
    # conditions would make PostgreSQL test every code's vector in turn.
    matching_ids = Code.objects.filter(search_vector=query).values("pk").union(misconception_codes)
    return (
        queryset.filter(pk__in=matching_ids)
        .alias(title_vector=SearchVector("title", config="english"))
        .annotate(rank=_tiers(words, _all_words(words, "lay_terms"), Q(title_vector=query), Q(search_vector=query)))
        .order_by("-rank", "code")  # code order within a tier, as on SQLite, so both give the same top results
    )


def _postgres_typos(words, queryset):
    phrase = " ".join(words)
    similarity = Greatest(TrigramWordSimilarity(phrase, "lay_terms"), TrigramWordSimilarity(phrase, "title"))
    return (
        queryset.filter(Q(lay_terms__trigram_word_similar=phrase) | Q(title__trigram_word_similar=phrase))
        .annotate(score=similarity, rank=Value(TYPO))
        .order_by("-score", "code")
    )


# --- SQLite FTS5 ----------------------------------------------------------------------------------------------

SQLITE_INDEX_SQL = """
CREATE VIRTUAL TABLE IF NOT EXISTS codes_code_fts USING fts5(
    code, lay_terms, title, summary, content='codes_code', content_rowid='id', tokenize='porter unicode61');
CREATE VIRTUAL TABLE IF NOT EXISTS codes_code_fts_vocab USING fts5vocab(codes_code_fts, 'row');
CREATE TRIGGER IF NOT EXISTS codes_code_fts_insert AFTER INSERT ON codes_code BEGIN
  INSERT INTO codes_code_fts(rowid, code, lay_terms, title, summary)
  VALUES (new.id, new.code, new.lay_terms, new.title, new.summary);
END;
CREATE TRIGGER IF NOT EXISTS codes_code_fts_delete AFTER DELETE ON codes_code BEGIN
  INSERT INTO codes_code_fts(codes_code_fts, rowid, code, lay_terms, title, summary)
  VALUES ('delete', old.id, old.code, old.lay_terms, old.title, old.summary);
END;
CREATE TRIGGER IF NOT EXISTS codes_code_fts_update AFTER UPDATE ON codes_code BEGIN
  INSERT INTO codes_code_fts(codes_code_fts, rowid, code, lay_terms, title, summary)
  VALUES ('delete', old.id, old.code, old.lay_terms, old.title, old.summary);
  INSERT INTO codes_code_fts(rowid, code, lay_terms, title, summary)
  VALUES (new.id, new.code, new.lay_terms, new.title, new.summary);
END;
CREATE VIRTUAL TABLE IF NOT EXISTS codes_misconception_fts USING fts5(
    myth, correction, content='codes_misconception', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER IF NOT EXISTS codes_misconception_fts_insert AFTER INSERT ON codes_misconception BEGIN
  INSERT INTO codes_misconception_fts(rowid, myth, correction) VALUES (new.id, new.myth, new.correction);
END;
CREATE TRIGGER IF NOT EXISTS codes_misconception_fts_delete AFTER DELETE ON codes_misconception BEGIN
  INSERT INTO codes_misconception_fts(codes_misconception_fts, rowid, myth, correction)
  VALUES ('delete', old.id, old.myth, old.correction);
END;
CREATE TRIGGER IF NOT EXISTS codes_misconception_fts_update AFTER UPDATE ON codes_misconception BEGIN
  INSERT INTO codes_misconception_fts(codes_misconception_fts, rowid, myth, correction)
  VALUES ('delete', old.id, old.myth, old.correction);
  INSERT INTO codes_misconception_fts(rowid, myth, correction) VALUES (new.id, new.myth, new.correction);
END;
INSERT INTO codes_code_fts(codes_code_fts) VALUES ('rebuild');
INSERT INTO codes_misconception_fts(codes_misconception_fts) VALUES ('rebuild');
"""


def ensure_sqlite_index(using_connection):
    """Create (if missing) and rebuild the SQLite FTS5 index. Run after every migrate: SQLite migrations that
    rebuild a table drop its triggers, so they are re-created here rather than in a migration."""
    if using_connection.vendor != "sqlite":
        return False
    try:
        with using_connection.cursor() as cursor:
            for statement in _statements(SQLITE_INDEX_SQL):
                cursor.execute(statement)
    except OperationalError:  # this SQLite was built without FTS5: search uses the plain path
        return False
    return True


def _statements(sql):
    """Split on semicolons that end a statement (trigger bodies hold their own)."""
    statements, current = [], []
    for line in sql.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")):
            statements.append(text)
            current = []
    return statements


def sqlite_index_ready():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'codes_code_fts'")
        return cursor.fetchone() is not None


def _fts_query(words, column=None):
    """Every word required; each word quoted so user input is never FTS syntax."""
    terms = " AND ".join('"' + w.replace('"', "") + '"' for w in words)
    return f"{{{column}}} : ({terms})" if column else terms


def _fts_ids(words, column=None):
    sql = "SELECT rowid FROM codes_code_fts WHERE codes_code_fts MATCH %s"
    return RawSQL(sql, [_fts_query(words, column)])


def _sqlite_any_match(words):
    """Does any code, or any misconception, contain every word? (Drafts included: a cheap first look.)"""
    query = _fts_query(words)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM codes_code_fts WHERE codes_code_fts MATCH %s)"
            " OR EXISTS (SELECT 1 FROM codes_misconception_fts WHERE codes_misconception_fts MATCH %s)",
            [query, query],
        )
        return bool(cursor.fetchone()[0])


def _sqlite_search(words, queryset):
    misconception_codes = RawSQL(
        "SELECT mc.code_id FROM codes_misconception_codes mc "
        "JOIN codes_misconception m ON m.id = mc.misconception_id AND m.is_published "
        "WHERE mc.misconception_id IN "
        "(SELECT rowid FROM codes_misconception_fts WHERE codes_misconception_fts MATCH %s)",
        [_fts_query(words)],
    )
    tiers = _tiers(
        words,
        Q(pk__in=_fts_ids(words, "code lay_terms")),
        Q(pk__in=_fts_ids(words, "title")),
        Q(pk__in=_fts_ids(words, "summary")),
    )
    return (
        queryset.filter(Q(pk__in=_fts_ids(words)) | Q(pk__in=misconception_codes))
        .annotate(rank=tiers)
        .order_by("-rank", "code")
    )


def _sqlite_typos(words, queryset):
    """Close spellings of indexed words, then an FTS match on them. The FTS vocabulary holds stemmed terms; only
    terms with the same first letter are compared (a range read on the vocabulary), as first letters are rarely
    mistyped."""
    close = []
    with connection.cursor() as cursor:
        for word in words:
            first = word[0]
            cursor.execute(
                "SELECT term FROM codes_code_fts_vocab WHERE term >= %s AND term < %s",
                [first, chr(ord(first) + 1)],
            )
            vocabulary = [row[0] for row in cursor.fetchall() if abs(len(row[0]) - len(word)) <= 3]
            close.append(difflib.get_close_matches(word, vocabulary, n=3, cutoff=TYPO_RATIO))
    if not all(close):
        return queryset.none()
    terms = " AND ".join("(" + " OR ".join(f'"{term}"' for term in options) + ")" for options in close)
    ids = RawSQL("SELECT rowid FROM codes_code_fts WHERE codes_code_fts MATCH %s", [terms])
    return queryset.filter(pk__in=ids).annotate(rank=Value(TYPO)).order_by("code")


# --- Any other database: plain LIKE matching ---------------------------------------------------------------------

SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ed", "es", "s")


def _stem(word):
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _all_words(words, field, stemmed=False):
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field}__icontains": _stem(word) if stemmed else word})
    return condition


def _plain_search(words, queryset):
    misconceptions = Misconception.objects.published()
    matched = queryset
    for word in words:
        stem = _stem(word)
        in_misconceptions = misconceptions.filter(Q(myth__icontains=stem) | Q(correction__icontains=stem))
        matched = matched.filter(
            Q(lay_terms__icontains=word)
            | Q(title__icontains=stem)
            | Q(summary__icontains=stem)
            | Q(pk__in=in_misconceptions.values("codes"))
        )
    tiers = _tiers(
        words,
        _all_words(words, "lay_terms"),
        _all_words(words, "title", stemmed=True),
        _all_words(words, "summary", stemmed=True),
    )
    return matched.annotate(rank=tiers).order_by("-rank", "code")


def _plain_typos(words, queryset, limit=20):
    vocabulary = {}
    for pk, title, lay_terms in queryset.values_list("pk", "title", "lay_terms"):
        for term in words_of(f"{title} {lay_terms}"):
            vocabulary.setdefault(term, set()).add(pk)
    matches = set()
    for word in words:
        for term in difflib.get_close_matches(word, vocabulary, n=5, cutoff=TYPO_RATIO):
            matches |= vocabulary[term]
    return queryset.filter(pk__in=sorted(matches)[:limit]).annotate(rank=Value(TYPO)).order_by("code")
