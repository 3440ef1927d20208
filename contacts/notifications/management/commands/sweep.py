"""Run every minute (make run does; cron or a timer in production): retries lost email tasks, escalates emergencies."""

import logging
import time

from django.core.management.base import BaseCommand

from accounts.outbox import outbox_sweep
from contacts.drafts import drafts_purge
from contacts.notifications.services import broadcasts_resume, escalate_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Give emails and broadcasts a killed worker left behind a new task, and send emergencies nobody acknowledged "
        "in 30 minutes again, to the partner's Admins too; delete contact form drafts older than 30 days. "
        "Once, or every N seconds with --every N."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every this many seconds, until stopped.")

    def handle(self, *args, every, **options):
        while True:
            try:
                emails, emergencies, broadcasts = outbox_sweep(), escalate_due(), broadcasts_resume()
                drafts = drafts_purge()  # unsaved contact form drafts older than 30 days
            except Exception:
                if not every:
                    raise
                # One bad minute (the database restarting, say) must not stop escalations for good.
                logger.exception("The sweep failed; trying again in %s s.", every)
            else:
                if emails or emergencies or broadcasts or drafts or not every:
                    self.stdout.write(
                        f"Emails handed back to the worker: {emails}. Emergencies escalated: {emergencies}. "
                        f"Broadcasts resumed: {broadcasts}. Expired drafts deleted: {drafts}."
                    )
            if not every:
                return
            time.sleep(every)
