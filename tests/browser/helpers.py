"""Helpers shared by the browser tests (no Playwright import here, so the folder skips cleanly without it)."""

import functools
import re
from pathlib import Path

from django.conf import settings

RESULTS_DIR = Path(settings.BASE_DIR) / "test-results"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# The public pages every page-wide check visits.
PUBLIC_PAGES = [
    "/",
    "/codes/",
    "/codes/?q=ther+ex",
    "/codes/97110/",
    "/codes/97110/checklist/",
    "/codes/99999/",
    "/no-such-page/",
    "/misconceptions/",
    "/sources/",
    "/units/",
    # a filled visit: two timed codes and an untimed one
    "/units/?code=97112&minutes=24&code=97110&minutes=23&code=G0283&minutes=15",
    # a visit with row errors
    "/units/?code=97110&minutes=abc&code=ZZ&minutes=10",
]

# Headings on the page in document order, as (level, text); hidden ones included (screen readers see them).
HEADINGS_JS = """() => Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))
    .map(h => [parseInt(h.tagName.substring(1), 10), h.textContent.trim().replace(/\\s+/g, ' ')])"""


# axe's two layout-heavy rules hit-test every text node (3 s on /sources/ alone). They run on the whole page except
# the sixth and later copies of each repeated fragment: the first five show whether the template's colours and link
# styling pass. Every other WCAG rule (names, labels, ARIA, structure) sees the whole page.
LAYOUT_RULES = ("color-contrast", "link-in-text-block")
REPEATED_FRAGMENTS = [
    ".code-results > li:nth-child(n+6)",
    "article.misconception:nth-of-type(n+6)",
    ".checklist-items > li:nth-child(n+6)",
    "article.source:nth-of-type(n+6)",
    "table.figures tbody tr:nth-child(n+6)",
    ".source-list-compact > li:nth-child(n+6)",
    ".print-sources li:nth-child(n+6)",
    ".code-warnings:nth-of-type(n+6)",
    # Django admin: change list rows, inline rows and stacked inline forms
    "#result_list tbody tr:nth-child(n+6)",
    ".tabular tbody tr:nth-child(n+6)",
    ".inline-group .inline-related:nth-of-type(n+6)",
]


@functools.cache
def _axe_script():
    from axe_playwright_python.base import AXE_SCRIPT  # axe-core, shipped inside axe-playwright-python's wheel

    return AXE_SCRIPT


def run_axe(page, disable_rules=()):
    """axe-core's WCAG 2.0/2.1 A and AA rules on the current page; returns the list of violations."""
    page.evaluate(_axe_script())
    base = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    skipped = {rule: {"enabled": False} for rule in (*LAYOUT_RULES, *disable_rules)}
    violations = page.evaluate("o => axe.run(document, o).then(r => r.violations)", {**base, "rules": skipped})
    sampled = [rule for rule in LAYOUT_RULES if rule not in disable_rules]
    if sampled:
        context = {"exclude": [[selector] for selector in REPEATED_FRAGMENTS]}
        options = {"runOnly": {"type": "rule", "values": sampled}, "resultTypes": ["violations"]}
        violations += page.evaluate("([c, o]) => axe.run(c, o).then(r => r.violations)", [context, options])
    return violations


def describe_violations(where, violations, max_nodes=5):
    """A readable report: one line per rule, then the first few offending elements and why."""
    lines = [f"{where}: {len(violations)} axe violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:max_nodes]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"      at {target}: {summary}")
        if len(v["nodes"]) > max_nodes:
            lines.append(f"      … and {len(v['nodes']) - max_nodes} more")
    return "\n".join(lines)


def heading_problems(headings):
    """Problems with a page's outline: not exactly one h1, not starting at h1, or a level skipped going down."""
    problems = []
    h1s = [text for level, text in headings if level == 1]
    if len(h1s) != 1:
        problems.append(f"expected one <h1>, found {len(h1s)}: {h1s}")
    if headings and headings[0][0] != 1:
        problems.append(f"first heading is h{headings[0][0]} {headings[0][1]!r}, not h1")
    for (prev, _), (level, text) in zip(headings, headings[1:], strict=False):
        if level > prev + 1:
            problems.append(f"h{prev} is followed by h{level} {text!r}")
    return problems


def watch_page_errors(page):
    """A list that fills with the page's script errors and whatever its Content-Security-Policy blocks.

    Only what the page's own markup and files do: code a test evaluates has no URL and is left out (axe, for one,
    injects a <style> element that the CSP rightly refuses).
    """
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))

    def on_console(message):
        if "Content Security Policy" in message.text and message.location.get("url"):
            errors.append(f"{message.location['url']}: {message.text}")

    page.on("console", on_console)
    return errors


def save_screenshot(page, name):
    """A full-page screenshot in test-results/ (for failures found inside a loop over pages)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:150] or "page"
    try:
        page.screenshot(path=str(RESULTS_DIR / f"{safe}.png"), full_page=True)
    except Exception as exc:  # never hide the real failure behind a screenshot error
        print(f"screenshot failed: {exc}")
