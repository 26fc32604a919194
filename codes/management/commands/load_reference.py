from django.core.management.base import BaseCommand, CommandError

from codes.refdata import REFERENCE_DIR, ReferenceDataError, load_reference


class Command(BaseCommand):
    help = "Load the curated reference files into the database (upsert by natural key; all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(REFERENCE_DIR), help="Folder holding the reference JSON files.")

    def handle(self, *args, dir, **options):
        try:
            report = load_reference(dir)
        except ReferenceDataError as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from None
        self.stdout.write(self.style.SUCCESS(report.summary()))
