from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pathways", "0001_initial"),
    ]

    operations = [
        # A boolean with a default: existing profiles get True (digests on) in the same statement.
        migrations.AddField(
            model_name="profile",
            name="digests_enabled",
            field=models.BooleanField(default=True, verbose_name="daily digest"),
        ),
    ]
