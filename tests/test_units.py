"""Tests for codes.units (pure Python: no Django, no database)."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codes.units import (
    MAX_TOTAL_MINUTES,
    CmsAllocation,
    Tie,
    allocate_cms,
    cms_units,
    midpoint_units,
    unit_range,
    units_for_minutes,
)

FAST = settings(max_examples=150, deadline=None)

codes_st = st.one_of(
    st.sampled_from(["97110", "97112", "97116", "97140", "97530", "97535", "97035", "97032", "97750"]),
    st.text(alphabet="0123456789ABGQ", min_size=1, max_size=5),
)
minutes_st = st.dictionaries(codes_st, st.integers(min_value=0, max_value=200), min_size=1, max_size=6)


# --- CMS worked examples (MCPM ch. 5 §20.2; FACTS.md §2.2) -----------------------------------------


def test_example_1_more_units_to_code_with_more_time():
    result = allocate_cms({"97112": 24, "97110": 23})
    assert result.units == {"97112": 2, "97110": 1}
    assert result.total_minutes == 47
    assert result.total_units == 3
    assert result.ties == []


def test_example_2_equal_time_tie_is_reported():
    result = allocate_cms({"97112": 20, "97110": 20})
    assert result.total_units == 3
    assert sorted(result.units.values()) == [1, 2]
    assert len(result.ties) == 1
    tie = result.ties[0]
    assert set(tie.codes) == {"97112", "97110"}
    assert tie.leftover_minutes == 5
    assert tie.unit_numbers == (1,)
    assert tie.broken_by == "code order"
    assert len(tie.chosen) == 1 and result.units[tie.chosen[0]] == 2
    assert any(step.startswith("Tie:") and "clinician may choose" in step for step in result.steps)


def test_example_3_short_code_beats_small_leftover():
    assert cms_units({"97110": 33, "97140": 7}) == {"97110": 2, "97140": 1}


def test_example_4_ultrasound_goes_unbilled():
    minutes = {"97110": 18, "97140": 13, "97116": 10, "97035": 8}
    result = allocate_cms(minutes)
    assert result.units == {"97110": 1, "97140": 1, "97116": 1, "97035": 0}
    assert list(result.units) == list(minutes)
    assert result.total_units == 3
    assert result.ties == []
    assert result.steps[-1] == "Result: 97110 × 1, 97140 × 1, 97116 × 1; not billed: 97035."


def test_example_5_recalled_three_short_codes_one_unit_tie():
    result = allocate_cms({"97112": 7, "97110": 7, "97140": 7})
    assert result.total_units == 1
    assert sum(result.units.values()) == 1
    assert len(result.ties) == 1
    assert set(result.ties[0].codes) == {"97112", "97110", "97140"}
    assert result.ties[0].leftover_minutes == 7


def test_tie_broken_by_total_minutes_is_still_reported():
    result = allocate_cms({"A": 20, "B": 5})  # both leave 5 minutes over, 1 unit left to assign
    assert result.units == {"A": 2, "B": 0}
    assert result.ties == [Tie(("A", "B"), 5, (1,), ("A",), "total minutes")]


def test_three_codes_tied_for_two_units():
    result = allocate_cms({"97110": 10, "97140": 10, "97116": 10})  # 30 min -> 2 units
    assert result.total_units == 2
    assert result.ties[0].unit_numbers == (1, 2)
    assert result.ties[0].chosen == ("97110", "97116")


def test_no_tie_when_every_equal_code_gets_a_unit():
    result = allocate_cms({"97110": 10, "97140": 10, "97035": 3})  # 23 min -> 2 units
    assert result.units == {"97110": 1, "97140": 1, "97035": 0}
    assert result.ties == []


def test_example_1_steps_text():
    steps = allocate_cms({"97112": 24, "97110": 23}).steps
    assert steps == [
        "47 timed minutes in total → 3 units (38–52 minutes).",
        "97112: 24 minutes → 1 whole 15-minute unit, 9 minutes left over.",
        "97110: 23 minutes → 1 whole 15-minute unit, 8 minutes left over.",
        "1 unit left to assign: it goes to 97112 (9 leftover minutes, the most).",
        "Result: 97112 × 2, 97110 × 1.",
    ]
    assert "47" in steps[0] and "3 units" in steps[0]


def test_under_eight_minutes_bills_nothing():
    result = allocate_cms({"97110": 7})
    assert result.units == {"97110": 0}
    assert result.steps[-1] == "Result: nothing to bill."


def test_empty_mapping_gives_empty_result():
    assert cms_units({}) == {}
    assert midpoint_units({}) == {}
    result = allocate_cms({})
    assert isinstance(result, CmsAllocation)
    assert (result.total_minutes, result.total_units, result.ties) == (0, 0, [])


def test_output_keeps_input_order():
    minutes = OrderedDict([("97140", 8), ("97110", 40), ("97035", 0)])
    assert list(cms_units(minutes)) == ["97140", "97110", "97035"]
    assert list(midpoint_units(minutes)) == ["97140", "97110", "97035"]


# --- Unit table boundaries ------------------------------------------------------------------------

BOUNDARIES = [(15 * n + 7, n) for n in range(32)] + [(15 * n + 8, n + 1) for n in range(32)]


@pytest.mark.parametrize(("minutes", "expected"), sorted(BOUNDARIES))
def test_single_code_boundaries_up_to_8_hours(minutes, expected):
    assert minutes <= 480
    assert units_for_minutes(minutes) == expected
    assert cms_units({"97110": minutes}) == {"97110": expected}
    assert midpoint_units({"97110": minutes}) == {"97110": expected}
    low, high = unit_range(expected)
    assert low <= minutes <= high


@pytest.mark.parametrize(
    ("units", "expected"),
    [(0, (0, 7)), (1, (8, 22)), (2, (23, 37)), (3, (38, 52)), (4, (53, 67)), (8, (113, 127)), (9, (128, 142))],
)
def test_unit_range(units, expected):
    assert unit_range(units) == expected


@pytest.mark.parametrize("bad", [-1, 1.0, True, "3", None])
def test_unit_range_rejects_bad_counts(bad):
    with pytest.raises(ValueError, match="Unit count"):
        unit_range(bad)


# --- Where CMS and the per-code midpoint rule differ (FACTS.md §2.3) ------------------------------


@pytest.mark.parametrize(
    ("minutes", "cms_total", "midpoint_total"),
    [({"97110": 10, "97140": 10}, 1, 2), ({"97110": 33, "97140": 7}, 3, 2)],
)
def test_rules_differ_for_several_codes(minutes, cms_total, midpoint_total):
    assert sum(cms_units(minutes).values()) == cms_total
    assert sum(midpoint_units(minutes).values()) == midpoint_total


def test_midpoint_examples():
    assert midpoint_units({"97110": 33, "97140": 7}) == {"97110": 2, "97140": 0}
    assert midpoint_units({"a": 8, "b": 23, "c": 38, "d": 0}) == {"a": 1, "b": 2, "c": 3, "d": 0}


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ({"97110": -1}, r"97110 cannot be negative"),
        ({"97110": 12.5}, r"97110 must be a whole number"),
        ({"97110": 12.0}, r"97110 must be a whole number"),
        ({"97110": True}, r"97110 must be a whole number"),
        ({"97110": "12"}, r"97110 must be a whole number"),
        ({"97110": None}, r"97110 must be a whole number"),
        ({"97110": 1000, "97140": 441}, r"more than the 1440 minutes"),
        ([("97110", 10)], r"per code"),
        ("97110", r"per code"),
        (None, r"per code"),
        ({"": 10}, r"needs a code"),
        ({"   ": 10}, r"needs a code"),
        ({97110: 10}, r"needs a code"),
        ({None: 10}, r"needs a code"),
    ],
)
@pytest.mark.parametrize("func", [cms_units, allocate_cms, midpoint_units])
def test_bad_input_raises_value_error(func, minutes, message):
    with pytest.raises(ValueError, match=message):
        func(minutes)


def test_exactly_24_hours_is_allowed():
    assert sum(cms_units({"97110": MAX_TOTAL_MINUTES}).values()) == (MAX_TOTAL_MINUTES + 7) // 15


# --- Properties -----------------------------------------------------------------------------------


@FAST
@given(minutes_st)
def test_cms_total_matches_table_of_total_minutes(minutes):
    result = allocate_cms(minutes)
    assert result.total_minutes == sum(minutes.values())
    assert result.total_units == units_for_minutes(result.total_minutes)
    assert sum(result.units.values()) == result.total_units
    assert list(result.units) == list(minutes)


@FAST
@given(minutes_st)
def test_whole_blocks_always_fit_in_table_units(minutes):
    assert sum(m // 15 for m in minutes.values()) <= units_for_minutes(sum(minutes.values()))


@FAST
@given(minutes_st)
def test_each_code_gets_its_whole_blocks_and_at_most_one_more(minutes):
    units = cms_units(minutes)
    for code, m in minutes.items():
        assert units[code] >= m // 15
        # At most one leftover unit, and only with leftover minutes. NB: this can exceed the code's own
        # midpoint value (m + 7) // 15 — e.g. Example 3, 97140 = 7 min gets 1 unit.
        assert units[code] <= m // 15 + (1 if m % 15 else 0)


@FAST
@given(minutes_st)
def test_leftover_units_go_to_largest_leftovers(minutes):
    units = cms_units(minutes)
    extra = [code for code, m in minutes.items() if units[code] > m // 15]
    skipped = [code for code, m in minutes.items() if units[code] == m // 15 and m % 15]
    for winner in extra:
        for loser in skipped:
            assert minutes[winner] % 15 >= minutes[loser] % 15


@FAST
@given(minutes_st)
def test_code_with_zero_minutes_gets_zero(minutes):
    units = cms_units(minutes)
    assert all(units[code] == 0 for code, m in minutes.items() if m == 0)


@FAST
@given(minutes_st, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(minutes, rnd):
    items = list(minutes.items())
    rnd.shuffle(items)
    shuffled = dict(items)
    first, second = allocate_cms(minutes), allocate_cms(shuffled)
    assert first.units == second.units
    assert first.ties == second.ties
    assert midpoint_units(minutes) == midpoint_units(shuffled)


@FAST
@given(minutes_st)
def test_ties_are_consistent(minutes):
    result = allocate_cms(minutes)
    for tie in result.ties:
        assert 0 < len(tie.chosen) < len(tie.codes)
        assert len(tie.unit_numbers) == len(tie.chosen)
        assert all(minutes[code] % 15 == tie.leftover_minutes for code in tie.codes)
        assert all(result.units[code] == minutes[code] // 15 + 1 for code in tie.chosen)
        assert all(result.units[code] == minutes[code] // 15 for code in tie.codes if code not in tie.chosen)


@FAST
@given(minutes_st)
def test_midpoint_is_table_value_per_code(minutes):
    assert midpoint_units(minutes) == {code: units_for_minutes(m) for code, m in minutes.items()}
    assert all(units_for_minutes(m) == (0 if m < 8 else (m + 7) // 15) for m in minutes.values())
