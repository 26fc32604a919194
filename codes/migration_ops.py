"""Migration operations that only act on PostgreSQL, so the same migrations run on SQLite.

The search indexes (GIN on the stored vector and on the misconception text expression, trigram GIN for typos) are
PostgreSQL-only. They are not in the models' Meta.indexes on purpose: SQLite rebuilds a table on many schema
changes and would then try to create them, which fails (`'english'::regconfig` is not SQLite). They are created
here, with Django building the exact expression that codes/search.py queries, so the planner can use them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def search_indexes():
    """(model name, index) pairs; the misconception expression must equal MISCONCEPTION_SEARCH_VECTOR."""
    return [
        ("code", GinIndex(fields=["search_vector"], name="code_search_vector_gin")),
        ("code", GinIndex(fields=["lay_terms", "title"], opclasses=["gin_trgm_ops"] * 2, name="code_trigram_gin")),
        (
            "misconception",
            GinIndex(SearchVector("myth", "correction", config="english"), name="misconception_search_gin"),
        ),
    ]


class PostgresSearchIndexes(migrations.operations.base.Operation):
    """Create the search indexes on PostgreSQL; do nothing elsewhere. Changes no model state."""

    reversible = True
    reduces_to_sql = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for model_name, index in search_indexes():
                schema_editor.add_index(to_state.apps.get_model(app_label, model_name), index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for model_name, index in search_indexes():
                schema_editor.remove_index(from_state.apps.get_model(app_label, model_name), index)

    def describe(self):
        return "Create the PostgreSQL search indexes (GIN full text and trigram)"


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
