from django.db import migrations, models

# The accounts seed_demo made before the flag existed: its names, with its e-mail addresses.
EARLIER_DEMO_USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]


def mark_earlier_demo_users(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for username in EARLIER_DEMO_USERS:
        User.objects.filter(username=username, email=f"{username}@example.com").update(
            is_demo=True
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_username_case_insensitive_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="is_demo",
            field=models.BooleanField(
                default=False, help_text="Made by seed_demo: demo data touches only these accounts."
            ),
        ),
        migrations.RunPython(mark_earlier_demo_users, migrations.RunPython.noop),
    ]
