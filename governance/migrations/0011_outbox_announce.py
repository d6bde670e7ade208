"""On PostgreSQL, each new pending outbox row is announced to the outbox relay
(governance.outbox.relay): `pg_notify('outbox', '<table>:<id>')`, sent when the transaction
commits. Nothing on other databases (no relay there)."""

from django.db import migrations

TABLES = ("governance_notification", "governance_webhookdelivery")

CREATE = """
CREATE FUNCTION governance_outbox_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', TG_TABLE_NAME || ':' || NEW.id);
    RETURN NULL;
END
$$;
""" + "".join(
    f"CREATE TRIGGER {table}_announce AFTER INSERT ON {table} FOR EACH ROW "
    f"WHEN (NEW.status = 'pending') EXECUTE FUNCTION governance_outbox_announce();\n"
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_announce ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS governance_outbox_announce();"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("governance", "0010_webhooks")]

    operations = [migrations.RunPython(create, drop)]
