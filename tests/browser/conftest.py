"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live_server.

Run: `.venv/bin/python -m pytest -p no:cacheprovider -m browser tests/browser -q`.
Needs `apt-get install chromium` (never `playwright install`: it cannot download here) and requirements-dev.txt.
Without Chromium or the playwright package every test here skips with a message saying what to install.
On failure a full-page screenshot is written to test-results/<test name>.png.
"""

import io
import os
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.management import call_command
from django.db import transaction

from tests.browser.helpers import save_screenshot

# Playwright's sync API runs an asyncio loop in the test thread; without this the ORM calls made by tests and by
# pytest-django's transactional teardown raise SynchronousOnlyOperation. Test-only.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REFERENCE_CODES = Path(settings.BASE_DIR) / "codes" / "reference" / "codes.json"
try:
    import playwright.sync_api  # noqa: F401
    import pytest_playwright  # noqa: F401
except ImportError:
    HAVE_PLAYWRIGHT = False
else:
    HAVE_PLAYWRIGHT = True


def pytest_configure(config):
    # pytest-playwright 0.10's base_url fixture trips a pytest 9 deprecation warning; nothing to do on our side.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Skip this folder's tests with a clear message when Playwright or Chromium is missing (never fail)."""
    if not HAVE_PLAYWRIGHT:
        reason = "Playwright not installed: .venv/bin/pip install -r requirements-dev.txt"
    elif not os.path.exists(CHROMIUM):
        reason = "Chromium not installed: apt-get install chromium"
    else:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (item.rep_call) so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


if HAVE_PLAYWRIGHT:

    @pytest.fixture(scope="session")
    def browser_type_launch_args(browser_type_launch_args):
        if not os.path.exists(CHROMIUM):
            pytest.skip("Chromium not installed: apt-get install chromium")
        return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}

    @pytest.fixture
    def page(page, request):
        """pytest-playwright's page, with a screenshot in test-results/ when the test fails."""
        page.set_default_timeout(10_000)
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed and not page.is_closed():
            save_screenshot(page, request.node.nodeid.split("::", 1)[-1])


# The curated data as loaded by load_reference, kept after the first load: load_reference validates every record
# (several seconds), and transactional tests flush the database after each test, so later tests restore this copy.
_reference_snapshot = {}


@pytest.fixture
def reference_data(request, transactional_db):
    """The real curated data when codes/reference/codes.json exists, else a small data set shaped like it.

    Either way these exist: 97110 (timed, "ther ex"), 97112 (timed), 97162 (untimed evaluation), 97032 (timed,
    constant attendance), G0283 (untimed), misconceptions and checklists for 97110, and a sourced figure.
    """
    if not REFERENCE_CODES.exists():
        _factory_data(request)
        return "factories"
    if "rows" in _reference_snapshot:
        _restore(_reference_snapshot["rows"])
    else:
        call_command("load_reference", stdout=io.StringIO())
        _reference_snapshot["rows"] = _snapshot()
    return "reference"


def _snapshot():
    """Every row of the codes app (search vectors left out: a PostgreSQL trigger fills them) and its M2M links."""
    rows = []
    for model in apps.get_app_config("codes").get_models():
        fields = [f.attname for f in model._meta.concrete_fields if not isinstance(f, SearchVectorField)]
        m2m = [f for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created]
        objects = list(model.objects.values(*fields))
        links = {
            f.remote_field.through: list(
                f.remote_field.through.objects.values(f"{f.m2m_field_name()}_id", f"{f.m2m_reverse_field_name()}_id")
            )
            for f in m2m
        }
        rows.append((model, objects, links))
    return rows


def _restore(rows):
    with transaction.atomic():
        for model, objects, _ in rows:
            model.objects.bulk_create([model(**values) for values in objects])
        for _, _, links in rows:
            for through, pairs in links.items():
                through.objects.bulk_create([through(**pair) for pair in pairs])


def _factory_data(request):
    from codes.models import Code, Figure

    request.getfixturevalue("populated")
    make_code = request.getfixturevalue("make_code")
    make_category = request.getfixturevalue("make_category")
    make_misconception = request.getfixturevalue("make_misconception")
    make_checklist = request.getfixturevalue("make_checklist")
    make_source = request.getfixturevalue("make_source")
    modalities = make_category("modalities", name="Modalities", order=3)
    make_code(
        "97032",
        title="Electrical stimulation, attended",
        attendance="constant",
        category=modalities,
        lay_terms="attended e-stim, manual e-stim",
    )
    g0283 = make_code(
        "G0283",
        title="Electrical stimulation, unattended",
        billing_unit="untimed",
        attendance="supervised",
        category=modalities,
        lay_terms="e-stim, unattended e-stim",
        evidence="secondary",
        evidence_note="Payer policies differ on wound care use.",
    )
    ther_ex = Code.objects.get(code="97110")
    make_misconception(
        [ther_ex, g0283],
        myth="Any exercise time counts as 97110, even when the patient exercises alone",
        correction="Only one-on-one time with the provider counts toward 97110.",
        impact=2,
        consequence="overpayment",
        evidence="secondary",
        evidence_note="Recalled from contractor training; verify.",
    )
    make_checklist([ther_ex], title="Therapeutic exercise notes", slug="ther-ex-notes", items=4)
    cms = make_source(
        key="cms-mcpm-ch5-20-2",
        title="Medicare Claims Processing Manual, Chapter 5",
        section="§20.2",
        url="https://www.cms.gov/manuals/downloads/clm104c05.pdf",
        accessed_on=date(2025, 1, 15),
    )
    ther_ex.sources.add(cms)
    figure = Figure.objects.create(
        key="therapy-threshold-2025",
        label="Therapy KX modifier threshold (PT and SLP combined)",
        value="$2,410",
        year=2025,
        note="Above it, claims need the KX modifier to confirm medical necessity.",
        evidence="primary",
    )
    figure.sources.add(cms)
