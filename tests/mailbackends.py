"""Email backends for worker processes under test, chosen with EMAIL_BACKEND and configured by the environment.

A worker runs in another process, so what it sends cannot be read from `mail.outbox`: these backends write one
line per message to the file named by TEST_MAIL_LOG, with a single append each, so that several workers can
share the file. (Django's file-based backend needs its directory in MAILERS' OPTIONS, which the settings do not
read from the environment.)
"""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend

LOG = "TEST_MAIL_LOG"  # one line per message sent: "<to>\t<subject>"
BLOCK = "TEST_MAIL_BLOCK"  # while this file exists, sending waits (a worker can be killed mid-send)


def sent_lines(path):
    """The lines an appending backend wrote to `path`: one per message sent."""
    try:
        with open(path, encoding="utf-8") as log:
            return log.read().splitlines()
    except FileNotFoundError:
        return []


class AppendingBackend(BaseEmailBackend):
    """Sends by appending "<to>\\t<subject>" to TEST_MAIL_LOG, one atomic write per message."""

    def send_messages(self, messages):
        path = os.environ[LOG]
        for message in messages:
            message.message()  # what a real backend would check before sending
            line = f"{','.join(message.to)}\t{message.subject}\n".encode()
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, line)  # O_APPEND: whole lines, even from two processes at once
            finally:
                os.close(descriptor)
        return len(messages)


class BlockingBackend(AppendingBackend):
    """Waits while the TEST_MAIL_BLOCK file exists, then sends like AppendingBackend: a worker stuck mid-send."""

    def send_messages(self, messages):
        while os.path.exists(os.environ[BLOCK]):
            time.sleep(0.05)
        return super().send_messages(messages)


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every connection."""

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")
