from codes.medicare_import import import_pfs_rvu

from ._medicare import MedicareImportCommand


class Command(MedicareImportCommand):
    help = (
        "Import a CMS Physician Fee Schedule relative value file (PPRRVU….csv from the RVU release zip): status, "
        "RVUs, indicators and conversion factor for the codes in cptref. One transaction; re-importing changes nothing."
    )
    importer = staticmethod(import_pfs_rvu)
