"""pg_trgm and a trigram index on the proposal's description, for suggesting likely duplicates
(governance.duplicates). PostgreSQL only: on SQLite both steps do nothing and no duplicates are
suggested.

The index is made with SQL rather than declared on the model, so the model stays the same on every
database; `makemigrations` therefore never sees it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "proposal_description_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON governance_changeproposal USING gin (description gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_proposal_outcomes_and_audit"),
    ]

    operations = [
        # Does nothing outside PostgreSQL. pg_trgm is a trusted extension (PostgreSQL 13+): the
        # database's owner may create it without being a superuser.
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
