"""The search index (pathways.search): `SearchEntry` rows, one per published section and written
standard, and the database's own full-text index over them, made with SQL by vendor so that the
model stays the same on every database (`makemigrations` never sees these):

- PostgreSQL: a generated `tsvector` column `document` (the `norwegian` configuration, the title
  weighted A, the text B) and a GIN index on it.
- SQLite: the FTS5 table `pathways_searchentry_fts` over `title` and `text`, with
  `pathways_searchentry` as its external content, and triggers that keep it in step with every
  insert, update and delete. A later migration that makes Django rebuild `pathways_searchentry` on
  SQLite (a changed column) must create the triggers again: run `rebuild_search_index` after it.

Then the index is filled for the versions published before it.
"""

import django.db.models.deletion
from django.db import migrations, models

FTS = "pathways_searchentry_fts"

POSTGRES = [
    """ALTER TABLE pathways_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('norwegian'::regconfig, title), 'A')
        || setweight(to_tsvector('norwegian'::regconfig, text), 'B')
    ) STORED""",
    "CREATE INDEX searchentry_document ON pathways_searchentry USING gin (document)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS searchentry_document",
    "ALTER TABLE pathways_searchentry DROP COLUMN IF EXISTS document",
]
SQLITE = [
    # remove_diacritics 0: "å", "ø" and "æ" are letters of their own in Norwegian, not accented a, o.
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        title, text, content='pathways_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER pathways_searchentry_ai AFTER INSERT ON pathways_searchentry BEGIN
        INSERT INTO {FTS}(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    f"""CREATE TRIGGER pathways_searchentry_ad AFTER DELETE ON pathways_searchentry BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    END""",
    f"""CREATE TRIGGER pathways_searchentry_au AFTER UPDATE ON pathways_searchentry BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO {FTS}(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS pathways_searchentry_ai",
    "DROP TRIGGER IF EXISTS pathways_searchentry_ad",
    "DROP TRIGGER IF EXISTS pathways_searchentry_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def create_index(apps, schema_editor):
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    statements = {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def fill_index(apps, schema_editor):
    from pathways.search import entries_for

    Version = apps.get_model("pathways", "Version")
    VersionSection = apps.get_model("pathways", "VersionSection")
    SearchEntry = apps.get_model("pathways", "SearchEntry")
    for version in Version.objects.all().iterator():
        sections = VersionSection.objects.filter(version=version)
        SearchEntry.objects.bulk_create(entries_for(version, sections, SearchEntry), batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("pathways", "0004_local_versions"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "language",
                    models.CharField(choices=[("nb", "Norwegian Bokmål"), ("nn", "Norwegian Nynorsk")], max_length=2),
                ),
                ("pathway_title", models.CharField(max_length=200)),
                ("slug", models.SlugField(max_length=80)),
                ("title", models.CharField(max_length=200)),
                ("text", models.TextField()),
                (
                    "section",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="pathways.versionsection"
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="pathways.version"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["version", "language"], name="searchentry_version_language")],
                "constraints": [
                    models.UniqueConstraint(fields=("section", "language"), name="searchentry_unique_section_language")
                ],
            },
        ),
        migrations.RunPython(create_index, drop_index, elidable=False),
        migrations.RunPython(fill_index, migrations.RunPython.noop, elidable=False),
    ]
