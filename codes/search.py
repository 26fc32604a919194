"""The one place that knows how code search works.

`search_codes(query)` returns codes best match first: exact code, then code prefix, then a lay-term match,
then title, then summary, then the text of the code's misconceptions. Every word must match somewhere.
"""

import re

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from .models import Code, Misconception

MAX_QUERY_LENGTH = 200
# "97 110", "97-110", "g0283" → a code or code prefix once spaces and hyphens are dropped.
CODE_LIKE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\s\-]{0,8}$")
CODE_PREFIX = re.compile(r"^([0-9]{1,4}[0-9A-Z]?|[A-V][0-9]{0,4})$")
WORD = re.compile(r"[\w/+]+", re.UNICODE)
# Crude English suffix stripping so "stimulating" finds "stimulation" where no stemmer is available.
SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ed", "es", "s")

# Rank values: higher is better.
EXACT, PREFIX, LAY_TERM, TITLE, SUMMARY, MISCONCEPTION = 60, 50, 40, 30, 20, 10


def normalize(query):
    """Trim, collapse white space and cap the length of a user's query."""
    return " ".join(str(query).split())[:MAX_QUERY_LENGTH]


def as_code(query):
    """The query as an upper-case code or code prefix ("97 110" → "97110"), or None if it is not one."""
    if not CODE_LIKE.match(query):
        return None
    compact = re.sub(r"[\s\-]", "", query).upper()
    return compact if CODE_PREFIX.match(compact) else None


def stem(word):
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def search_codes(query, queryset=None):
    """Codes matching `query`, best first. A blank query returns no codes."""
    queryset = Code.objects.published() if queryset is None else queryset
    query = normalize(query)
    if not query:
        return queryset.none()

    code = as_code(query)
    if code:
        by_code = queryset.filter(code__startswith=code)
        if len(code) == 5 or by_code.exists():
            return by_code.annotate(
                rank=Case(When(code=code, then=Value(EXACT)), default=Value(PREFIX), output_field=IntegerField())
            ).order_by("-rank", "code")

    return _word_search(query, queryset)


def _word_search(query, queryset):
    words = [w.lower() for w in WORD.findall(query)][:12]
    if not words:
        return queryset.none()
    misconception_text = Misconception.objects.published().filter(codes=OuterRef("pk"))
    matched = queryset
    for word in words:
        stemmed = stem(word)
        in_misconceptions = misconception_text.filter(Q(myth__icontains=stemmed) | Q(correction__icontains=stemmed))
        matched = matched.filter(
            Q(code__istartswith=word)
            | Q(lay_terms__icontains=word)
            | Q(title__icontains=stemmed)
            | Q(summary__icontains=stemmed)
            | Q(Exists(in_misconceptions))
        )
    phrase = " ".join(words)
    return matched.annotate(
        rank=Case(
            When(_lay_term_q(phrase), then=Value(LAY_TERM)),
            When(title__icontains=phrase, then=Value(TITLE)),
            When(_all(words, "lay_terms"), then=Value(LAY_TERM - 5)),
            When(_all(words, "title", stemmed=True), then=Value(TITLE - 5)),
            When(_all(words, "summary", stemmed=True), then=Value(SUMMARY)),
            default=Value(MISCONCEPTION),
            output_field=IntegerField(),
        )
    ).order_by("-rank", "code")


def _lay_term_q(phrase):
    """The phrase is one of the comma-separated lay terms (not just part of one)."""
    return (
        Q(lay_terms__iexact=phrase)
        | Q(lay_terms__istartswith=f"{phrase},")
        | Q(lay_terms__iendswith=f", {phrase}")
        | Q(lay_terms__icontains=f", {phrase},")
    )


def _all(words, field, stemmed=False):
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field}__icontains": stem(word) if stemmed else word})
    return condition
