"""The client's address for django-axes' lockout, trusting X-Forwarded-For only as far as our own proxies."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or with DJANGO_TRUSTED_PROXY_COUNT=N the Nth X-Forwarded-For entry from the right.

    Entries to the left of that were written by the client and can be forged, so they are never used.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
