from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using, **kwargs):
    from .search import ensure_sqlite_index

    ensure_sqlite_index(connections[using])


class CodesConfig(AppConfig):
    name = "codes"
    verbose_name = "Codes and reference data"

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="codes_search_index")
        from .page_cache import connect_signals

        connect_signals()
