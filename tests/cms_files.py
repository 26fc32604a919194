"""Small CMS files written by tests in the real layouts (see ../shared/cms/README.md), and where the real excerpts are.

Figures in PFS_ROWS are copied from CMS's RVU25D relative value file (public data); descriptors read REDACTED,
as in the excerpts. The NCCI pairs and MUE values written by tests are test data, not CMS's.
"""

import os
from pathlib import Path

import pytest

CMS_DIR = Path(os.environ.get("CPTREF_CMS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "cms")
PFS_EXCERPT = "PPRRVU2025_Oct.excerpt.csv"
PTP_EXCERPT = "ccipra-v322r0-f1.excerpt.txt"
MUE_EXCERPT = "MCR_MUE_PractitionerServices_Eff_07-01-2026.excerpt.csv"


def cms_excerpt(name):
    path = CMS_DIR / name
    if not path.is_file():
        pytest.skip(f"CMS excerpt {name} not found in {CMS_DIR} (set CPTREF_CMS_DIR to the folder holding them)")
    return path


# The relative value file's title lines and five header rows, as in the 2025 October release.
PFS_TITLE = [
    ",,{title},,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,CPT codes and descriptions only are copyright 2024 American Medical Association.  All Rights Reserved.  "
    "Applicable FARS/DFARS Apply. ,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,Dental codes (D codes) are copyright 2025/26 American Dental Association.  All Rights Reserved.,,,,,,,,,,,,,,,"
    ",,,,,,,,,,,,,",
    ",, ,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,RELEASED {released},,,,,,,,,,,,,,,,,,,,,,,,,,,,",
]
PFS_HEADER = [
    ",, , ,,,,,,,,,,,,,,,,,,,,,,,,,NON-FACILITY,FACILITY,",
    ",,,,NOT USED,,,,,,,,,,,,,,,,,,,,,PHYSICIAN,,DIAGNOSTIC,PE USED,PE USED,MP USED",
    ",,,,FOR,,,NON-FAC,,FACILITY ,,,,,,,,,,,,,,,,SUPERVISION OF,,IMAGING,FOR OPPS,FOR OPPS,FOR OPPS",
    ",,,STATUS,MEDICARE ,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,PRE,INTRA,POST,MULT,BILAT,"
    "ASST,CO-,TEAM,ENDO,CONV,DIAGNOSTIC,CALCULATION,FAMILY,PAYMENT,PAYMENT,PAYMENT",
    "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,IND,DAYS,OP,OP,OP,PROC,"
    "SURG,SURG,SURG,SURG,BASE,FACTOR,PROCEDURES,FLAG,INDICATOR,AMOUNT,AMOUNT,AMOUNT",
]
TEAM_SURG = 22  # PRIC IND comes right after it in the 2026 layout

# code: (status, not used for Medicare payment, work, PE non-facility, MP, total non-facility, PC/TC, mult proc)
PFS_ROWS = {
    "97010": ("B", "+", "0.06", "0.13", "0.01", "0.20", "9", "9"),
    "97012": ("A", "", "0.25", "0.18", "0.01", "0.44", "7", "5"),
    "97014": ("I", "+", "0.18", "0.19", "0.01", "0.38", "9", "9"),
    "97032": ("A", "", "0.25", "0.18", "0.01", "0.44", "7", "5"),
    "97110": ("A", "", "0.45", "0.43", "0.01", "0.89", "7", "5"),
    "97140": ("A", "", "0.43", "0.40", "0.01", "0.84", "7", "5"),
    "97530": ("A", "", "0.44", "0.62", "0.01", "1.07", "7", "5"),
    "98975": ("A", "", "0.00", "0.59", "0.02", "0.61", "0", "0"),
    "G0283": ("A", "", "0.18", "0.19", "0.01", "0.38", "7", "5"),
}


def pfs_row(code, figures=None, cf="32.3465", description="REDACTED", pric_ind=None):
    status, not_used, work, pe, mp, total, pctc, mult = figures or PFS_ROWS[code]
    cells = [code, "", description, status, not_used, work, pe, "", pe, "NA", mp, total, total, pctc, "XXX"]
    cells += ["0.00", "0.00", "0.00", mult, "0", "0", "0", "0", "", cf, "09", "0", "99", "0.00", "0.00", "0.00"]
    if pric_ind is not None:
        cells.insert(TEAM_SURG + 1, pric_ind)
    return ",".join(cells)


def write_pfs(
    folder,
    codes=("97010", "97014", "97110", "97530", "G0283"),
    name="PPRRVU2025_Oct.csv",
    title="2025 National Physician Fee Schedule Relative Value File October Release",
    released="09/11/2025",
    cf="32.3465",
    pric_ind=False,
    rows=None,
    with_title=True,
):
    """A relative value file in the real layout; `pric_ind`: the 2026 layout with PRIC IND after TEAM SURG."""
    header = list(PFS_HEADER)
    if pric_ind:
        header = [
            _insert_cell(line, TEAM_SURG + 1, cell)
            for line, cell in zip(header, ["", "", "", "PRIC", "IND"], strict=True)
        ]
    lines = [t.format(title=title, released=released) for t in PFS_TITLE] if with_title else []
    lines += header
    lines += rows if rows is not None else [pfs_row(c, cf=cf, pric_ind="0" if pric_ind else None) for c in codes]
    return _write(folder / name, lines)


def _insert_cell(line, index, cell):
    cells = line.split(",")
    cells.insert(index, cell)
    return ",".join(cells)


PTP_HEADER = [
    "CPT only copyright 2025 American Medical Association.  All rights reserved.\t\t\t\t\t\t",
    "Column1/Column2 Edits\t\t\t\t\t\t",
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale",
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t",
    "\t\t\t\t*=no data\t1=allowed\t",
    "\t\t\t\t\t9=not applicable\t",
]


def ptp_row(col1, col2, effective="20200101", deleted="*", modifier="1", rationale="Mutually exclusive procedures"):
    return "\t".join([col1, col2, "", effective, deleted, modifier, rationale])


def write_ptp(folder, rows, name="ccipra-v322r0-f1.txt"):
    return _write(folder / name, PTP_HEADER + rows)


MUE_NOTICE = (
    '"Current Procedural Terminology (CPT) codes, descriptions and other data only are copyright 2025 American '
    "Medical Association. All rights reserved. \n\nApplicable FARS/DFARS Restrictions Apply to Government Use. \n\n"
    'Fee schedules, relative value units, conversion factors and/or related components are not assigned by the AMA.",,,'
)
MUE_HEADER = '"HCPCS/\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale'
MUE_WORDS = {"1": "1 Line Edit", "2": "2 Date of Service Edit: Policy", "3": "3 Date of Service Edit: Clinical"}


def mue_row(code, value, indicator="3", rationale="Nature of Service/Procedure"):
    return f"{code},{value},{MUE_WORDS[indicator]},{rationale}"


def write_mue(folder, rows, name="MCR_MUE_PractitionerServices_Eff_07-01-2026.csv", header=MUE_HEADER):
    return _write(folder / name, [MUE_NOTICE, header] + rows, newline="\n")


def _write(path, lines, newline="\r\n"):
    path.write_bytes(newline.join(lines).encode("latin-1") + newline.encode())
    return path
