"""Settings for pytest: the normal settings with testing conveniences (no secret needed, plain static storage)."""

import os

os.environ.setdefault("DJANGO_TESTING", "true")

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation in tests
