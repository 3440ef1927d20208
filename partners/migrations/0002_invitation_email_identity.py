"""Invitations get the canonical form and skeleton of their address, as users do."""

from django.db import migrations, models

import accounts.validators

from accounts.identity import canonical_email, email_skeleton


def fill(apps, schema_editor):
    Invitation = apps.get_model("partners", "Invitation")
    for invitation in Invitation.objects.all():
        invitation.email_canonical = canonical_email(invitation.email)
        invitation.email_skeleton = email_skeleton(invitation.email)
        invitation.save(update_fields=["email_canonical", "email_skeleton"])


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="email_canonical",
            field=models.CharField(max_length=320, default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invitation",
            name="email_skeleton",
            field=models.CharField(max_length=320, default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="invitation",
            name="email_canonical",
            field=models.CharField(max_length=320, db_index=True, editable=False),
        ),
        migrations.AlterField(
            model_name='partner',
            name='name',
            field=models.CharField(max_length=200, validators=[accounts.validators.validate_no_format_characters], verbose_name='name'),
        ),
    ]
