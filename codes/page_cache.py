"""A page cache for what billers read: anonymous GETs of the public pages, served from memory.

Every cached page's key includes the content generation (one small row, bumped by any change to the app's
models), so an edit saved by any process or server invalidates every process's cache on its next request: no
stale page after a publish. The lookup costs one indexed query. Staff (who see drafts) and admin are never cached.
Set CPTREF_PAGE_CACHE_SECONDS=0 to turn it off.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import ContentGeneration

UNCACHED_PREFIXES = ("/admin/", "/healthz", "/static/")


def current_generation():
    """The generation, or None when the database cannot say (then nothing is cached or served from cache)."""
    try:
        return ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0
    except DatabaseError:
        return None


def bump_generation(**kwargs):
    """Something in the content changed: every cached page is now out of date."""
    if not ContentGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        ContentGeneration.objects.get_or_create(pk=1, defaults={"value": 1})


def _on_change(sender, **kwargs):
    if sender._meta.app_label == "codes" and sender is not ContentGeneration:
        bump_generation()


def connect_signals():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_change, dispatch_uid=f"codes_page_cache_{signal}")


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.CPTREF_PAGE_CACHE_SECONDS
        if (
            not seconds
            or request.method not in ("GET", "HEAD")
            or request.path.startswith(UNCACHED_PREFIXES)
            or request.user.is_authenticated
        ):
            return self.get_response(request)
        generation = current_generation()
        if generation is None:
            return self.get_response(request)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"cptref:page:{generation}:{request.method}:{digest}"
        response = cache.get(key)
        if response is not None:
            return response
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, response, seconds)
        return response
