"""A badge key on every project (a different random one for each existing project), and
the service counters of the Prometheus metrics."""

import secrets

from django.db import migrations, models

import readiness.models


def fill_badge_keys(apps, schema_editor):
    # AddField would give every existing project the same key (a callable default is
    # evaluated once): each gets its own.
    Project = apps.get_model("readiness", "Project")
    for project in Project.objects.only("pk"):
        project.badge_key = secrets.token_urlsafe(18)
        project.save(update_fields=["badge_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0011_notifications"),
    ]

    operations = [
        migrations.CreateModel(
            name="ServiceCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                ("value", models.BigIntegerField(default=0, verbose_name="value")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "service counter",
                "verbose_name_plural": "service counters",
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="project",
            name="badge_key",
            field=models.CharField(default="", max_length=64, verbose_name="badge key"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_badge_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="project",
            name="badge_key",
            field=models.CharField(
                default=readiness.models.badge_key_new,
                help_text="The key of the badge URLs; a new one makes the old URLs answer 404.",
                max_length=64,
                verbose_name="badge key",
            ),
        ),
    ]
