from django.db import migrations, models
from django.db.models import Max
from django.utils import timezone


def record_open_invitations(apps, schema_editor):
    """Every partner's invitations_open_until, from its pending invitations (partners.services keeps it after)."""
    Invitation = apps.get_model("partners", "Invitation")
    Partner = apps.get_model("partners", "Partner")
    pending = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    for row in pending.values("partner").annotate(until=Max("expires_at")):
        Partner.objects.filter(pk=row["partner"]).update(invitations_open_until=row["until"])


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_membership_draft_saved_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="partner",
            name="invitations_open_until",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="invitations open until"),
        ),
        migrations.RunPython(record_open_invitations, migrations.RunPython.noop),
    ]
