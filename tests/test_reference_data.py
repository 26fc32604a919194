"""Checks on the curated reference files themselves: run in CI so a bad edit cannot land."""

import json
import re

import pytest

from codes.refdata import REFERENCE_DIR


def load(name):
    return json.loads((REFERENCE_DIR / name).read_text(encoding="utf-8"))


CODES = load("codes.json")
BY_CODE = {c["code"]: c for c in CODES}
MISCONCEPTIONS = load("misconceptions.json")
CHECKLISTS = load("checklists.json")
SOURCES = {s["key"]: s for s in load("sources.json")}
FIGURES = load("figures.json")
SHARED_CHECKLIST = "every-medicare-therapy-note"
THERAPY_CATEGORIES = {
    "supervised-modalities",
    "constant-attendance-modalities",
    "therapeutic-procedures",
    "group-therapy",
    "evaluations",
    "tests-and-measurements",
    "orthotics-prosthetics",
    "cognitive",
}

# Fragments typical of AMA CPT descriptors. cptref writes its own summaries; none of these may appear.
AMA_DESCRIPTOR_PHRASES = [
    "1 or more areas, each 15 minutes",
    "one or more areas, each 15 minutes",
    "application of a modality to 1 or more areas",
    "therapeutic procedure, 1 or more areas",
    "requiring these components",
    "are spent face-to-face with the patient",
    "to develop strength and endurance, range of motion and flexibility",
    "kinesthetic sense, posture, and/or proprioception",
    "list separately in addition to code for primary procedure",
    "use of dynamic activities to improve functional performance",
    "typically, 20 minutes are spent",
    "typically, 30 minutes are spent",
    "typically, 45 minutes are spent",
    "an evaluation of body structures and functions, activity limitations",
]

# Every code FACTS.md §1 lists.
REQUIRED_CODES = (
    "97010 97012 97014 G0283 97016 97018 97022 97024 97026 97028 97032 97033 97034 97035 97036 97039 "
    "97110 97112 97113 97116 97124 97140 97150 97530 97535 97542 97161 97162 97163 97164 97165 97166 97167 97168 "
    "97750 97760 97761 97763 97129 97130 20560 20561 98975 98976 98977 98978 98979 98980 98981 98984 98985 "
    "97001 97002 97003 97004"
).split()

REQUIRED_SLANG = {
    "97110": "ther ex",
    "97530": "ther act",
    "97112": "NMR",
    "G0283": "e-stim",
    "97032": "e-stim",
    "97033": "ionto",
    "97035": "US",
    "97010": "HP/CP",
    "97012": "mech traction",
    "97140": "MT",
    "97161": "eval",
}


def all_text(records):
    return json.dumps(records, ensure_ascii=False).lower()


def test_every_required_code_is_present():
    assert set(REQUIRED_CODES) <= set(BY_CODE)


def test_no_duplicate_natural_keys():
    assert len(BY_CODE) == len(CODES)
    assert len({m["slug"] for m in MISCONCEPTIONS}) == len(MISCONCEPTIONS)
    assert len({c["slug"] for c in CHECKLISTS}) == len(CHECKLISTS)
    for checklist in CHECKLISTS:
        keys = [item["key"] for item in checklist["items"]]
        assert len(set(keys)) == len(keys), checklist["slug"]


def test_every_code_has_category_unit_attendance_and_a_source():
    for code in CODES:
        assert code["category"] and code["billing_unit"] and code["attendance"], code["code"]
        assert code["sources"], f"{code['code']} cites no source"


@pytest.mark.parametrize(("code", "term"), REQUIRED_SLANG.items())
def test_clinic_slang_is_a_lay_term(code, term):
    terms = [t.strip().lower() for t in BY_CODE[code]["lay_terms"].split(",")]
    assert term.lower() in terms


def test_every_published_misconception_and_item_cites_a_source():
    for m in MISCONCEPTIONS:
        if m["is_published"]:
            assert m["sources"], m["slug"]
    for checklist in CHECKLISTS:
        for item in checklist["items"]:
            if item["is_published"]:
                assert item["sources"], f"{checklist['slug']}/{item['key']}"


def test_at_least_35_published_misconceptions():
    assert sum(m["is_published"] for m in MISCONCEPTIONS) >= 35


def test_unsettled_evidence_says_why():
    records = CODES + MISCONCEPTIONS + FIGURES + [i for c in CHECKLISTS for i in c["items"]]
    for record in records:
        if record["evidence"] in ("unverified", "conflicting"):
            assert record["evidence_note"].strip(), record.get("code") or record.get("slug") or record.get("key")


def test_every_timed_and_untimed_therapy_code_shows_the_shared_checklist():
    shared = next(c for c in CHECKLISTS if c["slug"] == SHARED_CHECKLIST)
    therapy_codes = {c["code"] for c in CODES if c["status"] == "active" and c["category"] in THERAPY_CATEGORIES}
    assert therapy_codes - set(shared["codes"]) == set()
    assert {c["code"] for c in CODES if c["billing_unit"] == "timed" and c["status"] == "active"} <= set(
        shared["codes"]
    )


def test_code_specific_checklists_exist_for_the_audited_codes():
    covered = {code for c in CHECKLISTS if c["slug"] != SHARED_CHECKLIST for code in c["codes"]}
    wanted = "97110 97112 97140 97530 97032 97035 97033 97150 97161 97162 97163 97164 97116 97535 97165 97168"
    assert set(wanted.split()) <= covered


def test_confused_with_links_are_reciprocal_and_explained():
    for code in CODES:
        for link in code["confused_with"]:
            other = BY_CODE[link["code"]]
            assert code["code"] in {o["code"] for o in other["confused_with"]}, f"{code['code']} ↔ {link['code']}"
            assert link["how_to_tell"].strip()


def test_deleted_codes_name_dates_and_replacements():
    deleted = [c for c in CODES if c["status"] == "deleted"]
    assert {"97001", "97002", "97003", "97004"} <= {c["code"] for c in deleted}
    for code in deleted:
        assert code["deleted_on"] and code["replaced_by"], code["code"]
    assert BY_CODE["97001"]["replaced_by"] == ["97161", "97162", "97163"]
    assert BY_CODE["97004"]["replaced_by"] == ["97168"]


def test_evaluation_minutes_are_labelled_and_only_on_evaluations():
    for code in CODES:
        if code["typical_minutes"] is not None:
            assert code["category"] == "evaluations", code["code"]


@pytest.mark.parametrize("name", ["codes.json", "misconceptions.json", "checklists.json", "figures.json"])
def test_no_ama_descriptor_text(name):
    text = all_text(load(name))
    found = [phrase for phrase in AMA_DESCRIPTOR_PHRASES if phrase.lower() in text]
    assert not found


def test_money_figures_carry_a_year():
    records = CODES + MISCONCEPTIONS + [i for c in CHECKLISTS for i in c["items"]]
    for record in records:
        for field in ("summary", "medicare_notes", "correction", "why_it_matters", "text", "why"):
            text = record.get(field) or ""
            for sentence in re.split(r"(?<=[.;])\s", text):
                if re.search(r"\$\d", sentence):
                    assert re.search(r"\b(19|20)\d\d\b|CY\d{4}", sentence), sentence


def test_figures_have_a_year_and_a_source():
    for figure in FIGURES:
        assert 1990 <= figure["year"] <= 2100 and figure["sources"], figure["key"]


def test_headline_corrections_are_there():
    assert BY_CODE["97162"]["category"] == "evaluations" and BY_CODE["97162"]["billing_unit"] == "untimed"
    assert "97110" in {link["code"] for link in BY_CODE["97162"]["confused_with"]}
    assert BY_CODE["97033"]["billing_unit"] == "timed"  # popular pages call iontophoresis untimed
    assert BY_CODE["97012"]["billing_unit"] == "untimed"  # and mechanical traction timed
    assert BY_CODE["97150"]["billing_unit"] == "untimed"
    slugs = {m["slug"] for m in MISCONCEPTIONS}
    assert "m1-97162-is-not-therapeutic-exercise" in slugs


def test_sources_used_exist_and_have_publisher_and_kind():
    used = {key for r in CODES + MISCONCEPTIONS + FIGURES for key in r["sources"]}
    used |= {key for c in CHECKLISTS for i in c["items"] for key in i["sources"]}
    assert used <= set(SOURCES)
    for source in SOURCES.values():
        assert source["publisher"] and source["kind"] and source["title"], source["key"]
