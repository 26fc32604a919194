"""Importing CMS's files: the real excerpts in ../shared/cms/ and small files in the same layouts."""

import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from codes.medicare_import import import_ncci_ptp, import_pfs_rvu
from codes.medicare_models import FeeScheduleEntry, MedicareKind, MedicareRelease, Mue, PtpEdit
from codes.models import Code

from .cms_files import (
    MUE_EXCERPT,
    PFS_EXCERPT,
    PTP_EXCERPT,
    cms_excerpt,
    mue_row,
    pfs_row,
    ptp_row,
    write_mue,
    write_pfs,
    write_ptp,
)

MEDICARE_MODELS = [MedicareRelease, FeeScheduleEntry, PtpEdit, Mue]


def run(command, *args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def nothing_stored():
    return all(model.objects.count() == 0 for model in MEDICARE_MODELS)


@pytest.fixture
def codes(make_code):
    return {c: make_code(c) for c in ("97010", "97014", "97110", "97530", "97140", "G0283")}


# --- the real excerpts --------------------------------------------------------------------------------------


def test_pfs_excerpt(codes):
    path = cms_excerpt(PFS_EXCERPT)
    out, _ = run("import_pfs_rvu", path)
    assert "65 rows read, 6 kept (codes in cptref), 59 skipped" in out
    release = MedicareRelease.objects.get()
    assert (release.kind, release.release_label, release.effective_on) == ("pfs_rvu", "RVU25D", date(2025, 10, 1))
    assert (release.released_on, release.year, release.row_count, release.kept_count) == (
        date(2025, 9, 11),
        2025,
        65,
        6,
    )
    assert release.file_name == PFS_EXCERPT
    assert release.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert release.imported_at is not None
    entry = FeeScheduleEntry.objects.get(code__code="97530")
    assert (entry.status_code, entry.modifier, entry.mult_proc, entry.pctc) == ("A", "", "5", "7")
    assert (entry.work_rvu, entry.pe_rvu_nonfacility, entry.pe_rvu_facility, entry.mp_rvu) == (
        Decimal("0.44"),
        Decimal("0.62"),
        Decimal("0.62"),
        Decimal("0.01"),
    )
    assert (entry.total_nonfacility, entry.total_facility, entry.conversion_factor) == (
        Decimal("1.07"),
        Decimal("1.07"),
        Decimal("32.3465"),
    )
    statuses = dict(FeeScheduleEntry.objects.values_list("code__code", "status_code"))
    assert statuses == {"97010": "B", "97014": "I", "97110": "A", "97530": "A", "97140": "A", "G0283": "A"}
    assert FeeScheduleEntry.objects.get(code__code="97010").not_used_for_medicare_payment
    assert not entry.not_used_for_medicare_payment


def test_pfs_excerpt_with_the_curated_data(db):
    call_command("load_reference", stdout=io.StringIO())
    path = cms_excerpt(PFS_EXCERPT)
    in_file = {line.split(",")[0] for line in path.read_text(encoding="latin-1").splitlines()[10:]}
    expected = Code.objects.filter(code__in=in_file).count()
    assert expected >= 40  # the excerpt holds every PT/OT code in the reference data plus a few others
    out, _ = run("import_pfs_rvu", path)
    assert f"65 rows read, {expected} kept (codes in cptref), {65 - expected} skipped" in out
    assert FeeScheduleEntry.objects.count() == expected


def test_ptp_excerpt_keeps_pairs_whose_codes_are_both_in_the_database(make_code):
    for code in ("0001U", "0028U", "0029U", "0030U", "80503", "0001A"):
        make_code(code)
    out, _ = run("import_ncci_ptp", cms_excerpt(PTP_EXCERPT))
    assert "13 rows read, 4 kept (codes in cptref), 9 skipped" in out
    release = MedicareRelease.objects.get()
    assert (release.kind, release.release_label, release.effective_on, release.year) == (
        "ncci_ptp",
        "2026 Q3 v32.2",
        date(2026, 7, 1),
        2026,
    )
    edits = {(e.column2.code): e for e in PtpEdit.objects.select_related("column2")}
    assert set(edits) == {"0028U", "0029U", "0030U", "80503"}
    assert edits["0030U"].deleted_on is None and edits["0030U"].effective_on == date(2018, 7, 1)
    assert edits["0029U"].deleted_on == date(2026, 6, 30)
    assert edits["0030U"].modifier_indicator == 1
    assert edits["0030U"].rationale == "Misuse of Column Two code with Column One code"


def test_mue_excerpt(make_code):
    for code in ("0001U", "0009U", "97110"):
        make_code(code)
    out, _ = run("import_mue", cms_excerpt(MUE_EXCERPT))
    assert "8 rows read, 2 kept (codes in cptref), 6 skipped" in out
    release = MedicareRelease.objects.get()
    assert (release.kind, release.release_label, release.effective_on) == ("mue", "MUE 2026-07-01", date(2026, 7, 1))
    mue = Mue.objects.get(code__code="0001U")
    assert (mue.value, mue.adjudication_indicator, mue.adjudication_label) == (1, 2, "Date of Service Edit: Policy")
    assert mue.rationale == "Code Descriptor / CPT Instruction"
    assert Mue.objects.get(code__code="0009U").adjudication_indicator == 3


def test_no_descriptor_text_is_stored_anywhere(make_code, codes):
    for code in ("0001U", "0030U", "0009U"):
        make_code(code)
    run("import_pfs_rvu", cms_excerpt(PFS_EXCERPT))
    run("import_ncci_ptp", cms_excerpt(PTP_EXCERPT))
    run("import_mue", cms_excerpt(MUE_EXCERPT))
    assert MedicareRelease.objects.count() == 3
    for model in MEDICARE_MODELS:
        assert not [f.name for f in model._meta.get_fields() if "desc" in f.name.lower()], model
        for row in model.objects.values():
            assert not any("REDACTED" in str(value) for value in row.values()), row
            assert not any("American Medical Association" in str(value) for value in row.values()), row


# --- small files in the same layouts ------------------------------------------------------------------------


def test_2026_layout_with_pric_ind_is_read_by_column_name(tmp_path, codes):
    path = write_pfs(
        tmp_path,
        name="PPRRVU2026_Jan.csv",
        title="2026 National Physician Fee Schedule Relative Value File January Release",
        released="11/03/2025",
        cf="33.4009",
        pric_ind=True,
    )
    assert "PRIC" in path.read_text(encoding="latin-1")
    out, _ = run("import_pfs_rvu", path)
    assert "5 rows read, 5 kept" in out
    release = MedicareRelease.objects.get()
    assert (release.release_label, release.effective_on, release.released_on) == (
        "RVU26A",
        date(2026, 1, 1),
        date(2025, 11, 3),
    )
    entry = FeeScheduleEntry.objects.get(code__code="97530")
    # Read by position, ENDO BASE and CONV FACTOR would be off by one and the conversion factor blank or wrong.
    assert (entry.conversion_factor, entry.mult_proc, entry.total_nonfacility) == (
        Decimal("33.4009"),
        "5",
        Decimal("1.07"),
    )


def test_release_from_the_file_name_when_there_are_no_title_lines(tmp_path, codes):
    run("import_pfs_rvu", write_pfs(tmp_path, name="PPRRVU2025_Jul.csv", with_title=False))
    release = MedicareRelease.objects.get()
    assert (release.release_label, release.effective_on, release.released_on) == ("RVU25C", date(2025, 7, 1), None)


def test_label_and_date_options_when_neither_title_nor_name_says(tmp_path, codes):
    path = write_pfs(tmp_path, name="fees.csv", with_title=False)
    with pytest.raises(CommandError, match="pass --label and --effective-on"):
        run("import_pfs_rvu", path)
    run("import_pfs_rvu", path, label="RVU25D", effective_on="2025-10-01")
    assert MedicareRelease.objects.get().release_label == "RVU25D"


def test_a_broken_row_names_the_file_and_line_and_stores_nothing(tmp_path, codes):
    rows = [pfs_row("97010"), pfs_row("97110", description='"two-line\ndescription, quoted"')]
    rows.append(pfs_row("97530").replace(",0.44,", ",0.4x,", 1))  # WORK RVU is not a number
    path = write_pfs(tmp_path, rows=rows)
    # 10 header lines, then 97010 on line 11, 97110 over lines 12-13, 97530 on line 14.
    with pytest.raises(CommandError) as error:
        run("import_pfs_rvu", path)
    message = str(error.value)
    assert "PPRRVU2025_Oct.csv, line 14" in message and "WORK RVU is not a number" in message
    assert "description" not in message and "0.4x" not in message  # cell text is never echoed
    assert nothing_stored()


def test_a_broken_row_in_a_skipped_code_still_fails(tmp_path, codes):
    path = write_pfs(
        tmp_path, rows=[pfs_row("97110"), pfs_row("99213", figures=("A", "", "x", *("0.1",) * 3, "0", "0"))]
    )
    with pytest.raises(CommandError, match="line 12"):
        run("import_pfs_rvu", path)
    assert nothing_stored()


def test_broken_rows_in_ptp_and_mue_files(tmp_path, codes):
    ptp = write_ptp(tmp_path, [ptp_row("97140", "97530"), ptp_row("97140", "97110", effective="2020-01-01")])
    with pytest.raises(CommandError, match=r"ccipra-v322r0-f1.txt, line 8: .*effective date"):
        run("import_ncci_ptp", ptp)
    ptp = write_ptp(tmp_path, [ptp_row("97140", "97530", modifier="5")])
    with pytest.raises(CommandError, match=r"line 7: .*modifier indicator is not 0, 1 or 9"):
        run("import_ncci_ptp", ptp)
    # The notice spans lines 1-5 and the header lines 6-7, so the first row is line 8.
    mue = write_mue(tmp_path, [mue_row("97110", "4"), "97530,four,3 Date of Service Edit: Clinical,Nature"])
    with pytest.raises(CommandError, match=r"MUE_PractitionerServices_Eff_07-01-2026.csv, line 9: .*not a whole"):
        run("import_mue", mue)
    assert nothing_stored()


@pytest.mark.parametrize("kind", ["pfs", "ptp", "mue"])
def test_a_truncated_file_is_refused(tmp_path, codes, kind):
    if kind == "pfs":
        path, command = write_pfs(tmp_path), "import_pfs_rvu"
    elif kind == "ptp":
        path, command = write_ptp(tmp_path, [ptp_row("97140", "97530"), ptp_row("97140", "97110")]), "import_ncci_ptp"
    else:
        path, command = write_mue(tmp_path, [mue_row("97110", "4"), mue_row("97530", "4")]), "import_mue"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 45])  # cut in the middle of the last row (a cut in its last cell is invisible)
    with pytest.raises(CommandError, match="truncated"):
        run(command, path)
    path.write_bytes(data[:60])  # cut inside the title lines, notice or header
    with pytest.raises(CommandError, match="truncated|not an|no header"):
        run(command, path)
    assert nothing_stored()


@pytest.mark.parametrize("command", ["import_pfs_rvu", "import_ncci_ptp", "import_mue"])
def test_an_empty_file_is_refused(tmp_path, db, command):
    names = {
        "import_pfs_rvu": "PPRRVU2025_Oct.csv",
        "import_ncci_ptp": "ccipra-v322r0-f1.txt",
        "import_mue": "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv",
    }
    path = tmp_path / names[command]
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="the file is empty"):
        run(command, path)
    path.write_bytes(b"\r\n\r\n")
    with pytest.raises(CommandError, match="the file is empty"):
        run(command, path)


def test_a_missing_file_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="nope.csv: cannot be read"):
        run("import_pfs_rvu", tmp_path / "nope.csv")


def test_a_file_of_the_wrong_kind_is_refused_with_a_hint(tmp_path, codes):
    pfs = write_pfs(tmp_path)
    ptp = write_ptp(tmp_path, [ptp_row("97140", "97530")])
    mue = write_mue(tmp_path, [mue_row("97110", "4")])
    with pytest.raises(CommandError, match="use import_ncci_ptp"):
        run("import_pfs_rvu", ptp)
    with pytest.raises(CommandError, match="use import_mue"):
        run("import_pfs_rvu", mue)
    with pytest.raises(CommandError, match="use import_pfs_rvu"):
        run("import_mue", pfs)
    with pytest.raises(CommandError, match="use import_pfs_rvu"):
        run("import_ncci_ptp", pfs)
    with pytest.raises(CommandError, match="not an NCCI PTP edit file"):
        run("import_ncci_ptp", mue)
    hospital = write_mue(
        tmp_path,
        [mue_row("97110", "4")],
        name="MCR_MUE_OutpatientHospitalServices_Eff_07-01-2026.csv",
        header='"HCPCS/\nCPT Code",Outpatient Hospital Services MUE Values,MUE Adjudication Indicator,MUE Rationale',
    )
    with pytest.raises(CommandError, match="not the practitioner services MUE file"):
        run("import_mue", hospital)
    assert nothing_stored()


def test_reimporting_the_same_file_changes_nothing_and_says_so(tmp_path, codes):
    path = write_pfs(tmp_path)
    run("import_pfs_rvu", path)
    before = list(FeeScheduleEntry.objects.values())
    release = MedicareRelease.objects.get()
    renamed = tmp_path / "copy-of-PPRRVU2025_Oct.csv"
    renamed.write_bytes(path.read_bytes())
    for again in (path, renamed):
        out, _ = run("import_pfs_rvu", again)
        assert "already imported (same SHA-256)" in out and "nothing changed" in out
    assert list(MedicareRelease.objects.values()) == [MedicareRelease.objects.filter(pk=release.pk).values()[0]]
    assert list(FeeScheduleEntry.objects.values()) == before


def test_a_newer_release_is_added_beside_the_older_one(tmp_path, codes):
    run("import_pfs_rvu", write_pfs(tmp_path))
    newer = write_pfs(
        tmp_path,
        name="PPRRVU2026_Jan.csv",
        title="2026 National Physician Fee Schedule Relative Value File January Release",
        cf="33.4009",
        pric_ind=True,
    )
    run("import_pfs_rvu", newer)
    assert [r.release_label for r in MedicareRelease.objects.all()] == ["RVU26A", "RVU25D"]  # newest first
    assert FeeScheduleEntry.objects.filter(code__code="97530").count() == 2
    factors = FeeScheduleEntry.objects.filter(code__code="97530").values_list("conversion_factor", flat=True)
    assert sorted(factors) == [Decimal("32.3465"), Decimal("33.4009")]


def test_a_changed_file_for_an_already_imported_release_is_refused(tmp_path, codes):
    run("import_pfs_rvu", write_pfs(tmp_path))
    changed = write_pfs(tmp_path, codes=("97110",), name="PPRRVU2025_Oct_corrected.csv")
    with pytest.raises(CommandError, match="already imported .*delete that release in admin"):
        run("import_pfs_rvu", changed)
    assert MedicareRelease.objects.count() == 1


def test_the_parts_of_an_ncci_quarter_are_one_release(tmp_path, codes):
    part1 = write_ptp(tmp_path, [ptp_row("97140", "97530"), ptp_row("0001A", "0591T")], name="ccipra-v322r0-f1.txt")
    part2 = write_ptp(tmp_path, [ptp_row("97530", "97110", modifier="0")], name="ccipra-v322r0-f2.txt")
    out, _ = run("import_ncci_ptp", part2, part1)
    assert "3 rows read, 2 kept (codes in cptref), 1 skipped" in out and "2 parts" in out
    release = MedicareRelease.objects.get()
    assert release.file_name == "ccipra-v322r0-f1.txt, ccipra-v322r0-f2.txt"
    assert release.sha256 == hashlib.sha256(part1.read_bytes() + part2.read_bytes()).hexdigest()
    assert PtpEdit.objects.count() == 2
    out, _ = run("import_ncci_ptp", part1, part2)
    assert "nothing changed" in out


def test_ncci_parts_of_different_quarters_are_refused(tmp_path, codes):
    part1 = write_ptp(tmp_path, [ptp_row("97140", "97530")], name="ccipra-v322r0-f1.txt")
    other = write_ptp(tmp_path, [ptp_row("97530", "97110")], name="ccipra-v321r0-f2.txt")
    with pytest.raises(CommandError, match="different NCCI releases"):
        run("import_ncci_ptp", part1, other)
    assert nothing_stored()


def test_progress_lines_go_to_stderr_on_long_files(tmp_path, codes):
    out, err = run("import_pfs_rvu", write_pfs(tmp_path), progress_every=2)
    assert "PPRRVU2025_Oct.csv: 2 rows read" in err and "4 rows read" in err
    assert "rows read" in out and "so far" not in out


def test_importers_can_be_called_directly(tmp_path, codes):
    result = import_pfs_rvu(write_pfs(tmp_path))
    assert result.created and result.kept == 5 and result.release.kind == MedicareKind.PFS_RVU
    result = import_ncci_ptp([write_ptp(tmp_path, [ptp_row("97140", "97530")])])
    assert result.kept == 1 and result.release.kept_count == 1
