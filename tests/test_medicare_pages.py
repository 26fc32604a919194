"""The Medicare figures on the code page, in the units calculator and in admin."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from codes.medicare_models import FeeScheduleEntry, MedicareRelease, Mue, PtpEdit, estimate_visit
from codes.models import Code

from .cms_files import mue_row, ptp_row, write_mue, write_pfs, write_ptp

PFS_CODES = ("97010", "97014", "97110", "97140", "97530", "98975", "G0283")
UNTIMED = {"billing_unit": "untimed", "attendance": "supervised"}


def imports(folder, pfs=True, ptp=True, mue=True):
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    if pfs:
        call_command("import_pfs_rvu", str(write_pfs(folder, codes=PFS_CODES)), **quiet)
    if ptp:  # test pairs, not CMS's
        rows = [
            ptp_row("97140", "97530", modifier="1"),
            ptp_row("97530", "97110", effective="20150101", deleted="20191231", modifier="1"),
        ]
        call_command("import_ncci_ptp", str(write_ptp(folder, rows)), **quiet)
    if mue:  # test values, not CMS's
        rows = [mue_row("97110", "2", indicator="3"), mue_row("97530", "4", indicator="2")]
        call_command("import_mue", str(write_mue(folder, rows)), **quiet)


@pytest.fixture
def medicare_codes(make_code, make_category):
    modalities = make_category("supervised-modalities", name="Supervised modalities")
    codes = {c: make_code(c) for c in ("97110", "97140", "97530")}
    codes["98975"] = make_code("98975", billing_unit="untimed", attendance="clinician")
    for c in ("97010", "97014", "G0283"):
        codes[c] = make_code(c, category=modalities, **UNTIMED)
    return codes


@pytest.fixture
def imported(tmp_path, medicare_codes):
    imports(tmp_path)
    return medicare_codes


def panel(client, code):
    html = client.get(reverse("codes:code_detail", args=[code])).content.decode()
    start = html.index('id="medicare-heading"')
    return html[start : html.index("</section>", start)]


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the code page ------------------------------------------------------------------------------------------


def test_without_imports_the_panel_says_where_figures_come_from(client, medicare_codes):
    html = text(panel(client, "97110"))
    assert "No CMS figures are loaded yet" in html
    assert "Physician Fee Schedule relative value file" in html and "cms.gov" in html
    for command in ("import_pfs_rvu", "import_ncci_ptp", "import_mue"):
        assert f"python manage.py {command}" in html


def test_bundled_code_97010(client, imported):
    html = text(panel(client, "97010"))
    assert "CMS RVU25D, effective 2025-10-01" in html
    assert "B : Bundled: never paid separately" in html and "the patient may not be billed" in html
    assert "None: Medicare does not pay this code separately" in html
    assert "RVU × $" not in html  # no payment arithmetic for a code Medicare never pays


def test_not_valid_for_medicare_97014_points_to_g0283(client, imported):
    html = panel(client, "97014")
    assert "Not valid for Medicare: Medicare uses another code for this service (for 97014: G0283)" in text(html)
    assert f'href="{reverse("codes:code_detail", args=["G0283"])}"' in html
    assert "RVU × $" not in text(html)


def test_active_code_97530_shows_its_figures_as_arithmetic(client, imported):
    html = text(panel(client, "97530"))
    assert "A : Active: paid separately" in html
    assert "work 0.44 + practice expense 0.62 + malpractice 0.01 = 1.07 RVU" in html
    # By hand: 1.07 × 32.3465 = 34.610755 → $34.61.
    assert "1.07 RVU × $32.3465 = $34.61" in html
    assert "Indicator 5: Therapy multiple-procedure payment reduction" in html
    assert "every other unit gets 50% of its practice-expense payment" in html
    assert "At most 4 units per day for one patient (CMS MUE 2026-07-01, effective 2026-07-01)" in html
    assert "date-of-service edit based on policy" in html


def test_g0283_is_payable(client, imported):
    # By hand: 0.38 × 32.3465 = 12.29167 → $12.29.
    assert "0.38 RVU × $32.3465 = $12.29" in text(panel(client, "G0283"))


def test_ncci_pairs_on_the_code_page_with_history_apart(client, imported):
    html = panel(client, "97530")
    current, history = html.split("History:")
    assert f'href="{reverse("codes:code_detail", args=["97140"])}"' in current
    assert "97140 is column 1 and 97530 column 2 (not paid with 97140)" in text(current)
    assert "a 59 or X-modifier (XE, XS, XP, XU) on the column 2 code bypasses the edit" in text(current)
    assert "Effective 2020-01-01" in text(current) and "(CMS 2026 Q3 v32.2, effective 2026-07-01)" in text(current)
    assert "97110" not in current  # deleted: history, not a current edit
    assert "1 deleted pair" in text(history) and "deletion date 2019-12-31" in text(history)
    assert "97530 is column 1 and" in text(history)


def test_a_code_missing_from_the_releases_says_so(client, imported, make_code):
    make_code("97112")
    html = text(panel(client, "97112"))
    assert "CMS RVU25D, effective 2025-10-01 has no row for 97112" in html
    assert "CMS MUE 2026-07-01, effective 2026-07-01 has no MUE row for 97112" in html
    assert "No pair in effect between 97112 and another code in cptref" in html


def test_the_newest_release_comes_first_and_older_ones_are_folded(client, imported, tmp_path):
    newer = write_pfs(
        tmp_path,
        codes=PFS_CODES,
        name="PPRRVU2026_Jan.csv",
        title="2026 National Physician Fee Schedule Relative Value File January Release",
        cf="33.4009",
        pric_ind=True,
    )
    call_command("import_pfs_rvu", str(newer), stdout=io.StringIO())
    html = text(panel(client, "97530"))
    # By hand: 1.07 × 33.4009 = 35.738963 → $35.74.
    assert html.index("CMS RVU26A, effective 2026-01-01") < html.index("Earlier fee schedule releases")
    assert html.index("1.07 RVU × $33.4009 = $35.74") < html.index("CMS RVU25D, effective 2025-10-01")
    assert "1.07 RVU × $32.3465 = $34.61" in html


def test_payment_arithmetic_rounds_half_up_to_cents(imported):
    entry = FeeScheduleEntry.objects.select_related("code").get(code__code="97110")
    # By hand: 0.89 × 32.3465 = 28.788385 → $28.79.
    assert entry.national_nonfacility_amount == Decimal("28.79")
    assert entry.payment_arithmetic() == "0.89 RVU × $32.3465 = $28.79"
    entry.total_nonfacility, entry.conversion_factor = Decimal("1.00"), Decimal("10.0050")
    assert entry.national_nonfacility_amount == Decimal("10.01")  # 10.005: half up, not to even


def test_code_page_query_count_is_flat_with_imports(client, imported, make_code, tmp_path, django_assert_num_queries):
    url = reverse("codes:code_detail", args=["97530"])
    # 12 here: this code has no misconceptions or checklists, so their nested prefetches never run (15 with them,
    # as in tests/test_views.py). The four Medicare prefetches and the release list stay five queries.
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200
    others = [make_code(str(97150 + i)) for i in range(8)]
    rows = [ptp_row("97530", o.code) for o in others] + [ptp_row(o.code, "97530", modifier="0") for o in others]
    call_command("import_ncci_ptp", str(write_ptp(tmp_path, rows, name="ccipra-v321r0-f1.txt")), stdout=io.StringIO())
    newer = write_pfs(
        tmp_path,
        codes=PFS_CODES,
        name="PPRRVU2026_Jan.csv",
        title="2026 National Physician Fee Schedule Relative Value File January Release",
        cf="33.4009",
    )
    call_command("import_pfs_rvu", str(newer), stdout=io.StringIO())
    assert PtpEdit.objects.filter(column1__code="97530", release__release_label="2026 Q2 v32.1").count() == 8
    with django_assert_num_queries(12):
        html = client.get(url).content.decode()
    assert "Earlier NCCI releases" in html and "97157" in html


# --- the units calculator -------------------------------------------------------------------------------------


def visit(client, *rows):
    return client.get("/units/", {"code": [c for c, _ in rows], "minutes": [m for _, m in rows]})


def test_visit_estimate_applies_the_multiple_procedure_reduction(client, imported):
    response = visit(client, ("97110", "30"), ("97530", "15"), ("97010", "10"), ("97014", "10"))
    # By hand. 45 timed minutes → 3 units: 97110 × 2, 97530 × 1; 97010 (B) and 97014 (I) pay nothing.
    # MPPR: 97530 has the highest PE (0.62 > 0.43), so its unit keeps full PE; both 97110 units get 50% PE.
    #   97530: 0.44 + 0.01 + 0.62             = 1.07 RVU × 32.3465 = 34.610755 → $34.61
    #   97110: (0.45 + 0.01) × 2 + 0.43 × 0.5 × 2 = 1.35 RVU × 32.3465 = 43.667775 → $43.67
    #   total $78.28; without the reduction 0.89 × 2 × 32.3465 = $57.58, + $34.61 = $92.19 (reduction $13.91).
    estimate = response.context["visit"]["medicare"]["estimate"]
    assert {line.entry.code.code: line.amount for line in estimate.lines} == {
        "97110": Decimal("43.67"),
        "97530": Decimal("34.61"),
    }
    assert (estimate.total, estimate.full_total, estimate.reduction) == (
        Decimal("78.28"),
        Decimal("92.19"),
        Decimal("13.91"),
    )
    assert sorted(line.entry.code.code for line in estimate.not_paid) == ["97010", "97014"]
    html = text(response.content.decode())
    assert "Estimated national Medicare amount: $78.28" in html
    assert "(work 0.45 + MP 0.01) × 2 + PE 0.43 × 50% × 2 = 1.35 RVU × $32.3465 = $43.67" in html
    assert "(work 0.44 + MP 0.01) × 1 + PE 0.62 × 1 = 1.07 RVU × $32.3465 = $34.61" in html
    assert "Total: $43.67 + $34.61 = $78.28" in html
    assert "An estimate" in html and "no geographic adjustment" in html and "before the deductible, coinsurance" in html
    assert "From CMS RVU25D, effective 2025-10-01" in html
    assert "status B, Bundled" in html and "Medicare’s code is G0283" in html


def test_several_units_of_one_code_keep_full_pe_on_one_unit_only(client, imported):
    estimate = visit(client, ("97110", "45")).context["visit"]["medicare"]["estimate"]
    # By hand: 3 units; (0.45 + 0.01) × 3 + 0.43 + 0.43 × 0.5 × 2 = 1.38 + 0.43 + 0.43 = 2.24 RVU
    #          2.24 × 32.3465 = 72.45616 → $72.46.
    (line,) = estimate.lines
    assert (line.full_pe_units, line.reduced_pe_units, line.rvus, line.amount) == (
        1,
        2,
        Decimal("2.24"),
        Decimal("72.46"),
    )


def test_codes_without_the_reduction_are_paid_in_full(client, imported):
    estimate = visit(client, ("97530", "15"), ("98975", "0")).context["visit"]["medicare"]["estimate"]
    # 98975 (untimed, one unit) has mult-proc 0: full PE. By hand: 0.61 × 32.3465 = 19.731365 → $19.73.
    # 97530 has the highest PE among indicator-5 codes (the only one): full, $34.61.
    amounts = {line.entry.code.code: line.amount for line in estimate.lines}
    assert amounts == {"97530": Decimal("34.61"), "98975": Decimal("19.73")}


def test_ncci_pair_in_a_visit_is_a_warning_with_the_modifier_rule(client, imported):
    html = text(visit(client, ("97140", "15"), ("97530", "15")).content.decode())
    assert "NCCI pair in this visit (CMS 2026 Q3 v32.2, effective 2026-07-01)" in html
    assert "97140 (column 1) with 97530 (column 2)" in html
    assert "a 59 or X-modifier (XE, XS, XP, XU) on the column 2 code bypasses the edit" in html
    html = text(visit(client, ("97110", "15"), ("97530", "15")).content.decode())
    assert "NCCI pair in this visit" not in html  # that pair was deleted in 2019
    assert "No NCCI pair in effect among these codes" in html


def test_units_above_the_mue_are_a_warning(client, imported):
    html = text(visit(client, ("97110", "53")).content.decode())  # 53 minutes → 4 units; test MUE 2
    assert "More units than the MUE (CMS MUE 2026-07-01, effective 2026-07-01)" in html
    assert "97110: 4 units, MUE 2" in html and "may be paid on appeal with documentation" in html
    html = text(visit(client, ("97110", "30")).content.decode())
    assert "More units than the MUE" not in html and "No code above its MUE" in html


def test_units_page_without_imports_says_how_to_load(client, medicare_codes):
    html = text(visit(client, ("97110", "30")).content.decode())
    assert "No Medicare fee schedule loaded" in html and "import_pfs_rvu" in html


def test_units_page_query_count_is_flat_with_imports(client, imported, django_assert_num_queries):
    # Releases, then fee schedule rows, NCCI pairs and MUEs: one query each (6 + 3; these codes have no
    # checklists or misconceptions, whose prefetches therefore never run).
    with django_assert_num_queries(9):
        visit(client, ("97110", "23"))
    with django_assert_num_queries(9):
        visit(client, ("97110", "23"), ("97140", "30"), ("97530", "15"), ("97010", "5"), ("97014", "5"), ("G0283", "9"))


def test_estimate_visit_on_its_own(imported):
    entries = {e.code.code: e for e in FeeScheduleEntry.objects.select_related("code", "release")}
    assert estimate_visit([]) is None and estimate_visit([(entries["97110"], 0)]) is None
    estimate = estimate_visit([(entries["97010"], 1), (entries["G0283"], 1), (entries["97140"], 1)])
    # 97140 (PE 0.40) beats G0283 (PE 0.19): G0283 gets half PE. (0.18 + 0.01) + 0.19 × 0.5 = 0.285 RVU
    # × 32.3465 = 9.2187525 → $9.22; 97140 0.84 × 32.3465 = 27.17106 → $27.17.
    assert {line.entry.code.code: line.amount for line in estimate.lines} == {
        "G0283": Decimal("9.22"),
        "97140": Decimal("27.17"),
    }
    assert estimate.total == Decimal("36.39") and [line.entry.code.code for line in estimate.not_paid] == ["97010"]
    other = MedicareRelease(pk=-1, release_label="other")
    stray = FeeScheduleEntry(release=other, code=entries["97110"].code, mult_proc="5")
    with pytest.raises(ValueError, match="one fee-schedule release"):
        estimate_visit([(entries["97110"], 1), (stray, 1)])


# --- admin ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["medicarerelease", "feescheduleentry", "ptpedit", "mue"])
def test_admin_lists_render_and_nothing_can_be_added_or_changed(admin_client, imported, model):
    assert admin_client.get(reverse(f"admin:codes_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:codes_{model}_changelist"), {"q": "97530"}).status_code == 200
    assert admin_client.get(reverse(f"admin:codes_{model}_add")).status_code == 403
    from django.apps import apps

    obj = apps.get_model("codes", model).objects.first()
    response = admin_client.get(reverse(f"admin:codes_{model}_change", args=[obj.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html  # read-only view
    posted = admin_client.post(reverse(f"admin:codes_{model}_change", args=[obj.pk]), {})
    assert posted.status_code == 403


def test_admin_release_page_shows_provenance_and_links_its_rows(admin_client, imported):
    release = MedicareRelease.objects.get(kind="pfs_rvu")
    html = admin_client.get(reverse("admin:codes_medicarerelease_change", args=[release.pk])).content.decode()
    assert release.sha256 in html and "PPRRVU2025_Oct.csv" in html and "RVU25D" in html
    rows_url = reverse("admin:codes_feescheduleentry_changelist") + f"?release__id__exact={release.pk}"
    assert rows_url.replace("&", "&amp;") in html or rows_url in html
    assert admin_client.get(rows_url).status_code == 200


def test_admin_deletes_a_release_with_its_rows_but_not_rows_alone(admin_client, imported):
    entry = FeeScheduleEntry.objects.first()
    assert admin_client.post(reverse("admin:codes_feescheduleentry_delete", args=[entry.pk]), {}).status_code == 403
    release = MedicareRelease.objects.get(kind="pfs_rvu")
    url = reverse("admin:codes_medicarerelease_delete", args=[release.pk])
    confirm = admin_client.get(url)
    assert confirm.status_code == 200 and "7 fee schedule entries" in confirm.content.decode()
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not FeeScheduleEntry.objects.exists() and MedicareRelease.objects.count() == 2
    assert Mue.objects.count() == 2 and Code.objects.filter(code="97530").exists()
