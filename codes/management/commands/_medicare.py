"""Shared parts of the three CMS import commands (import_pfs_rvu, import_ncci_ptp, import_mue)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from codes.medicare_import import PROGRESS_EVERY, MedicareImportError


def _date(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--effective-on must be a date such as 2025-10-01, not “{text}”.") from None


class MedicareImportCommand(BaseCommand):
    """Thin wrapper: parse arguments, call the importer, print its summary; any failure is a CommandError."""

    importer = None  # a function from codes.medicare_import
    many_files = False

    def add_arguments(self, parser):
        parser.add_argument("files" if self.many_files else "file", nargs="+" if self.many_files else None)
        parser.add_argument("--label", help="Release name when the file does not say (e.g. RVU25D).")
        parser.add_argument(
            "--effective-on", type=_date, help="First date of service, YYYY-MM-DD, when not in the file."
        )
        parser.add_argument(
            "--progress-every", type=int, default=PROGRESS_EVERY, help="Print a progress line every N rows (0: never)."
        )

    def handle(self, *args, label=None, effective_on=None, progress_every=PROGRESS_EVERY, **options):
        files = options["files"] if self.many_files else options["file"]
        if isinstance(effective_on, str):  # call_command(…, effective_on="2025-10-01") skips argparse's type
            effective_on = _date(effective_on)
        try:
            result = type(self).importer(
                files,
                label=label,
                effective_on=effective_on,
                progress=lambda line: self.stderr.write(line),
                progress_every=progress_every,
            )
        except MedicareImportError as exc:
            raise CommandError(f"Nothing was imported: {exc}") from None
        style = self.style.SUCCESS if result.created else self.style.WARNING
        self.stdout.write(style(result.summary()))
