"""What billers and curators do, end to end in Chromium: search, filter, tick, print view, units, admin edit."""

import re

import pytest
from django.contrib.auth.models import User

from codes.models import Impact, Misconception

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright not installed: pip install -r requirements-dev.txt"
)
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE_97110 = re.compile(r"^\s*97110\b")


def test_search_from_home_shows_live_results_then_results_page_then_code(page, live_server, reference_data):
    fragment_requests = []
    page.on("request", lambda r: fragment_requests.append(r.url) if "/codes/search/" in r.url else None)
    page.goto(live_server.url + "/")
    box = page.get_by_role("searchbox", name="Find a code by number, words or clinic slang")
    box.press_sequentially("ther ex", delay=30)

    # Live results: the script fetches the results fragment and shows it under the box, without leaving the page.
    live = page.locator("#search-results")
    expect(live.get_by_role("link", name=CODE_97110)).to_be_visible()
    assert any(url.endswith("/codes/search/?q=ther%20ex") for url in fragment_requests), fragment_requests
    assert page.url == live_server.url + "/"

    # Enter submits the form as usual: the results page.
    box.press("Enter")
    page.wait_for_url(re.compile(r"/codes/\?q=ther\+ex$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("ther ex")
    page.locator("#search-results").get_by_role("link", name=CODE_97110).click()

    page.wait_for_url(re.compile(r"/codes/97110/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("97110")
    expect(page.get_by_role("heading", name="Key facts", exact=True)).to_be_visible()


def test_filter_misconceptions_by_code_and_impact(page, live_server, reference_data):
    published = Misconception.objects.published()
    impact = max(published.filter(codes__code="97110").values_list("impact", flat=True))
    expected = published.filter(codes__code="97110", impact=impact).distinct().count()
    total = published.count()
    impact_label = Impact(impact).label

    page.goto(live_server.url + "/misconceptions/")
    expect(page.locator("article.misconception")).to_have_count(total)
    page.get_by_label(re.compile(r"^Code:?$")).fill("97110")
    page.get_by_label(re.compile(r"^Impact:?$")).select_option(label=impact_label)
    page.get_by_role("button", name="Apply").click()

    page.wait_for_url(re.compile(rf"code=97110.*impact={impact}"))
    articles = page.locator("article.misconception")
    expect(articles).to_have_count(expected)
    expect(page.get_by_role("status")).to_contain_text(f"{expected} misconception")
    for article in articles.all():
        expect(article.locator(".impact-badge")).to_contain_text(impact_label)
        expect(article.locator(".concerns")).to_contain_text("97110")
    # The form keeps what was chosen.
    expect(page.get_by_label(re.compile(r"^Code:?$"))).to_have_value("97110")


def test_tick_checklist_then_print_view_is_a_clean_form(page, live_server, reference_data):
    page.goto(live_server.url + "/codes/97110/")
    boxes = page.locator(".checklist-item input[type=checkbox]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    page.locator(".checklist-item label").nth(1).click()  # the whole label text is a click target
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    expect(boxes.nth(2)).not_to_be_checked()

    page.get_by_role("link", name="Printable checklist for 97110").click()
    page.wait_for_url(re.compile(r"/codes/97110/checklist/$"))
    print_boxes = page.locator(".checklist-item input[type=checkbox]")
    print_boxes.first.check()

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".skip-link")).to_be_hidden()
    for nav in page.locator("nav").all():
        expect(nav).to_be_hidden()
    expect(page.locator(".no-print").first).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_contain_text("97110")
    expect(page.locator(".print-meta")).to_contain_text(re.compile(r"Content as of \d{1,2} \w+ \d{4}"))
    expect(page.locator(".print-sources li").first).to_be_visible()
    assert print_boxes.count() >= 2
    for box in print_boxes.all():
        expect(box).to_be_visible()
        border = box.evaluate("el => getComputedStyle(el).borderTopStyle")
        assert border == "solid", border  # drawn as a tick box on paper
    expect(print_boxes.first).to_be_checked()
    body_size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    sources_size = page.locator(".print-sources li").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert sources_size < body_size, (sources_size, body_size)

    page.emulate_media(media="screen")
    expect(page.locator(".site-header")).to_be_visible()


def test_units_calculator_with_more_rows(page, live_server, reference_data):
    page.goto(live_server.url + "/units/")
    rows = page.locator(".unit-row")
    initial = rows.count()
    page.get_by_label("Code row 1", exact=True).fill("97112")
    page.get_by_label("Minutes row 1", exact=True).fill("24")
    page.get_by_label("Code row 2", exact=True).fill("97110")
    page.get_by_label("Minutes row 2", exact=True).fill("23")

    url = page.url
    page.get_by_role("button", name="More rows").click()
    expect(rows).to_have_count(initial + 1)  # added in place by the script, no reload
    assert page.url == url
    new_code = page.get_by_label(f"Code row {initial + 1}", exact=True)
    expect(new_code).to_be_focused()
    expect(new_code).to_have_value("")
    new_code.fill("G0283")
    page.get_by_label(f"Minutes row {initial + 1}", exact=True).fill("15")

    page.get_by_role("button", name="Calculate").click()
    page.wait_for_url(re.compile(r"/units/\?.*code=G0283"))
    totals = page.locator(".units-table tfoot")
    expect(totals.locator('td[data-label="Minutes"]')).to_have_text("47")
    expect(totals.locator('td[data-label="Medicare units"]')).to_have_text("3")
    expect(totals.locator('td[data-label="Midpoint units"]')).to_have_text("4")
    expect(page.locator(".notice-diff")).to_contain_text("differ")
    result = page.locator(".units-result")
    expect(result).to_contain_text("62 minutes total treatment time")
    expect(result.get_by_role("heading", name="Untimed services")).to_be_visible()
    expect(result.locator("li", has_text="G0283").first).to_be_visible()
    expect(page.get_by_role("heading", name="Documentation checklist for this visit")).to_be_visible()
    # The visit is kept in the form, so it can be changed and recalculated.
    expect(page.get_by_label("Code row 1", exact=True)).to_have_value("97112")


def test_curator_edits_misconception_in_admin_and_sees_it_on_the_code_page(page, live_server, reference_data):
    User.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    myth = Misconception.objects.published().filter(codes__code="97110").order_by("slug").first()
    new_text = "Edited in the browser test: only one-on-one minutes count toward 97110."

    page.goto(live_server.url + "/admin/")
    page.wait_for_url(re.compile(r"/admin/login/"))
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/admin/")

    page.goto(f"{live_server.url}/admin/codes/misconception/{myth.pk}/change/")
    correction = page.get_by_label("Correction")
    expect(correction).to_have_value(myth.correction)
    correction.fill(new_text)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(live_server.url + "/codes/97110/")
    expect(page.locator(f"#m-{myth.slug}")).to_contain_text(new_text)
    myth.refresh_from_db()
    assert myth.correction == new_text
