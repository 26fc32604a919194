from django.core.management.base import BaseCommand

from codes.refdata import REFERENCE_DIR, export_reference


class Command(BaseCommand):
    help = "Write the database back to the curated reference files, so admin edits can be reviewed as diffs."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(REFERENCE_DIR), help="Folder to write the reference JSON files to.")

    def handle(self, *args, dir, **options):
        changed = export_reference(dir)
        if not changed:
            self.stdout.write("Reference files already match the database.")
        for path in changed:
            self.stdout.write(f"wrote {path}")
