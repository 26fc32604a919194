import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from codes.models import Checklist, ChecklistItem, Code, Misconception, Source
from codes.refdata import REFERENCE_DIR, ReferenceDataError, dumps, export_reference, load_reference

pytestmark = pytest.mark.django_db
FILES = ["sources.json", "categories.json", "codes.json", "misconceptions.json", "checklists.json", "figures.json"]


@pytest.fixture
def reference_copy(tmp_path):
    for name in FILES:
        shutil.copy(REFERENCE_DIR / name, tmp_path / name)
    return tmp_path


def read(directory, name):
    return json.loads((directory / name).read_text(encoding="utf-8"))


def write(directory, name, records):
    (directory / name).write_text(dumps(records), encoding="utf-8")


def test_load_creates_everything_in_the_files():
    report = load_reference()
    assert Code.objects.count() == len(read(REFERENCE_DIR, "codes.json"))
    assert Misconception.objects.count() == len(read(REFERENCE_DIR, "misconceptions.json"))
    items = sum(len(c["items"]) for c in read(REFERENCE_DIR, "checklists.json"))
    assert ChecklistItem.objects.count() == items
    assert report.created["codes"] == Code.objects.count()


def test_second_load_changes_nothing():
    load_reference()
    before = {c.code: c.updated_at for c in Code.objects.all()}
    report = load_reference()
    assert not report.changed, report.summary()
    assert {c.code: c.updated_at for c in Code.objects.all()} == before


def test_load_then_export_is_byte_identical(tmp_path):
    load_reference()
    export_reference(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (REFERENCE_DIR / name).read_bytes(), name


def test_export_never_writes_a_licensed_descriptor(tmp_path):
    load_reference()
    Code.objects.filter(code="97110").update(licensed_descriptor="LICENSED TEXT FROM THE CLINIC")
    export_reference(tmp_path)
    assert "LICENSED TEXT" not in (tmp_path / "codes.json").read_text(encoding="utf-8")


def test_a_changed_record_updates_only_that_record(reference_copy):
    load_reference(reference_copy)
    codes = read(reference_copy, "codes.json")
    next(c for c in codes if c["code"] == "97110")["title"] = "Therapeutic exercise (edited)"
    write(reference_copy, "codes.json", codes)
    report = load_reference(reference_copy)
    assert report.updated["codes"] == 1 and report.created["codes"] == 0
    assert Code.objects.get(code="97110").title == "Therapeutic exercise (edited)"


def test_a_bad_record_late_in_the_load_changes_nothing(reference_copy):
    checklists = read(reference_copy, "checklists.json")
    checklists[-1]["codes"].append("97999")
    write(reference_copy, "checklists.json", checklists)
    with pytest.raises(ReferenceDataError, match=r"checklists\.json, record #\d+ .*unknown code 97999"):
        load_reference(reference_copy)
    assert not Code.objects.exists() and not Source.objects.exists() and not Checklist.objects.exists()


def test_a_bad_record_leaves_earlier_loaded_data_unchanged(reference_copy):
    load_reference(reference_copy)
    codes = read(reference_copy, "codes.json")
    codes[0]["title"] = "Changed title"
    codes[-1]["billing_unit"] = "hourly"
    write(reference_copy, "codes.json", codes)
    with pytest.raises(ReferenceDataError, match=r"codes\.json, record #\d+ \(code='\w+'\): billing_unit"):
        load_reference(reference_copy)
    assert Code.objects.get(code=codes[0]["code"]).title != "Changed title"


@pytest.mark.parametrize(
    ("name", "mutate", "message"),
    [
        ("codes.json", lambda r: r[0].update(code="ZZZZZ"), "five-character CPT code"),
        ("codes.json", lambda r: r[0].pop("summary"), r"missing field\(s\) \['summary'\]"),
        ("codes.json", lambda r: r[0].update(colour="red"), r"unknown field\(s\) \['colour'\]"),
        ("codes.json", lambda r: r[0].update(category="nope"), "unknown category 'nope'"),
        ("codes.json", lambda r: r[0].update(effective_on="2017-13-01"), "must be a date"),
        ("codes.json", lambda r: r[0].update(sources="not-a-list"), "expected a list"),
        ("misconceptions.json", lambda r: r[0].update(sources=["no-such-source"]), "unknown source no-such-source"),
        ("misconceptions.json", lambda r: r[0].update(evidence="certain"), "evidence"),
        ("sources.json", lambda r: r[0].update(url="not a url"), "url"),
    ],
)
def test_invalid_records_are_named(reference_copy, name, mutate, message):
    records = read(reference_copy, name)
    mutate(records)
    write(reference_copy, name, records)
    with pytest.raises(ReferenceDataError, match=message) as error:
        load_reference(reference_copy)
    assert name in str(error.value)
    assert not Code.objects.exists()


def test_malformed_json_names_the_file(reference_copy):
    (reference_copy / "figures.json").write_text("[{", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"figures\.json: not valid JSON"):
        load_reference(reference_copy)


def test_missing_file_is_reported(reference_copy):
    (reference_copy / "sources.json").unlink()
    with pytest.raises(ReferenceDataError, match="sources.json: file not found"):
        load_reference(reference_copy)


def test_curator_additions_survive_a_reload():
    load_reference()
    extra = Source.objects.create(key="clinic-memo", title="Clinic memo", publisher="Clinic", kind="secondary")
    load_reference()
    assert Source.objects.filter(pk=extra.pk).exists()


def test_command_reports_counts_and_failures(reference_copy, capsys):
    call_command("load_reference")
    assert "codes: " in capsys.readouterr().out
    (reference_copy / "codes.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was loaded: codes.json"):
        call_command("load_reference", "--dir", str(reference_copy))


def test_export_command_writes_files(tmp_path, capsys):
    load_reference()
    call_command("export_reference", "--dir", str(tmp_path))
    assert "wrote" in capsys.readouterr().out
    call_command("export_reference", "--dir", str(tmp_path))
    assert "already match" in capsys.readouterr().out
