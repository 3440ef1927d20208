"""Run every minute (make run does; cron or a timer in production): retries lost email tasks, escalates emergencies."""

import time

from django.core.management.base import BaseCommand

from accounts.outbox import outbox_sweep
from notifications.services import escalate_due


class Command(BaseCommand):
    help = (
        "Give emails a killed worker left behind a new task, and send emergencies nobody acknowledged in 30 minutes "
        "again, to the partner's Admins too. Once, or every N seconds with --every N."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every this many seconds, until stopped.")

    def handle(self, *args, every, **options):
        while True:
            emails, emergencies = outbox_sweep(), escalate_due()
            if emails or emergencies or not every:
                self.stdout.write(f"Emails handed back to the worker: {emails}. Emergencies escalated: {emergencies}.")
            if not every:
                return
            time.sleep(every)
