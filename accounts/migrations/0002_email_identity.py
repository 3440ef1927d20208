"""Every address gets its canonical form (exact lookups) and its skeleton (look-alike refusal)."""

from django.db import migrations, models

import accounts.validators

from accounts.identity import canonical_email, email_skeleton


def fill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    seen = {"email_canonical": set(), "email_skeleton": set()}
    for user in User.objects.order_by("pk"):
        values = {"email_canonical": canonical_email(user.email), "email_skeleton": email_skeleton(user.email)}
        for field, value in values.items():
            # Two accounts made before this migration may share a form (a look-alike already signed up):
            # the older keeps it; the newer gets a unique marker, so neither is ever taken for the other.
            if value in seen[field]:
                value = f"{value}#{user.pk}"
            seen[field].add(value)
            setattr(user, field, value)
        user.save(update_fields=list(values))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="user_email_ci_unique"),
        migrations.AddField(
            model_name="user", name="email_canonical", field=models.CharField(max_length=320, null=True, editable=False)
        ),
        migrations.AddField(
            model_name="user", name="email_skeleton", field=models.CharField(max_length=320, null=True, editable=False)
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="email_canonical",
            field=models.CharField(max_length=320, unique=True, editable=False),
        ),
        migrations.AlterField(
            model_name="user",
            name="email_skeleton",
            field=models.CharField(max_length=320, unique=True, editable=False),
        ),
        migrations.AlterField(
            model_name='user',
            name='name',
            field=models.CharField(blank=True, max_length=150, validators=[accounts.validators.validate_no_format_characters], verbose_name='name'),
        ),
    ]
