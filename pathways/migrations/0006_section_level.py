from django.db import migrations, models

# The default level of each service when this migration was written (pathways.models.SERVICE_LEVELS
# may change later; what existing rows were given may not).
SERVICE_LEVELS = {
    "gp": "universal",
    "health_station": "universal",
    "educational_psychology": "early_help",
    "child_welfare": "early_help",
    "municipal_mental_health": "early_help",
    "camhs": "specialised",
}


def fill_levels(apps, schema_editor):
    # Published sections too: a version's rows are immutable to the application, but they never had
    # a level, and the service map of the current version must group them. A queryset update does
    # not go through VersionSection.save().
    for model_name in ("Section", "VersionSection"):
        model = apps.get_model("pathways", model_name)
        for service, level in SERVICE_LEVELS.items():
            model.objects.filter(kind="service", service=service, level="").update(level=level)


class Migration(migrations.Migration):
    dependencies = [
        ("pathways", "0005_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="adaptedsection",
            name="level",
            field=models.CharField(
                blank=True,
                choices=[
                    ("universal", "Universal services"),
                    ("early_help", "Early help"),
                    ("specialised", "Specialised services"),
                ],
                default="",
                max_length=20,
                verbose_name="level in the intervention pyramid",
            ),
        ),
        migrations.AddField(
            model_name="section",
            name="level",
            field=models.CharField(
                blank=True,
                choices=[
                    ("universal", "Universal services"),
                    ("early_help", "Early help"),
                    ("specialised", "Specialised services"),
                ],
                default="",
                max_length=20,
                verbose_name="level in the intervention pyramid",
            ),
        ),
        migrations.AddField(
            model_name="versionsection",
            name="level",
            field=models.CharField(
                blank=True,
                choices=[
                    ("universal", "Universal services"),
                    ("early_help", "Early help"),
                    ("specialised", "Specialised services"),
                ],
                default="",
                max_length=20,
                verbose_name="level in the intervention pyramid",
            ),
        ),
        migrations.RunPython(fill_levels, migrations.RunPython.noop),
    ]
