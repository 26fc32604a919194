from codes.medicare_import import import_mue

from ._medicare import MedicareImportCommand


class Command(MedicareImportCommand):
    help = (
        "Import CMS's practitioner services MUE file (MCR_MUE_PractitionerServices_Eff_….csv): units-per-day limits "
        "for the codes in cptref. One transaction; re-importing changes nothing."
    )
    importer = staticmethod(import_mue)
