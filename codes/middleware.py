from django.conf import settings
from django.contrib.auth.views import redirect_to_login

# Reachable without signing in even when CPTREF_LOGIN_REQUIRED is on: sign-in itself, health checks, static files.
OPEN_PREFIXES = ("/admin/", "/healthz", "/static/")


class LoginRequiredMiddleware:
    """With CPTREF_LOGIN_REQUIRED on, every public page asks for a login first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.CPTREF_LOGIN_REQUIRED
            and not request.user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
