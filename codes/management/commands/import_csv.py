import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from codes.csv_io import KINDS, CsvImportError, import_csv


class Command(BaseCommand):
    help = "Import codes or misconceptions from CSV (the admin export's columns). All rows or none."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; commit nothing.")

    def handle(self, *args, kind, file, dry_run, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None

        def progress(rows):
            sys.stderr.write(f"\r{rows} rows checked…")
            sys.stderr.flush()

        try:
            report = import_csv(kind, text, dry_run=dry_run, progress=progress)
        except CsvImportError as exc:
            raise CommandError("Nothing was imported:\n  " + "\n  ".join(exc.errors)) from None
        sys.stderr.write("\n" if report.rows >= 100 else "")
        prefix = "Dry run, nothing saved. " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
