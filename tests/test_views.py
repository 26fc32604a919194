import pytest
from django.db import DatabaseError
from django.urls import reverse

from codes.models import Code


def test_home_lists_categories_and_top_misconceptions(client, populated):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Evaluations" in html and "2 codes" in html
    assert "97162 is supervised therapeutic exercise" in html
    assert 'name="q"' in html


def test_code_detail_shows_facts_misconceptions_checklist_and_confusions(client, populated):
    response = client.get("/codes/97110/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Therapeutic exercise" in html
    assert "97162 is supervised therapeutic exercise" in html
    assert "Every Medicare therapy note" in html
    assert 'href="/codes/97162/"' in html  # often confused with
    assert "Confirmed in a primary CMS or contractor source" in html  # evidence in words
    assert "not yet reviewed" in html


def test_deleted_code_points_to_its_replacement(client, populated):
    html = client.get("/codes/97001/").content.decode()
    assert "Deleted code" in html and 'href="/codes/97162/"' in html


def test_lower_case_code_redirects_to_upper_case(client, make_code):
    make_code("G0283", billing_unit="untimed", attendance="supervised")
    response = client.get("/codes/g0283/")
    assert response.status_code == 301
    assert response["Location"] == "/codes/G0283/"


def test_unknown_code_is_a_helpful_404(client, populated):
    response = client.get("/codes/97119/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We have no page for code 97119" in html
    assert 'href="/codes/97110/"' in html  # nearest codes
    assert 'name="q"' in html


@pytest.mark.parametrize("url", ["/codes/971/", "/codes/9711000/", "/codes/97%2F10/", "/nope/"])
def test_malformed_urls_are_404(client, db, url):
    assert client.get(url).status_code == 404


def test_unpublished_code_is_not_shown(client, make_code):
    make_code("97110", is_published=False)
    assert client.get("/codes/97110/").status_code == 404


def test_checklist_print_view(client, populated):
    response = client.get("/codes/97110/checklist/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="checkbox"' in html and "Document thing 0" in html and "Sources" in html


def test_code_list_filters(client, populated):
    html = client.get("/codes/", {"category": "evaluations"}).content.decode()
    assert "97162" in html and "97110 " not in html
    html = client.get("/codes/", {"billing_unit": "timed"}).content.decode()
    assert "97110" in html and "97162" not in html
    html = client.get("/codes/", {"status": "deleted"}).content.decode()
    assert "97001" in html and "Deleted" in html


def test_code_list_exact_code_redirects(client, populated):
    response = client.get("/codes/", {"q": "97-110"})
    assert response.status_code == 302 and response["Location"] == "/codes/97110/"


def test_code_list_search_by_slang(client, populated):
    html = client.get("/codes/", {"q": "neuro re-ed"}).content.decode()
    assert "97112" in html


@pytest.mark.parametrize(
    "params",
    [
        {"category": "no-such-category"},
        {"billing_unit": "weekly"},
        {"attendance": "<script>alert(1)</script>"},
        {"status": ["active", "deleted"]},
        {"page": "999999"},
        {"page": "-1"},
        {"page": "abc"},
        {"q": "x" * 1000},
        {"q": "'; DROP TABLE codes_code; --"},
        {"q": "{{ 7*7 }} {% debug %}"},
        {"q": "\x00\u202e\U0001f600"},
    ],
)
def test_junk_filter_values_never_500(client, populated, params):
    response = client.get("/codes/", params)
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_junk_misconception_filters_never_500(client, populated):
    for params in ({"impact": "9"}, {"impact": "high"}, {"code": "x" * 50}, {"evidence": "?"}, {"category": "%"}):
        assert client.get("/misconceptions/", params).status_code == 200


def test_misconception_list_filters_by_code(client, populated, make_misconception):
    make_misconception([populated["97112"]], myth="NMR needs no documented deficit")
    html = client.get("/misconceptions/", {"code": "97112"}).content.decode()
    assert "NMR needs no documented deficit" in html
    assert "97162 is supervised therapeutic exercise" not in html


def test_sources_page_shows_what_cites_each_source(client, populated):
    response = client.get("/sources/")
    assert response.status_code == 200
    assert 'href="/codes/97110/"' in response.content.decode()


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_database_failure_as_503(client, db, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr("codes.views.connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unavailable"


def test_only_get_is_allowed(client, populated):
    assert client.post("/codes/97110/").status_code == 405


def _add_codes(make_code, make_misconception, make_checklist, start, count):
    codes = [make_code(str(97200 + start + i)) for i in range(count)]
    make_misconception(codes)
    make_checklist(codes)
    return codes


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/", 3), ("/codes/", 4), ("/misconceptions/", 4), ("/sources/", 7)],
)
def test_list_page_query_counts_do_not_grow_with_data(
    client, make_code, make_misconception, make_checklist, django_assert_num_queries, url, expected
):
    _add_codes(make_code, make_misconception, make_checklist, 0, 5)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    _add_codes(make_code, make_misconception, make_checklist, 5, 45)
    assert Code.objects.count() == 50
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


# The code page adds five for its Medicare panel: four prefetches and the list of imported releases.
@pytest.mark.parametrize(("view", "expected"), [("codes:code_detail", 15), ("codes:code_checklist", 10)])
def test_detail_query_count_does_not_grow_with_data(
    client, make_code, make_misconception, make_checklist, make_confusion, django_assert_num_queries, view, expected
):
    code = make_code("97110")
    make_misconception([code])
    make_checklist([code])
    make_confusion(code, make_code("97112"))
    url = reverse(view, args=["97110"])
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    for i in range(10):
        other = make_code(str(97120 + i))
        make_misconception([code, other])
        make_checklist([code], items=4)
        make_confusion(code, other)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
