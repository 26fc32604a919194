"""Nothing lost when something fails: the reference load is all or nothing, a broken database is reported by
/healthz as 503, and a crashing view shows the plain error page (and logs the traceback to stdout, not the page)."""

import os
import secrets
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction

from codes import refdata
from codes.models import ChecklistItem, Code, Misconception, Source


def snapshot():
    """Every row of every table of the codes app (m2m tables and history included), in primary-key order."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_app_config("codes").get_models(include_auto_created=True)
    }


class Rollback(Exception):
    pass


class InjectedFailure(Exception):
    pass


_totals = {}


def count_saves(scenario):
    """How many rows a load saves in this scenario (the load is run once per process, then rolled back)."""
    if scenario in _totals:
        return _totals[scenario]
    calls = 0
    original = refdata.Loader.save

    def counting(self, obj, where):
        nonlocal calls
        calls += 1
        return original(self, obj, where)

    refdata.Loader.save = counting
    try:
        with transaction.atomic():
            refdata.load_reference()
            raise Rollback
    except Rollback:
        pass
    finally:
        refdata.Loader.save = original
    _totals[scenario] = calls
    return calls


def fail_on_save(monkeypatch, n):
    """From the nth row saved on, the loader's save raises (as a lost connection or a full disk would)."""
    calls = []
    original = refdata.Loader.save

    def failing(self, obj, where):
        calls.append(where)
        if len(calls) >= n:
            raise InjectedFailure(f"injected failure at save #{len(calls)} ({where})")
        return original(self, obj, where)

    monkeypatch.setattr(refdata.Loader, "save", failing)
    return calls


def edit_loaded_data():
    """Curator-style changes that a reload will overwrite, spread over several files."""
    Source.objects.update(notes="edited in admin")
    Code.objects.filter(code__startswith="97").update(title="Edited title")
    Misconception.objects.update(why_it_matters="Edited.")
    ChecklistItem.objects.update(why="Edited.")


POINTS = {"first": lambda total: 1, "middle": lambda total: total // 2, "last": lambda total: total}


@pytest.mark.django_db(transaction=True)  # the load's own transaction is the outermost one, as in production
@pytest.mark.parametrize("point", POINTS)
def test_first_load_is_all_or_nothing(monkeypatch, point):
    total = count_saves("first load")
    assert total > 300  # every row of an empty database is saved
    before = snapshot()
    assert not any(before.values())
    calls = fail_on_save(monkeypatch, POINTS[point](total))
    with pytest.raises(InjectedFailure):
        call_command("load_reference", verbosity=0)
    assert len(calls) == POINTS[point](total)
    assert snapshot() == before
    if point == "middle":
        monkeypatch.undo()
        call_command("load_reference", verbosity=0)  # the connection is still usable and a clean load works
        assert Code.objects.count() > 40


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", POINTS)
def test_update_load_is_all_or_nothing(monkeypatch, point):
    call_command("load_reference", verbosity=0)
    edit_loaded_data()
    total = count_saves("update")
    assert total > 100
    before = snapshot()
    calls = fail_on_save(monkeypatch, POINTS[point](total))
    with pytest.raises(InjectedFailure):
        call_command("load_reference", verbosity=0)
    assert len(calls) == POINTS[point](total)
    assert snapshot() == before
    assert Code.objects.get(code="97110").title == "Edited title"
    if point == "middle":
        monkeypatch.undo()
        call_command("load_reference", verbosity=0)
        assert Code.objects.get(code="97110").title != "Edited title"


@pytest.mark.django_db(transaction=True)
def test_failure_in_a_many_to_many_write_rolls_back_too(monkeypatch):
    """Not only save(): a failure while linking codes (m2m .set) after thousands of writes leaves nothing."""
    before = snapshot()
    original = refdata.Loader.link_codes

    def failing(self, records):
        original(self, records[: len(records) // 2])
        raise InjectedFailure("injected failure while linking codes")

    monkeypatch.setattr(refdata.Loader, "link_codes", failing)
    with pytest.raises(InjectedFailure):
        call_command("load_reference", verbosity=0)
    assert snapshot() == before


# --- /healthz with a real connection that fails ------------------------------------------------------------------


@pytest.mark.parametrize("error", ["OperationalError", "InterfaceError"])
def test_healthz_is_503_when_the_database_driver_fails(client, db, monkeypatch, error):
    """The driver itself raises (wrapped by Django into its DatabaseError family), as when the server is gone."""
    driver_error = getattr(connections["default"].Database, error)

    def lost(self, name=None):
        raise driver_error("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:  # undone before the test database's own teardown needs a cursor
        patch.setattr(type(connections["default"]), "create_cursor", lost)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_a_query_fails(client, db, monkeypatch):
    wrapper = connections["default"]

    class FailingCursor:
        def __init__(self, real):
            self.real = real

        def execute(self, *args, **kwargs):
            raise wrapper.Database.OperationalError("canceling statement due to statement timeout")

        def __getattr__(self, name):
            return getattr(self.real, name)

    original = type(wrapper).create_cursor
    with monkeypatch.context() as patch:
        patch.setattr(type(wrapper), "create_cursor", lambda self, name=None: FailingCursor(original(self, name)))
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unavailable"


# --- A crashing view in production --------------------------------------------------------------------------------

CRASH = """
import django
django.setup()
import codes.views
from django.test import Client

def boom(*args, **kwargs):
    raise RuntimeError("injected failure in a view")

codes.views.render = boom
response = Client(raise_request_exception=False).get("/", HTTP_HOST="cptref.example.org", HTTP_X_FORWARDED_PROTO="https")
print("STATUS", response.status_code)
print("CSP", response.get("Content-Security-Policy", ""))
print("BODY", response.content.decode().replace(chr(10), " "))
"""


def test_a_crashing_view_shows_the_error_page_and_logs_the_traceback_to_stdout(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="cptref.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="cptref.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    out = subprocess.run(
        [sys.executable, "-c", CRASH], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] if " " in line else "" for line in out.stdout.splitlines()}
    assert lines["STATUS"] == "500"
    body = lines["BODY"]
    assert "Something went wrong" in body  # templates/500.html
    for leak in ("Traceback", "RuntimeError", "injected failure", "codes/views.py", env["DJANGO_SECRET_KEY"]):
        assert leak not in body
    assert "script-src 'self'" in lines["CSP"]
    # django.request logs the error with its traceback to stdout (the process manager's log), not stderr.
    log = out.stdout.split("STATUS", 1)[0]
    assert "Internal Server Error: /" in log
    assert "Traceback" in log and "RuntimeError: injected failure in a view" in log
    assert "Internal Server Error" not in out.stderr
