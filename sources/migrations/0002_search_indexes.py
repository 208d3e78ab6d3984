"""Search indexes for PostgreSQL only: full-text GIN indexes on exactly the expressions that
claims.search builds, and trigram indexes for misspelled names. SQLite has neither, so the
operations run only when the database is PostgreSQL."""

from django.db import migrations

INDEXES = {
    # Full-text search over documents (claims.search: SearchVector("title", "text")).
    "document_search": (
        "sources_document",
        "USING gin (to_tsvector('english'::regconfig, "
        "COALESCE(title, '') || ' ' || COALESCE(text, '')))",
    ),
    # Full-text search over actor names and aliases (SearchVector("name")).
    "actor_search": (
        "sources_actor",
        "USING gin (to_tsvector('english'::regconfig, COALESCE(name, '')))",
    ),
    "actor_alias_search": (
        "sources_actoralias",
        "USING gin (to_tsvector('english'::regconfig, COALESCE(name, '')))",
    ),
    # Trigram fallback for misspelled names (name__trigram_similar).
    "actor_name_trgm": ("sources_actor", "USING gin (name gin_trgm_ops)"),
    "actor_alias_name_trgm": ("sources_actoralias", "USING gin (name gin_trgm_ops)"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, using) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {using}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
