import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Local use only (DEBUG on): create an admin account with a random password if no superuser exists."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to create a default superuser with DEBUG off; use createsuperuser.")
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists: log in to /admin/ with it (or run createsuperuser).")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "", password)
        self.stdout.write(
            self.style.WARNING(f"Created admin user 'admin' with password {password} (shown once; change it in admin).")
        )
