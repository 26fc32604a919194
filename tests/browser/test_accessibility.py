"""Accessibility in a real browser: axe-core (WCAG 2.1 A/AA) on every page, keyboard use, outline, text labels."""

import pytest
from django.contrib.auth.models import User
from django.db.models import Count

from codes.models import Checklist, Code, Misconception
from tests.browser.helpers import (
    HEADINGS_JS,
    PUBLIC_PAGES,
    describe_violations,
    heading_problems,
    run_axe,
    save_screenshot,
    watch_page_errors,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright not installed: pip install -r requirements-dev.txt"
)
pytest.importorskip(
    "axe_playwright_python", reason="axe-playwright-python not installed: pip install -r requirements-dev.txt"
)
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe_report(page, base_url, paths, disable_rules=(), check_outline=False):
    reports = []
    for path in paths:
        page.goto(base_url + path)
        problems = []
        violations = run_axe(page, disable_rules)
        if violations:
            problems.append(describe_violations(path, violations))
        if check_outline:
            problems += [f"{path}: outline: {p}" for p in heading_problems(page.evaluate(HEADINGS_JS))]
        if problems:
            save_screenshot(page, f"a11y{path}")
        reports += problems
    return reports


def test_public_pages_pass_axe_and_have_one_h1_with_headings_in_order(page, live_server, reference_data):
    reports = _axe_report(page, live_server.url, PUBLIC_PAGES, check_outline=True)
    assert not reports, "\n\n".join(reports)


def test_admin_pages_pass_axe(page, live_server, reference_data):
    User.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    code = Code.objects.get(code="97110")
    misconception = Misconception.objects.filter(codes=code).first()
    # The smallest checklist of the code: the same template as the others, less for axe to walk through.
    checklist = Checklist.objects.filter(codes=code).annotate(n=Count("items")).order_by("n", "pk").first()

    # No rule is scoped out: the admin's own gaps (unlabelled tabular-inline inputs, select2's unlabelled search box
    # and its clear button inside a list, colour-only breadcrumb links) are fixed by templates/admin/ and static/.
    errors = watch_page_errors(page)  # the admin's scripts (select2, inlines, admin-a11y.js) run under the CSP
    reports = _axe_report(page, live_server.url, ["/admin/login/?next=/admin/"])
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/admin/")
    admin_pages = [
        "/admin/",
        "/admin/codes/code/",
        f"/admin/codes/code/{code.pk}/change/",
        f"/admin/codes/misconception/{misconception.pk}/change/",
        f"/admin/codes/checklist/{checklist.pk}/change/",
    ]
    reports += _axe_report(page, live_server.url, admin_pages)
    assert not reports, "\n\n".join(reports)
    assert not errors, "script errors or blocked content in admin:\n" + "\n".join(errors)


def test_keyboard_skip_link_and_visible_focus(page, live_server, reference_data):
    page.goto(live_server.url + "/codes/97110/")
    # The first Tab reaches the skip link, which then shows on screen with a visible outline.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    _assert_focus_visible(page)
    # Enter moves focus to the main content; the next Tab continues there, not back in the header.
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    _assert_focus_visible(page)

    # Every control in the header shows where focus is: brand, navigation, search box and button.
    page.goto(live_server.url + "/codes/")
    page.keyboard.press("Tab")
    for _ in range(7):
        page.keyboard.press("Tab")
        _assert_focus_visible(page)


def _assert_focus_visible(page):
    style = page.evaluate(
        """() => { const el = document.activeElement, s = getComputedStyle(el);
                   return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), element: el.outerHTML.slice(0, 80)}; }"""
    )
    assert style["style"] != "none" and style["width"] >= 2, style


def test_evidence_and_impact_are_shown_in_words(page, live_server, reference_data):
    page.goto(live_server.url + "/codes/97110/")
    evidence = page.locator(".evidence").first
    expect(evidence).to_contain_text("Evidence:")
    page.goto(live_server.url + "/misconceptions/")
    badges = page.locator(".impact-badge")
    expect(badges.first).to_contain_text("impact", ignore_case=True)
    for text in badges.all_inner_texts():
        assert "impact" in text.lower(), text
