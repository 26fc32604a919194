"""Printing: the code checklist and the units visit checklist come out as clean paper forms."""

import re

import pytest

from tests.browser.helpers import PUBLIC_PAGES

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright not installed: pip install -r requirements-dev.txt"
)
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISIT = PUBLIC_PAGES[-2]  # 97112 24 min, 97110 23 min, G0283 15 min


def _pdf_pages(pdf_bytes):
    """Page objects in a PDF ("/Type /Page", not the "/Type /Pages" tree nodes); enough for Chromium's output."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_bytes))


def test_code_checklist_pdf_is_one_or_two_pages(page, live_server, reference_data):
    page.goto(live_server.url + "/codes/97110/checklist/")
    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper)  # print media, as the browser's Print command would use
        assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
        pages = _pdf_pages(pdf)
        assert 1 <= pages <= 2, f"{paper}: the 97110 checklist prints on {pages} pages"


def _assert_clean_form(page):
    for selector in (".site-header", ".site-footer", ".skip-link", "nav", "form"):
        for element in page.locator(selector).all():
            expect(element).to_be_hidden()
    boxes = page.locator(".checklist-item input[type=checkbox]")
    assert boxes.count() >= 2
    for box in boxes.all():
        expect(box).to_be_visible()
        assert box.evaluate("el => getComputedStyle(el).borderTopStyle") == "solid"
    body = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    small = page.locator(".checklist-item .source-refs").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert small < body, (small, body)


def test_units_visit_checklist_prints_as_a_form(page, live_server, reference_data):
    page.goto(live_server.url + VISIT)
    meta = page.locator(".visit-checklist .print-meta")
    expect(meta).to_be_hidden()  # print only
    page.emulate_media(media="print")
    _assert_clean_form(page)
    expect(page.locator(".units-form")).to_be_hidden()
    expect(meta).to_be_visible()
    for code in ("97112", "97110", "G0283"):
        expect(meta).to_contain_text(re.compile(code + r" \(content as of \d{1,2} \w+ \d{4}\)"))
    expect(page.locator(".units-table")).to_be_visible()
