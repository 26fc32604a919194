import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from codes.csv_io import CsvImportError, columns, export_csv, import_csv
from codes.models import Code, Misconception

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db):
    call_command("load_reference", verbosity=0)


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


def to_csv(rows, header):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["codes", "misconceptions"])
def test_export_then_import_round_trip_changes_nothing(loaded, kind):
    model = Code if kind == "codes" else Misconception
    text = export_csv(kind, model.objects.all())
    assert len(rows_of(text)) == model.objects.count()
    report = import_csv(kind, text)
    assert report.rows == model.objects.count() and not report.changed_keys, report.summary()


def test_dry_run_reports_changes_and_saves_nothing(loaded):
    rows = rows_of(export_csv("codes", Code.objects.filter(code__in=["97110", "97112"])))
    rows[0]["title"] = "Therapeutic exercise (bulk edit)"
    report = import_csv("codes", to_csv(rows, columns("codes")), dry_run=True)
    assert report.changed_keys == ["97110"] and "would change: 97110" in report.summary()
    assert Code.objects.get(code="97110").title != "Therapeutic exercise (bulk edit)"
    import_csv("codes", to_csv(rows, columns("codes")))
    assert Code.objects.get(code="97110").title == "Therapeutic exercise (bulk edit)"


def test_errors_name_their_lines_and_a_bad_row_commits_nothing(loaded):
    rows = rows_of(export_csv("codes", Code.objects.filter(code__in=["97110", "97112", "97113"])))
    rows[0]["title"] = "Changed but must not be saved"
    rows[1]["billing_unit"] = "hourly"
    rows[2]["category"] = "no-such-category"
    with pytest.raises(CsvImportError) as error:
        import_csv("codes", to_csv(rows, columns("codes")))
    assert any(e.startswith("line 3 (code='97112')") and "billing_unit" in e for e in error.value.errors)
    assert any(e.startswith("line 4 (code='97113')") and "unknown category" in e for e in error.value.errors)
    assert Code.objects.get(code="97110").title != "Changed but must not be saved"


def test_new_rows_are_created(loaded):
    rows = rows_of(export_csv("codes", Code.objects.filter(code="97110")))
    rows[0].update(code="97799", title="A new code for testing")
    report = import_csv("codes", to_csv(rows, columns("codes")))
    assert report.load.created["codes"] == 1 and Code.objects.filter(code="97799").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,title\n97110,x\n", "missing column"),
        ("", "missing column"),
    ],
)
def test_wrong_header_is_reported(db, text, message):
    with pytest.raises(CsvImportError, match=message):
        import_csv("codes", text)


def test_duplicate_rows_are_reported(loaded):
    rows = rows_of(export_csv("codes", Code.objects.filter(code="97110"))) * 2
    with pytest.raises(CsvImportError, match="line 3 .* appears twice"):
        import_csv("codes", to_csv(rows, columns("codes")))


def test_command_dry_run_and_errors(loaded, tmp_path, capsys):
    path = tmp_path / "codes.csv"
    path.write_text(export_csv("codes", Code.objects.all()), encoding="utf-8")
    call_command("import_csv", "codes", str(path), "--dry-run")
    assert "Dry run, nothing saved" in capsys.readouterr().out
    rows = rows_of(path.read_text(encoding="utf-8"))
    rows[5]["attendance"] = "sometimes"
    path.write_text(to_csv(rows, columns("codes")), encoding="utf-8")
    with pytest.raises(CommandError, match=r"Nothing was imported:\n  line 7"):
        call_command("import_csv", "codes", str(path))


def test_admin_export_action_and_import_page(admin_client, loaded):
    changelist = reverse("admin:codes_code_changelist")
    pk = Code.objects.get(code="97110").pk
    response = admin_client.post(changelist, {"action": "export_csv", "_selected_action": [pk]})
    assert response["Content-Type"].startswith("text/csv")
    exported = response.content.decode()
    assert "97110" in exported

    import_url = reverse("admin:codes_code_import_csv")
    assert "Import CSV" in admin_client.get(changelist).content.decode()
    upload = io.BytesIO(exported.replace("Therapeutic exercise", "Ther ex (edited)").encode())
    upload.name = "codes.csv"
    response = admin_client.post(import_url, {"file": upload, "dry_run": "on"})
    assert "Dry run: nothing was saved" in response.content.decode()
    upload.seek(0)
    response = admin_client.post(import_url, {"file": upload})
    assert response.status_code == 200 and "changed: 97110" in response.content.decode()
    bad = io.BytesIO(b"\xff\xfe not utf-8")
    bad.name = "bad.csv"
    assert "not UTF-8" in admin_client.post(import_url, {"file": bad}).content.decode()
