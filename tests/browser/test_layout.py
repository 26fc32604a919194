"""Static files load and apply; every public page fits a 375 px phone screen; nothing is fetched from elsewhere."""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.helpers import PUBLIC_PAGES, save_screenshot, watch_page_errors

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright not installed: pip install -r requirements-dev.txt"
)
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 375

# Elements sticking out past the right edge of the viewport, widest first (to say what to fix).
OVERFLOW_JS = """(width) => Array.from(document.querySelectorAll('body *'))
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, r]) => r.right > width + 0.5 && r.width > 0)
    .sort((a, b) => b[1].right - a[1].right).slice(0, 5)
    .map(([el, r]) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : ''} right=${Math.round(r.right)}px`)"""


# Text squeezed into a sliver (one or two letters per line), as a table caption in a stacked table once was.
SQUEEZED_JS = """() => Array.from(document.querySelectorAll('main *'))
    .filter(el => Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim().length > 12))
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, r]) => r.width > 1 && r.width < 60 && r.height > 80)  // 1 px: visually hidden on purpose
    .slice(0, 5).map(([el, r]) => `${el.tagName.toLowerCase()} ${Math.round(r.width)}x${Math.round(r.height)}px: `
        + el.textContent.trim().slice(0, 40))"""


def test_stylesheets_and_script_load_and_apply(page, live_server, reference_data):
    statics = []
    page.on("response", lambda r: statics.append((r.url, r.status)) if "/static/" in r.url else None)
    page.goto(live_server.url + "/")
    paths = {urlsplit(url).path: status for url, status in statics}
    for asset in ("/static/css/site.css", "/static/css/print.css", "/static/js/enhance.js"):
        assert paths.get(asset) == 200, (asset, statics)
    # site.css applied: the header panel colour and the system font stack.
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(244, 246, 248)")
    assert "system-ui" in page.evaluate("() => getComputedStyle(document.body).fontFamily")
    # The skip link is off screen until focused.
    assert page.locator(".skip-link").bounding_box()["y"] < 0


def test_public_pages_fit_a_phone_screen(browser, live_server, reference_data):
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    problems = []
    try:
        for path in PUBLIC_PAGES:
            page.goto(live_server.url + path)
            scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
            squeezed = page.evaluate(SQUEEZED_JS)
            if scroll_width > PHONE_WIDTH:
                problems.append(f"{path}: scrollWidth {scroll_width}px; {page.evaluate(OVERFLOW_JS, PHONE_WIDTH)}")
            if squeezed:
                problems.append(f"{path}: text squeezed into a narrow column: {squeezed}")
            if scroll_width > PHONE_WIDTH or squeezed:
                save_screenshot(page, f"phone{path}")
        # Tables reflow into stacked rows rather than scrolling sideways.
        for path, table in [("/sources/", "table.figures"), (PUBLIC_PAGES[-2], "table.units-table")]:
            page.goto(live_server.url + path)
            display = page.locator(table).evaluate("el => getComputedStyle(el).display")
            if display != "block":
                problems.append(f"{path}: {table} is display:{display} at {PHONE_WIDTH}px, not stacked")
        # The row labels stay readable on phones: the stacked cells name their column.
        label = page.locator(".units-table tbody td").first.evaluate("el => getComputedStyle(el, '::before').content")
        assert "Minutes" in label, label
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_pages_make_no_requests_to_other_hosts_and_raise_no_errors(page, live_server, reference_data):
    host = urlsplit(live_server.url).netloc
    requests = []
    page.on("request", lambda r: requests.append((page.url, r.url)))
    errors = watch_page_errors(page)  # script errors, and anything the Content-Security-Policy blocked
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)  # waits for the load event: stylesheets, scripts, images
    # The live search fetches too.
    page.goto(live_server.url + "/")
    with page.expect_response(re.compile(r"/codes/search/\?q=")):
        page.get_by_role("searchbox").first.fill("e-stim")
    page.wait_for_load_state("networkidle")

    assert len(requests) > len(PUBLIC_PAGES) * 3  # pages, CSS, JS, icon: the recorder saw them
    elsewhere = [
        f"{on}: {url}"
        for on, url in requests
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != host
    ]
    assert not elsewhere, "requests to other hosts:\n" + "\n".join(elsewhere)
    assert not errors, "script errors or blocked content:\n" + "\n".join(errors)
