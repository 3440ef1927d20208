from django.db import migrations
from django.db.models import OuterRef, Subquery


def record_drafts(apps, schema_editor):
    """Every membership's draft_saved_at, from its draft (contacts.drafts keeps it after)."""
    ContactDraft = apps.get_model("contacts", "ContactDraft")
    Membership = apps.get_model("partners", "Membership")
    saved = ContactDraft.objects.filter(membership=OuterRef("pk")).values("updated_at")[:1]
    Membership.objects.filter(pk__in=ContactDraft.objects.values("membership")).update(draft_saved_at=Subquery(saved))


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_onboarding_drafts_and_review"),
        ("partners", "0005_membership_draft_saved_at"),
    ]

    operations = [migrations.RunPython(record_drafts, migrations.RunPython.noop)]
