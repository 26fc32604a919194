"""Bad input never gives a 500, and nothing sent comes back unescaped (hypothesis).

Every public URL and each of its parameters gets random and hostile values: unicode (lone surrogates sent as the
bytes a broken client would send, right-to-left marks, emoji, NUL), huge numbers, very long strings, SQL and
template fragments, path traversal, invalid percent-escapes, repeated and missing parameters. Values that carry
the marker MARK next to <, > or " must never appear raw in the page.
"""

import itertools
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("curated_data")]

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MARK = "xq7z"
HOSTILE = [
    "97110",
    "g0283",
    "ther ex",
    "'; DROP TABLE codes_code; --",
    "1 OR 1=1",
    "' OR ''='",
    "%' OR code LIKE '%",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "{% include '../../etc/passwd' %}",
    "{{ request.META }}",
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd\x00.html",
    "\x00",
    "\u202eevil\u202c",
    "\u200f\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "😀🦴💉" * 30,
    "\ufeff97110",
    "９７１１０",
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    str(2**64),
    "9" * 400,
    "x" * 5000,
    "a b " * 300,
    "\r\n\t ",
    "%",
    "\\",
    "null",
    "[]",
    "true",
]
# Reflection probes: the marker next to the characters that would break out of HTML text or an attribute.
PROBES = [
    f"<{MARK}>",
    f'"{MARK}',
    f"{MARK}>",
    f'"><script>{MARK}</script>',
    f"<img src=x onerror={MARK}>",
    f"' onmouseover='{MARK}",
    f"<{MARK}",
]
RAW_ESCAPES = ["%FF", "%C0%AE", "%ED%A0%80", "%E2%80", "%", "%zz", "%00", "%2e%2e%2f"]

surrogates = st.characters(categories=["Cs"])
any_text = st.text(st.characters(codec=None), max_size=40)
huge_numbers = st.integers(min_value=-(10**40), max_value=10**40).map(str)
value = st.one_of(
    any_text,
    st.sampled_from(HOSTILE),
    st.sampled_from(PROBES),
    huge_numbers,
    st.lists(surrogates, min_size=1, max_size=3).map("".join),
    st.lists(
        st.one_of(any_text, st.sampled_from(HOSTILE), st.sampled_from(PROBES), surrogates), min_size=2, max_size=4
    ).map("".join),
)


def encode(text):
    """Percent-encode as UTF-8; lone surrogates become the (invalid) bytes a broken client would send."""
    return quote(text, safe="", encoding="utf-8", errors="surrogatepass")


def params(names):
    """A query: any of the page's parameters (plus strangers), each missing, once or repeated, with any value,
    sometimes followed by invalid percent-escapes."""
    pair = st.tuples(st.sampled_from([*names, "", "zz", "q[]"]), value)
    return st.tuples(st.lists(pair, max_size=8), st.lists(st.sampled_from(RAW_ESCAPES), max_size=2))


def query_string(query):
    pairs, raw = query
    parts = [f"{encode(name)}={encode(text)}" for name, text in pairs]
    return "&".join(parts + [f"q={junk}" for junk in raw])


def check(client, path, sent):
    response = client.get(path)
    assert response.status_code < 500, f"{response.status_code} for {path}"
    if response.status_code in (301, 302):
        return response
    body = response.content.decode("utf-8", errors="replace")
    for text in sent:
        if MARK not in text:
            continue
        if any(ch in text for ch in '<>"'):
            assert text not in body, f"{text!r} reflected unescaped by {path}"
        for marker in set(re.findall(f"{MARK}[0-9]+q", text)):
            for fragment in (f"<{marker}", f'"{marker}', f"{marker}>"):
                if fragment in text:
                    assert fragment not in body, f"{fragment!r} of {text!r} reflected unescaped by {path}"
    return response


def unique_markers(pairs):
    """Number every marker sent (xq7z1q, xq7z2q, …) so a hit in the page points at one value."""
    counter = itertools.count(1)
    return [(name, re.sub(MARK, lambda _: f"{MARK}{next(counter)}q", text)) for name, text in pairs]


def fuzz_page(client, path, query):
    pairs = unique_markers(query[0])
    return check(client, f"{path}?{query_string((pairs, query[1]))}", [text for _, text in pairs])


@FUZZ
@given(query=params(["q", "category", "billing_unit", "attendance", "status", "page"]))
@example(query=([("q", "97110"), ("q", "<xq7z>"), ("page", "99999999999999999999")], []))
@example(query=([("page", "-1"), ("category", "../../etc/passwd"), ("status", "{% debug %}")], ["%FF"]))
@example(query=([("q", "\ud800"), ("billing_unit", "\x00")], ["%ED%A0%80"]))
def test_code_list(client, query):
    fuzz_page(client, "/codes/", query)


@FUZZ
@given(query=params(["q"]))
@example(query=([("q", '"><script>xq7z</script>')], []))
def test_search_fragment(client, query):
    fuzz_page(client, "/codes/search/", query)


@FUZZ
@given(query=params(["code", "category", "impact", "consequence", "evidence"]))
@example(query=([("code", "<xq7z>"), ("impact", "9" * 400), ("evidence", "NaN")], []))
def test_misconceptions(client, query):
    fuzz_page(client, "/misconceptions/", query)


@FUZZ
@given(
    codes=st.lists(value, max_size=30),
    minutes=st.lists(st.one_of(value, st.integers(-(10**30), 10**30).map(str)), max_size=30),
    rows=st.lists(value, max_size=3),
    extra=params(["code", "minutes", "rows"]),
)
@example(codes=["97110", "97112"], minutes=["23", "24"], rows=[], extra=([], []))
@example(codes=["97110"] * 30, minutes=["99999999999999999999999"], rows=["-5", "1e9"], extra=([], []))
@example(codes=["<xq7z>", '"xq7z'], minutes=["", "8"], rows=["{{ 7*7 }}"], extra=([], ["%00"]))
def test_units(client, codes, minutes, rows, extra):
    """Rows come from repeated code/minutes parameters, in lists of different lengths."""
    pairs = [("code", c) for c in codes] + [("minutes", m) for m in minutes] + [("rows", r) for r in rows]
    fuzz_page(client, "/units/", (pairs + extra[0], extra[1]))


@settings(FUZZ, max_examples=20)  # three pages per example
@given(query=params(["q", "page", "code"]))
def test_pages_without_parameters_ignore_them(client, query):
    for path in ("/", "/sources/", "/healthz"):
        response = fuzz_page(client, path, query)
        assert response.status_code == 200, path


segment = st.one_of(
    value.map(encode),
    st.sampled_from(
        [
            "97110",
            "g0283",
            "99999",
            "9711",
            "971100",
            "../../etc/passwd",
            "..%2F..%2Fetc%2Fpasswd",
            "%2e%2e",
            "%00",
            "%ED%A0%80",
            "%FF",
            "<xq7z>",
            "9711%00",
            "97110%20",
            "ＡＢＣＤＥ",
        ]
    ),
)


@FUZZ
@given(code=segment, query=params(["q", "page"]))
@example(code="../../etc/passwd", query=([], []))
@example(code="%3Cxq7z%3E", query=([], []))
def test_code_pages(client, code, query):
    for path in (f"/codes/{code}/", f"/codes/{code}/checklist/"):
        fuzz_page(client, path, query)


@FUZZ
@given(path=st.lists(segment, min_size=1, max_size=4).map("/".join))
def test_any_path(client, path):
    check(client, f"/{path}", [])


def test_too_many_parameters_is_a_client_error(client):
    response = client.get("/codes/?" + "&".join(f"q{i}=x" for i in range(1200)))
    assert response.status_code == 400
