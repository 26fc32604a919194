from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

CURATED = ["source", "category", "code", "codeconfusion", "misconception", "checklist", "checklistitem", "figure"]
PUBLISHABLE = ["code", "misconception", "checklist"]
# Imported CMS figures: everyone may look; reviewers may delete a release (its rows go with it) to re-import it.
MEDICARE = ["medicarerelease", "feescheduleentry", "ptpedit", "mue"]

# Curators write drafts (their saves are never public until reviewed); reviewers also publish, review and delete.
ROLES = {
    "Curator": [f"{action}_{model}" for model in CURATED for action in ("view", "add", "change")]
    + ["delete_codeconfusion", "delete_checklistitem"]
    + [f"view_{model}" for model in MEDICARE],
    "Reviewer": [f"{action}_{model}" for model in CURATED for action in ("view", "add", "change", "delete")]
    + [f"publish_{model}" for model in PUBLISHABLE]
    + [f"view_{model}" for model in MEDICARE]
    + ["delete_medicarerelease"],
}


class Command(BaseCommand):
    help = "Create or update the Curator and Reviewer groups and their permissions (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, codenames in ROLES.items():
            group, created = Group.objects.get_or_create(name=name)
            wanted = set(Permission.objects.filter(content_type__app_label="codes", codename__in=codenames))
            missing = set(codenames) - {p.codename for p in wanted}
            if missing:
                raise RuntimeError(f"Unknown permissions {sorted(missing)}: run migrate first")
            current = set(group.permissions.all())
            if current != wanted:
                group.permissions.set(wanted)
            state = "created" if created else "updated" if current != wanted else "unchanged"
            self.stdout.write(f"{name}: {state} ({len(wanted)} permissions)")
        self.stdout.write(
            "Give each person a staff account (is_staff) in admin and add them to one group. Billers need no account."
        )
