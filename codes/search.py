"""The one place that knows how code search works, on each database.

`search_codes(query)` returns published codes best match first, in tiers: exact code, then code prefix, then a
lay-term (clinic slang) match, then title, then summary, then the text of the code's misconceptions. Every word
must match somewhere. When nothing matches, small typos are forgiven ("iontoforesis", "ultrasond").

- PostgreSQL: full-text search on `Code.search_vector` (a stored, weighted tsvector kept current by a trigger,
  GIN-indexed) with English stemming; misconception text through a GIN expression index; pg_trgm word
  similarity for typos.
- SQLite: the same tiers with `icontains` and light suffix stripping for stemming, and difflib for typos.
"""

import difflib
import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Greatest

from .models import MISCONCEPTION_SEARCH_VECTOR, Code, Misconception

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
# "97 110", "97-110", "g0283" → a code or code prefix once spaces and hyphens are dropped.
CODE_LIKE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\s\-]{0,8}$")
CODE_PREFIX = re.compile(r"^([0-9]{1,4}[0-9A-Z]?|[A-V][0-9]{0,4})$")
WORD = re.compile(r"[^\W_]+(?:[/+\-'][^\W_]+)*", re.UNICODE)
# Crude English suffix stripping (SQLite only) so "stimulating" finds "stimulation".
SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ed", "es", "s")
TYPO_SIMILARITY = 0.5  # pg_trgm word similarity; "iontoforesis" → iontophoresis scores 0.59
TYPO_RATIO = 0.75  # difflib ratio on SQLite

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
    found = _fallback_search(words, queryset)
    return found if found.exists() else _fallback_typos(words, queryset)


def _tiers(words, title_match, summary_match):
    """Lay term, title, summary, misconception: the same tiers on both databases."""
    phrase = " ".join(words)
    return Case(
        When(_is_lay_term(phrase), then=Value(LAY_TERM)),
        When(_all_words(words, "lay_terms"), then=Value(LAY_TERM - 1)),
        When(title_match, then=Value(TITLE)),
        When(summary_match, then=Value(SUMMARY)),
        default=Value(MISCONCEPTION),
        output_field=IntegerField(),
    )


def _is_lay_term(phrase):
    """The phrase is one of the comma-separated lay terms, not just part of one."""
    return (
        Q(lay_terms__iexact=phrase)
        | Q(lay_terms__istartswith=f"{phrase},")
        | Q(lay_terms__iendswith=f", {phrase}")
        | Q(lay_terms__icontains=f", {phrase},")
    )


def _all_words(words, field, stemmed=False):
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field}__icontains": _stem(word) if stemmed else word})
    return condition


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def _postgres_search(words, queryset):
    query = SearchQuery(" ".join(words), config="english", search_type="plain")
    in_misconceptions = (
        Misconception.objects.published()
        .annotate(document=MISCONCEPTION_SEARCH_VECTOR)
        .filter(document=query, codes=OuterRef("pk"))
    )
    return (
        queryset.filter(Q(search_vector=query) | Exists(in_misconceptions))
        .annotate(
            title_vector=SearchVector("title", config="english"),
            summary_vector=SearchVector("summary", config="english"),
        )
        .annotate(
            rank=_tiers(words, Q(title_vector=query), Q(summary_vector=query)),
            score=SearchRank(F("search_vector"), query),
        )
        .order_by("-rank", "-score", "code")
    )


def _postgres_typos(words, queryset):
    phrase = " ".join(words)
    similarity = Greatest(TrigramWordSimilarity(phrase, "lay_terms"), TrigramWordSimilarity(phrase, "title"))
    return (
        queryset.annotate(score=similarity, rank=Value(TYPO))
        .filter(score__gte=TYPO_SIMILARITY)
        .order_by("-score", "code")
    )


# --- SQLite and other databases -----------------------------------------------------------------------------


def _stem(word):
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _fallback_search(words, queryset):
    misconceptions = Misconception.objects.published().filter(codes=OuterRef("pk"))
    matched = queryset
    for word in words:
        stem = _stem(word)
        in_misconceptions = misconceptions.filter(Q(myth__icontains=stem) | Q(correction__icontains=stem))
        matched = matched.filter(
            Q(lay_terms__icontains=word)
            | Q(title__icontains=stem)
            | Q(summary__icontains=stem)
            | Exists(in_misconceptions)
        )
    tiers = _tiers(words, _all_words(words, "title", stemmed=True), _all_words(words, "summary", stemmed=True))
    return matched.annotate(rank=tiers).order_by("-rank", "code")


def _fallback_typos(words, queryset, limit=20):
    """Close spellings of title and lay-term words, found in Python (only when nothing else matched)."""
    vocabulary = {}
    for pk, title, lay_terms in queryset.values_list("pk", "title", "lay_terms"):
        for term in words_of(f"{title} {lay_terms}"):
            vocabulary.setdefault(term, set()).add(pk)
    scores = {}
    for word in words:
        for term in difflib.get_close_matches(word, vocabulary, n=10, cutoff=TYPO_RATIO):
            ratio = difflib.SequenceMatcher(None, word, term).ratio()
            for pk in vocabulary[term]:
                scores[pk] = max(scores.get(pk, 0), ratio)
    best = sorted(scores, key=lambda pk: -scores[pk])[:limit]
    if not best:
        return queryset.none()
    score = Case(*[When(pk=pk, then=Value(scores[pk])) for pk in best], output_field=FloatField())
    return queryset.filter(pk__in=best).annotate(score=score, rank=Value(TYPO)).order_by("-score", "code")
