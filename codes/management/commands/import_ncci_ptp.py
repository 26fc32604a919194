from codes.medicare_import import import_ncci_ptp

from ._medicare import MedicareImportCommand


class Command(MedicareImportCommand):
    help = (
        "Import one quarter of CMS's NCCI procedure-to-procedure edits for practitioners (every part, e.g. "
        "ccipra-v322r0-f1.txt … -f4.txt, in one command: one release). Keeps pairs whose codes are both in cptref."
    )
    importer = staticmethod(import_ncci_ptp)
    many_files = True
