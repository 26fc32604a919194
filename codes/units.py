"""Units for timed therapy codes: the CMS "8-minute rule" and the CPT midpoint rule.

Source: CMS Medicare Claims Processing Manual (MCPM), chapter 5, section 20.2. The day's total
timed minutes set the total number of units (fewer than 8 minutes -> 0; 8-22 -> 1; 23-37 -> 2; ...,
i.e. ``(T + 7) // 15``, continuing past two hours).

The way those units are shared out among several codes is *our derivation*, consistent with the
CMS worked examples 1-4 in section 20.2 (CMS does not publish an algorithm):

1. every code gets its whole 15-minute blocks (``minutes // 15``);
2. the remaining units go one at a time to the codes with the most leftover minutes
   (``minutes - 15 * whole blocks``); a code needs at least 1 leftover minute to get one.

Ties on leftover minutes are broken by more total minutes for the code, then by code (ascending
string order). CMS lets the clinician choose between tied codes, so every tie is reported.

The CPT midpoint rule (``midpoint_units``) applies the same thresholds to each code on its own.

Pure Python (standard library only) so it can be used and tested without Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MAX_TOTAL_MINUTES",
    "CmsAllocation",
    "Tie",
    "allocate_cms",
    "cms_units",
    "midpoint_units",
    "unit_range",
    "units_for_minutes",
]

MAX_TOTAL_MINUTES = 24 * 60
"""More timed minutes than this in one day is rejected as a data-entry error."""


@dataclass(frozen=True)
class Tie:
    """Codes with equal leftover minutes competing for fewer remaining units than there are codes.

    ``codes`` lists every tied code in the order the tie-break ranked them; ``chosen`` are the ones
    that got a unit. ``unit_numbers`` are the 1-based positions, among the units left after whole
    blocks, that the tied codes competed for. ``broken_by`` says which rule decided: ``"total minutes"``
    (a chosen code had more total minutes) or ``"code order"`` (equal time; the pick is arbitrary).
    Either way the clinician may choose another of the tied codes.
    """

    codes: tuple[str, ...]
    leftover_minutes: int
    unit_numbers: tuple[int, ...]
    chosen: tuple[str, ...]
    broken_by: Literal["total minutes", "code order"]


@dataclass(frozen=True)
class CmsAllocation:
    """Result of :func:`allocate_cms`. ``units`` keeps the input order and includes 0-unit codes."""

    units: dict[str, int]
    total_minutes: int
    total_units: int
    ties: list[Tie]
    steps: list[str]


def units_for_minutes(minutes: int) -> int:
    """Unit-table value for a number of timed minutes: < 8 -> 0, else ``(minutes + 7) // 15``."""
    _check_minutes(minutes, "")
    return 0 if minutes < 8 else (minutes + 7) // 15


def unit_range(units: int) -> tuple[int, int]:
    """Minute range (inclusive) that gives ``units`` units: 0 -> (0, 7), 1 -> (8, 22), 3 -> (38, 52)."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise ValueError(f"Unit count must be a whole number, got {units!r}.")
    if units < 0:
        raise ValueError(f"Unit count cannot be negative, got {units}.")
    if units == 0:
        return (0, 7)
    return (15 * units - 7, 15 * units + 7)


def midpoint_units(minutes: Mapping[str, int]) -> dict[str, int]:
    """CPT midpoint rule: each code on its own gets ``units_for_minutes(its minutes)``."""
    checked = _validate(minutes)
    return {code: units_for_minutes(m) for code, m in checked.items()}


def cms_units(minutes: Mapping[str, int]) -> dict[str, int]:
    """CMS 8-minute rule: timed code -> units, in input order (see :func:`allocate_cms`)."""
    return allocate_cms(minutes).units


def allocate_cms(minutes: Mapping[str, int]) -> CmsAllocation:
    """Apply the CMS 8-minute rule to one day's timed minutes per code and explain the result."""
    checked = _validate(minutes)
    if not checked:
        return CmsAllocation({}, 0, 0, [], ["No timed codes entered: nothing to bill."])

    total = sum(checked.values())
    total_units = units_for_minutes(total)
    low, high = unit_range(total_units)
    steps = [f"{_n(total, 'timed minute')} in total → {_n(total_units, 'unit')} ({low}–{high} minutes)."]

    whole = {code: m // 15 for code, m in checked.items()}
    left = {code: m % 15 for code, m in checked.items()}
    for code, m in checked.items():
        leftover = f"{_n(left[code], 'minute')} left over" if left[code] else "nothing left over"
        steps.append(f"{code}: {_n(m, 'minute')} → {_n(whole[code], 'whole 15-minute unit')}, {leftover}.")

    # sum(m // 15) <= T // 15 <= units_for_minutes(T), so whole blocks always fit, and the remainder is
    # at most the number of codes with leftover minutes (each leftover <= 14), so each gets at most one.
    remaining = total_units - sum(whole.values())
    ranked = sorted((c for c in checked if left[c] > 0), key=lambda c: (-left[c], -checked[c], c))
    chosen = ranked[:remaining]
    units = {code: whole[code] + (1 if code in chosen else 0) for code in checked}

    tied = 0 < remaining < len(ranked) and left[ranked[remaining]] == left[ranked[remaining - 1]]
    ties = [_tie(ranked, chosen, left, checked)] if tied else []
    if remaining == 0:
        steps.append("No units left to assign.")
    elif remaining == 1:
        best = chosen[0]
        most = "tied for the most" if tied else "the most"
        steps.append(f"1 unit left to assign: it goes to {best} ({_n(left[best], 'leftover minute')}, {most}).")
    else:
        picks = ", ".join(f"{c} ({left[c]})" for c in chosen)
        steps.append(
            f"{remaining} units left to assign, one each to the codes with the most leftover minutes: {picks}."
        )
    steps.extend(_tie_text(tie) for tie in ties)

    billed = ", ".join(f"{c} × {u}" for c, u in units.items() if u)
    unbilled = ", ".join(c for c, u in units.items() if not u)
    result = f"Result: {billed}" if billed else "Result: nothing to bill"
    steps.append(result + (f"; not billed: {unbilled}." if unbilled and billed else "."))
    return CmsAllocation(units, total, total_units, ties, steps)


def _tie(ranked: list[str], chosen: list[str], left: dict[str, int], minutes: dict[str, int]) -> Tie:
    value = left[chosen[-1]]
    group = tuple(c for c in ranked if left[c] == value)
    won = tuple(c for c in group if c in chosen)
    first_loser = group[len(won)]
    broken_by: Literal["total minutes", "code order"] = (
        "code order" if minutes[won[-1]] == minutes[first_loser] else "total minutes"
    )
    numbers = tuple(i + 1 for i, c in enumerate(chosen) if c in group)
    return Tie(group, value, numbers, won, broken_by)


def _tie_text(tie: Tie) -> str:
    won = _join(tie.chosen)
    gets = "gets the unit" if len(tie.chosen) == 1 else "get the units"
    reason = "equal time, so by code order" if tie.broken_by == "code order" else "more total minutes"
    return (
        f"Tie: {_join(tie.codes)} each have {_n(tie.leftover_minutes, 'leftover minute')}; {won} {gets} "
        f"({reason}). The clinician may choose among the tied codes instead."
    )


def _validate(minutes: object) -> dict[str, int]:
    if not isinstance(minutes, Mapping):
        raise ValueError(f"Timed minutes must be given per code (code → minutes), got {type(minutes).__name__}.")
    checked: dict[str, int] = {}
    for code, m in minutes.items():
        if not isinstance(code, str) or not code.strip():
            raise ValueError(f"Each timed minute entry needs a code (a non-empty text), got {code!r}.")
        _check_minutes(m, f" for {code}")
        checked[code] = m
    total = sum(checked.values())
    if total > MAX_TOTAL_MINUTES:
        raise ValueError(
            f"Total timed minutes is {total}, more than the {MAX_TOTAL_MINUTES} minutes in a day; "
            "please check the entries."
        )
    return checked


def _check_minutes(m: object, where: str) -> None:
    if isinstance(m, bool) or not isinstance(m, int):
        raise ValueError(f"Minutes{where} must be a whole number of minutes, got {m!r}.")
    if m < 0:
        raise ValueError(f"Minutes{where} cannot be negative, got {m}.")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _join(codes: tuple[str, ...]) -> str:
    return codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " and " + codes[-1]
