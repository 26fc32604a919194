import pytest


@pytest.fixture
def visit_codes(make_code, make_category, make_misconception, make_checklist):
    modalities = make_category("supervised-modalities", name="Supervised modalities")
    codes = {
        "97110": make_code("97110", title="Therapeutic exercise"),
        "97112": make_code("97112", title="Neuromuscular re-education"),
        "97140": make_code("97140", title="Manual therapy"),
        "97032": make_code("97032", title="Attended e-stim", attendance="constant"),
        "97014": make_code(
            "97014",
            title="Unattended e-stim",
            billing_unit="untimed",
            attendance="supervised",
            category=modalities,
            medicare_notes="Not recognized by Medicare: use G0283.",
        ),
        "97150": make_code("97150", title="Group therapy", billing_unit="untimed", attendance="group"),
    }
    shared = make_checklist(list(codes.values()), title="Every Medicare therapy note", items=2)
    make_checklist([codes["97110"]], title="Therapeutic exercise checklist", items=1)
    make_misconception([codes["97032"]], myth="Any e-stim is 97032")
    return codes, shared


def get(client, *rows, **extra):
    params = {"code": [c for c, _ in rows], "minutes": [m for _, m in rows], **extra}
    return client.get("/units/", params)


def test_empty_form_renders(client, db):
    response = client.get("/units/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('name="code"') == 4 and "More rows" in html


def test_cms_example_one_side_by_side(client, visit_codes):
    response = get(client, ("97112", "24"), ("97110", "23"))
    visit = response.context["visit"]
    assert {t["code"].code: (t["cms"], t["midpoint"]) for t in visit["timed"]} == {"97112": (2, 2), "97110": (1, 2)}
    html = response.content.decode()
    assert "47 timed minutes in total → 3 units" in html
    assert "The two rules differ for this visit" in html
    assert "Claims Processing Manual ch. 5 §20.2" in html


def test_untimed_codes_count_toward_treatment_time_only(client, visit_codes):
    response = get(client, ("97110", "30"), ("97014", "20"))
    visit = response.context["visit"]
    assert visit["timed_minutes"] == 30 and visit["treatment_minutes"] == 50
    assert [u["code"].code for u in visit["untimed"]] == ["97014"]
    assert visit["allocation"].total_units == 2
    assert "use G0283" in response.content.decode()


def test_warnings_and_misconceptions_per_code(client, visit_codes):
    html = get(client, ("97032", "15"), ("97150", "30")).content.decode()
    assert "Needs constant attendance" in html
    assert "one unit per patient per session" in html
    assert "Any e-stim is 97032" in html


def test_combined_checklist_shows_shared_checklist_once(client, visit_codes):
    html = get(client, ("97110", "20"), ("97112", "20"), ("97014", "10")).content.decode()
    assert html.count(">Every Medicare therapy note</h3>") == 1
    assert ">Therapeutic exercise checklist</h3>" in html


def test_tie_is_reported(client, visit_codes):
    response = get(client, ("97112", "20"), ("97110", "20"))
    assert response.context["visit"]["allocation"].ties
    assert "CMS lets the clinician choose" in response.content.decode()


def test_same_code_twice_adds_minutes(client, visit_codes):
    response = get(client, ("97110", "10"), ("97110", "13"))
    visit = response.context["visit"]
    assert visit["timed"][0]["minutes"] == 23 and visit["allocation"].total_units == 2


def test_lower_case_and_spaced_codes_are_accepted(client, visit_codes):
    response = get(client, (" 97 110", "23"))
    assert response.context["visit"]["timed"][0]["code"].code == "97110"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((("97999", "10"),), "cptref has no code 97999"),
        ((("hello", "10"),), "is not a five-character code"),
        ((("97110", "-5"),), "Minutes must be a whole number"),
        ((("97110", "ten"),), "Minutes must be a whole number"),
        ((("97110", "2.5"),), "Minutes must be a whole number"),
        ((("97110", ""),), "Enter the minutes"),
        ((("", "15"),), "Enter a code for these minutes"),
        ((("97110", "99999"),), "more than a day"),
        ((("97110", "900"), ("97112", "900")), "more than the 1440 minutes in a day"),
    ],
)
def test_bad_rows_give_form_errors_not_500(client, visit_codes, rows, message):
    response = get(client, *rows)
    assert response.status_code == 200
    assert "visit" not in response.context
    assert message in response.content.decode()


def test_more_rows_keeps_entries_and_adds_rows(client, visit_codes):
    html = get(client, ("97110", "23"), rows="7").content.decode()
    assert html.count('name="code"') == 7 and 'value="97110"' in html


def test_row_count_is_capped(client, db):
    html = client.get("/units/", {"rows": "500"}).content.decode()
    assert html.count('name="code"') == 12
    many = client.get("/units/", {"code": ["97110"] * 40, "minutes": ["1"] * 40})
    assert many.status_code == 200 and "at most 12 codes" in many.content.decode()


def test_units_page_query_count_is_flat(client, visit_codes, django_assert_num_queries):
    # 8 with no Medicare files imported (one query finds none); tests/test_medicare_pages.py covers imports.
    with django_assert_num_queries(8):
        get(client, ("97110", "23"), ("97112", "24"))
    with django_assert_num_queries(8):
        get(client, ("97110", "23"), ("97112", "24"), ("97140", "8"), ("97032", "8"), ("97014", "15"), ("97150", "30"))
