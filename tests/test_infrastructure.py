import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_pending_migrations():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


def test_search_index_expression_matches_the_query_expression():
    from codes.migration_ops import search_indexes
    from codes.models import MISCONCEPTION_SEARCH_VECTOR

    (index,) = [index for model, index in search_indexes() if model == "misconception"]
    assert index.expressions[0].deconstruct() == MISCONCEPTION_SEARCH_VECTOR.deconstruct()


@pytest.mark.django_db
def test_search_indexes_exist_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-only indexes")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_gin'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"code_search_vector_gin", "code_trigram_gin", "misconception_search_gin"} <= names
