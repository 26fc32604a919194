"""Search relevance over the curated reference data, on whichever database the suite runs on."""

import pytest
from django.db import connection

from codes.models import Code
from codes.search import EXACT, PREFIX, as_code, normalize, search_codes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("curated_data")]


def top(query, n=3):
    return [code.code for code in search_codes(query)[:n]]


RELEVANCE = [
    # (query, a code expected in the top 3)
    ("97110", "97110"),
    ("g0283", "G0283"),
    ("97 110", "97110"),
    ("97-110", "97110"),
    ("ther ex", "97110"),
    ("therex", "97110"),
    ("therapeutic exercise", "97110"),
    ("ther act", "97530"),
    ("NMR", "97112"),
    ("neuro re-ed", "97112"),
    ("balance training", "97112"),
    ("e-stim", "G0283"),
    ("e-stim", "97032"),
    ("TENS", "G0283"),
    ("ionto", "97033"),
    ("iontophoresis", "97033"),
    ("iontoforesis", "97033"),
    ("US", "97035"),
    ("ultrasound", "97035"),
    ("ultrasond", "97035"),
    ("HP/CP", "97010"),
    ("hot pack", "97010"),
    ("mech traction", "97012"),
    ("MT", "97140"),
    ("manual therapy", "97140"),
    ("eval", "97161"),
    ("moderate complexity evaluation", "97162"),
    ("gait training", "97116"),
    ("group", "97150"),
    ("dry needling", "20560"),
    ("stimulating", "97032"),
    ("paraffin", "97018"),
    ("whirlpool", "97022"),
    ("massage", "97124"),
    ("wheelchair", "97542"),
    ("aquatic", "97113"),
    ("FCE", "97750"),
    ("cognitive", "97129"),
    ("re-eval", "97164"),
    ("vaso", "97016"),
    ("orthotic", "97760"),
    ("self care", "97535"),
    ("RTM", "98975"),
]


@pytest.mark.parametrize(("query", "expected"), RELEVANCE)
def test_relevance(query, expected):
    assert expected in top(query), f"{query!r} → {top(query, 10)}"


def test_exact_code_comes_first_and_is_marked_exact():
    results = list(search_codes("97110"))
    assert [c.code for c in results] == ["97110"]
    assert results[0].rank == EXACT


def test_prefix_lists_every_code_with_that_start_in_code_order():
    results = list(search_codes("9711"))
    assert [c.code for c in results] == ["97110", "97112", "97113", "97116"]
    assert {c.rank for c in results} == {PREFIX}


def test_lay_term_match_outranks_title_and_summary():
    # "traction" is in 97012's title and lay terms, and only in other codes' summaries.
    assert top("traction", 1) == ["97012"]
    assert top("MT", 1) == ["97140"]


def test_every_word_is_required():
    assert "97110" not in top("ther ex wheelchair", 10)


def test_deleted_codes_are_found_and_point_to_replacements():
    (old,) = search_codes("97001")
    assert old.is_deleted
    assert {c.code for c in old.replaced_by.all()} == {"97161", "97162", "97163"}


@pytest.mark.parametrize(("query", "expected"), [("neuropathy", "97026"), ("acupuncture", "20560")])
def test_misconception_text_finds_the_code(query, expected):
    # These words appear in a misconception about the code, not in any code's own text.
    assert not Code.objects.filter(summary__icontains=query).exists()
    assert expected in top(query)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 1000,
        "%",
        "_",
        '"',
        "'",
        "(",
        ")",
        "*",
        "NEAR(",
        "AND",
        "OR NOT",
        "-",
        "!!!",
        "\\",
        "{code}:",
        "ther ex\x00",
        "é ü ñ 漢字",
        "😀",
        "'; DROP TABLE codes_code; --",
        "a & b | !c",
        "<script>",
        "97110" * 50,
    ],
)
def test_odd_input_never_raises(query):
    list(search_codes(query)[:20])


def test_blank_query_returns_nothing():
    assert not search_codes("  ").exists()


def test_unpublished_codes_are_not_found():
    Code.objects.filter(code="97110").update(is_published=False)
    assert "97110" not in top("ther ex", 10)


def test_normalize_and_as_code():
    assert normalize("  ther \n ex  ") == "ther ex"
    assert len(normalize("x" * 1000)) == 200
    assert as_code("97 110") == "97110" and as_code("g0283") == "G0283" and as_code("971") == "971"
    assert as_code("ther ex") is None and as_code("12345678901") is None


def test_search_query_count_is_constant(django_assert_max_num_queries):
    for query in ("ther ex", "stimulation", "9711", "iontoforesis"):
        with django_assert_max_num_queries(4):
            list(search_codes(query)[:20])


# Queries one /codes/?q= request runs, per database. Pinned so a change that adds a query per result shows up.
# Common to both: the "any match?" check, the count, the page of codes, the replaced-by prefetch and the category
# choices of the filter form. SQLite adds the FTS-table check; a typo adds the vocabulary read (SQLite); nothing
# found skips count and page but looks for nearest codes only when the query looks like a code.
PAGE_QUERIES = {
    "postgresql": {"ther ex": 5, "stimulation": 5, "9711": 5, "iontoforesis": 5, "zzzzqqq": 3},
    "sqlite": {"ther ex": 6, "stimulation": 6, "9711": 5, "iontoforesis": 7, "zzzzqqq": 4},
}


@pytest.mark.parametrize("query", ["ther ex", "stimulation", "9711", "iontoforesis", "zzzzqqq"])
def test_search_page_query_count(client, django_assert_num_queries, query):
    with django_assert_num_queries(PAGE_QUERIES[connection.vendor][query]):
        response = client.get("/codes/", {"q": query})
    assert response.status_code == 200


def test_fragment_endpoint_returns_results_without_the_layout(client):
    response = client.get("/codes/search/", {"q": "ther ex"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "97110" in html and "<html" not in html


def test_fragment_endpoint_with_odd_input(client):
    for q in ["", "x" * 1000, "<b>", "%%"]:
        response = client.get("/codes/search/", {"q": q})
        assert response.status_code == 200
        assert b"<b>" not in response.content


def test_empty_results_suggest_codes_and_link_to_filters(client):
    html = client.get("/codes/", {"q": "97199"}).content.decode()
    assert "No codes match" in html or "We have no page" in html
    html = client.get("/codes/", {"q": "zzzzqqq"}).content.decode()
    assert "No codes match" in html and 'href="/codes/"' in html
