"""Notification throughput through real `db_worker` processes (not part of `make test`): run
`.venv/bin/python bench/notifications.py`.

a. Deliveries per second: N emails queued through the outbox, then one `manage.py db_worker --batch` process
   (Django's locmem email backend) drains the queue; on SQLite and PostgreSQL, rounds interleaved.
b. Fan-out of one announcement to 10,000 partners (3 technical non-emergency contacts each, so 30,000
   deliveries) on PostgreSQL: deliveries enqueued per second by the `broadcast_fan_out` tasks of a worker,
   which sends the emails as well (every task has the broadcast's priority, first queued first run).

Each run uses throw-away databases (a SQLite file under /tmp and the PostgreSQL database portal_bench_notify,
dropped at the end), never db.sqlite3 or `test`. The figures are medians of interleaved rounds, with their
spread, as ../shared/BENCHMARKING.md asks; the section "Notifications" of bench/results.md is rewritten.

Internally the script also runs itself as `bench/notifications.py step <name> ...` in a subprocess with Django set
up on one database: queueing, seeding and reading the task timings stay out of the timed worker processes.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
FAN_OUT_ROUNDS = int(os.environ.get("BENCH_FAN_OUT_ROUNDS", "3"))
EMAILS = int(os.environ.get("BENCH_EMAILS", "2000"))
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "10000"))
CONTACTS = 3  # technical non-emergency contacts per partner: who an announcement goes to
SQLITE_PATH = Path("/tmp/portal-bench-notify.sqlite3")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "portal_bench_notify"
RESULTS = ROOT / "bench" / "results.md"
SECTION = "## Notifications"
SEND = "accounts.outbox.email_send"
FAN_OUT = "contacts.notifications.services.broadcast_fan_out"


# --- The steps, run in a subprocess with Django set up on one database ------------------------------------------


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _clear():
    """Empty the outbox, the notifications and the task queue (raw deletes: no per-row signals or cascades)."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from accounts.models import OutgoingEmail
    from contacts.notifications.models import Broadcast, Delivery, Notification

    with connection.cursor() as cursor:
        for model in (Delivery, Notification, Broadcast, OutgoingEmail, DBTaskResult):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}"')


def step_migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {}


def step_queue(count):
    """`count` emails queued as the portal queues them: one insert, one dispatch task at commit."""
    from django.db import transaction

    from accounts.outbox import email_build, emails_queue

    _clear()
    with transaction.atomic():
        emails_queue(
            [
                email_build(to=f"person{n}@example.com", subject=f"Message {n}", body="Hello.\n" * 20, language="en")
                for n in range(int(count))
            ]
        )
    return {}


def _span(tasks):
    """Seconds from the first task's start to the last one's end, and the tasks' own seconds."""
    from django.db.models import Max, Min

    rows = list(tasks.values_list("started_at", "finished_at"))
    bounds = tasks.aggregate(first=Min("started_at"), last=Max("finished_at"))
    own = sum((end - start).total_seconds() for start, end in rows)
    return (bounds["last"] - bounds["first"]).total_seconds(), own, len(rows)


def step_delivery_timings():
    from django_tasks_db.models import DBTaskResult

    from accounts.models import OutgoingEmail

    span, own, tasks = _span(DBTaskResult.objects.all())
    sent = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count()
    failed_tasks = DBTaskResult.objects.exclude(status="SUCCESSFUL").count()
    return {"span": span, "own": own, "tasks": tasks, "sent": sent, "failed_tasks": failed_tasks}


def step_seed(partners):
    """`partners` partners with CONTACTS technical non-emergency contacts each, made with bulk_create (kept)."""
    from django.db import transaction

    from contacts.models import Contact, ContactInformation
    from partners.models import Partner

    partners = int(partners)
    if Partner.objects.count() == partners:
        return {"partners": partners}
    Partner.objects.all().delete()
    with transaction.atomic():
        made = Partner.objects.bulk_create(
            Partner(name=f"Partner {n}", integration="reservations") for n in range(partners)
        )
        infos = ContactInformation.objects.bulk_create(ContactInformation(partner=p) for p in made)
        Contact.objects.bulk_create(
            Contact(contact_information=info, category="technical_non_emergency", email=f"dev{i}@p{info.pk}.example")
            for info in infos
            for i in range(CONTACTS)
        )
    return {"partners": partners}


def step_broadcast():
    from contacts.notifications.services import broadcast_create

    _clear()
    broadcast = broadcast_create(kind="announcement", subject="Maintenance on Sunday", body="Hello.", operator=None)
    return {"broadcast": broadcast.pk}


def step_fan_out_timings():
    from django_tasks_db.models import DBTaskResult

    from accounts.models import OutgoingEmail
    from contacts.notifications.models import Broadcast, Delivery

    broadcast = Broadcast.objects.get()
    fan_outs = DBTaskResult.objects.filter(task_path=FAN_OUT)
    first_start = fan_outs.order_by("started_at").values_list("started_at", flat=True).first()
    span, own, tasks = _span(fan_outs)
    everything, _own, _tasks = _span(DBTaskResult.objects.all())
    return {
        "deliveries": Delivery.objects.count(),
        "sent": OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count(),
        "fan_out_tasks": tasks,
        "fan_out_own": own,  # seconds the worker spent in fan-out tasks
        "fan_out_span": span,  # first fan-out start to last fan-out end (the worker sends meanwhile)
        "queued_to_last_fan_out": (broadcast.finished_at - broadcast.created_at).total_seconds(),
        "start_delay": (first_start - broadcast.created_at).total_seconds(),
        "all_tasks_span": everything,
        "failed_tasks": DBTaskResult.objects.exclude(status="SUCCESSFUL").count(),
    }


# --- The orchestrator: databases, worker processes, rounds, results.md --------------------------------------------


def environment(database_url):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"EMAIL_HOST", "DJANGO_ENV", "REDIS_URL"} and not key.startswith("DJANGO_ALLOW")
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",  # DEBUG keeps every query in memory
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="ERROR",
    )
    return env


def step(database_url, name, *args):
    done = subprocess.run(
        [PY, __file__, "step", name, *map(str, args)],
        env=environment(database_url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_worker(database_url):
    """One `db_worker --batch` process until the queue is empty: its wall time and CPU time, start included.

    The CPU time (user + system) is what the worker itself used, which the other loads of a shared machine
    disturb far less than the wall time; with PostgreSQL, the server's own CPU is not in it.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [PY, "manage.py", "db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--no-reload", "-v", "0"],
        env=environment(database_url),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def postgres_available():
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=2).close()
        return True
    except Exception:
        return False


def postgres_database(create):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        if create:
            connection.execute(f"CREATE DATABASE {PG_NAME}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"


def sqlite_database(create):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{SQLITE_PATH}"


def summary(values, digits=0):
    """median (min–max, spread as a % of the median)"""
    median = statistics.median(values)
    spread = (max(values) - min(values)) / median * 100 if median else 0
    return f"{median:,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f}, ±{spread / 2:.0f} %)"


def deliveries(databases):
    """Rounds of part a, the databases interleaved: {name: [per-round dicts]}."""
    rounds = {name: [] for name in databases}
    for n in range(ROUNDS):
        for name, url in databases.items():
            step(url, "queue", EMAILS)
            wall, cpu = run_worker(url)
            timings = step(url, "delivery_timings")
            assert timings["sent"] == EMAILS and not timings["failed_tasks"], timings
            timings.update(wall=wall, cpu=cpu)
            rounds[name].append(timings)
            print(
                f"  a {name} round {n + 1}: {EMAILS / timings['span']:,.0f} deliveries/s in the worker, "
                f"{EMAILS / wall:,.0f}/s with its start, {cpu / EMAILS * 1000:.2f} ms of worker CPU each",
                flush=True,
            )
    return rounds


def fan_out(url):
    step(url, "seed", PARTNERS)
    rounds = []
    for n in range(FAN_OUT_ROUNDS):
        step(url, "broadcast")
        wall, cpu = run_worker(url)
        timings = step(url, "fan_out_timings")
        assert timings["deliveries"] == timings["sent"] == PARTNERS * CONTACTS, timings
        assert not timings["failed_tasks"], timings
        timings.update(wall=wall, cpu=cpu)
        rounds.append(timings)
        print(
            f"  b round {n + 1}: {timings['deliveries'] / timings['fan_out_own']:,.0f} deliveries enqueued per "
            f"fan-out second; all sent {timings['all_tasks_span']:.0f} s after the first task",
            flush=True,
        )
    return rounds


def report(delivery_rounds, fan_out_rounds, started, load):
    lines = [
        SECTION,
        "",
        f"Generated by `.venv/bin/python bench/notifications.py` on {started:%Y-%m-%d %H:%M} ({os.cpu_count()} cores,",
        "shared and noisy: compare figures of one run). Throw-away databases; one `manage.py db_worker --batch`",
        "process with Django's locmem email backend (no network: this is the portal's own cost per delivery).",
        "Figures: median of the rounds (lowest–highest, ± half the spread as a % of the median).",
        f"Load average (1 min) at the start and the end: {load[0]:.1f} and {load[1]:.1f}, on {os.cpu_count()} cores.",
        "",
        f"### a. Deliveries per second, {EMAILS:,} queued emails, {ROUNDS} interleaved rounds",
        "",
        "| database | deliveries/s in the worker | deliveries/s with the process start | worker CPU ms per delivery |",
        "|---|---:|---:|---:|",
    ]
    for name, rounds in delivery_rounds.items():
        in_worker = [EMAILS / r["span"] for r in rounds]
        with_start = [EMAILS / r["wall"] for r in rounds]
        cpu = [r["cpu"] / EMAILS * 1000 for r in rounds]
        lines.append(f"| {name} | {summary(in_worker)} | {summary(with_start)} | {summary(cpu, 2)} |")
    if len(delivery_rounds) == 2:
        sqlite, postgres = (
            statistics.median(EMAILS / r["span"] for r in rounds) for rounds in delivery_rounds.values()
        )
        lines += ["", f"- PostgreSQL / SQLite, deliveries/s in the worker: **{postgres / sqlite:.2f}**."]
    lines += [
        "- \"In the worker\": from the first task's start to the last one's end (the dispatch task, then one",
        '  `email_send` task per email), read from the task rows; "with the process start" adds Django\'s start-up.',
        "- Worker CPU: the worker process's user + system time (its start included), which the other loads of",
        "  the machine disturb far less than the rates; with PostgreSQL the server's CPU is not in it.",
    ]
    if fan_out_rounds:
        deliveries_made = fan_out_rounds[0]["deliveries"]
        lines += [
            "",
            f"### b. Fan-out of one announcement to {PARTNERS:,} partners ({deliveries_made:,} deliveries), PostgreSQL,"
            f" {len(fan_out_rounds)} rounds",
            "",
            "| | median (lowest–highest, ± %) |",
            "|---|---:|",
            "| deliveries enqueued per second of fan-out task | "
            f"{summary([r['deliveries'] / r['fan_out_own'] for r in fan_out_rounds])} |",
            "| ms per fan-out task (a batch of up to 200 partners) | "
            f"{summary([r['fan_out_own'] / (r['fan_out_tasks'] - 1) * 1000 for r in fan_out_rounds])} |",
            "| s from the broadcast to its last batch, the worker sending meanwhile | "
            f"{summary([r['queued_to_last_fan_out'] for r in fan_out_rounds], 1)} |",
            "| s from the first task to the last email sent | "
            f"{summary([r['all_tasks_span'] for r in fan_out_rounds], 1)} |",
            "| worker CPU ms per delivery, fan-out and sending | "
            f"{summary([r['cpu'] / r['sent'] * 1000 for r in fan_out_rounds], 2)} |",
            "| deliveries sent per second, fan-out included | "
            f"{summary([r['sent'] / r['all_tasks_span'] for r in fan_out_rounds])} |",
            "",
            f"- Seeded with bulk_create: {PARTNERS:,} partners, {CONTACTS} technical non-emergency contacts each.",
            "- One worker runs both the fan-out and the sending: every task has the broadcast's (bulk) priority and",
            "  runs first queued, first run, so each batch waits behind the sends queued before it; the first row",
            "  counts the fan-out tasks' own time (a worker that only fanned out would reach that rate).",
        ]
    return "\n".join(lines) + "\n"


def write_section(text):
    """Replace the Notifications section of results.md (up to the next top-level section), or append it."""
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start = current.find(f"\n{SECTION}\n")
    if start == -1:
        RESULTS.write_text(current.rstrip("\n") + "\n\n" + text)
        return
    end = current.find("\n## ", start + 1)
    rest = current[end:] if end != -1 else ""
    RESULTS.write_text(current[: start + 1] + text + rest)


def main():
    started = datetime.now()
    load = os.getloadavg()[0]
    databases = {"SQLite": sqlite_database(create=True)}
    if postgres_available():
        databases["PostgreSQL"] = postgres_database(create=True)
    else:
        print("PostgreSQL is not reachable at 127.0.0.1:5432: SQLite only, and no fan-out figures.", file=sys.stderr)
    try:
        for url in databases.values():
            step(url, "migrate")
        print(f"a. {EMAILS:,} deliveries through one worker, {ROUNDS} interleaved rounds", flush=True)
        delivery_rounds = deliveries(databases)
        fan_out_rounds = []
        if "PostgreSQL" in databases:
            print(f"b. fan-out to {PARTNERS:,} partners on PostgreSQL, {FAN_OUT_ROUNDS} rounds", flush=True)
            fan_out_rounds = fan_out(databases["PostgreSQL"])
    finally:
        sqlite_database(create=False)
        if "PostgreSQL" in databases:
            postgres_database(create=False)
    text = report(delivery_rounds, fan_out_rounds, started, (load, os.getloadavg()[0]))
    write_section(text)
    print(text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["step"]:
        _setup()
        print(json.dumps(globals()[f"step_{sys.argv[2]}"](*sys.argv[3:])))
    else:
        main()
