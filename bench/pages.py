"""Pages against their floor: in-process CPU time per page, as ratios measured in one run.

    python bench/pages.py                      # this tree, SQLite and PostgreSQL (when it answers)
    python bench/pages.py --before <git rev>   # and that revision beside it, in the same run
    python bench/pages.py --rounds 9 --databases sqlite

For each database and each tree, a worker process migrates a throw-away database, seeds it (partners with 1,
1,000 and 10,000 members, 10 contacts a category), builds the WSGI handlers once and waits. The parent then asks
the workers for one round at a time, in turn (before, after, before, after, …): each round calls every page
once per pass, `--requests` passes, with a prepared session cookie, and reports the CPU time
(time.process_time) of the calls alone. Ratios are taken within a round, so a slow moment of the machine weighs
on both sides of each; the report gives their median and spread (lowest–highest) over the rounds. Query counts
and HTML sizes are measured once per page after the warm-up. Nothing in the report is typed in: each figure
comes from this run.

The floor, as ../shared/BENCHMARKING.md defines it: `bare` (no middleware, a view returning "ok"), `signed-in ok`
(the full stack, a signed-in member, "ok") and `shell floor` (the full stack rendering base.html: the header and
the navigation, an empty content block). `cold` pages are the first rendering after a save: before each call,
outside the timed part, one contact of one category changes and the version rises, as a save of that category
does.

The worker runs the tree's own code (its settings, models and templates); only this file comes from here, so a
revision from before this file existed can be measured too.
"""

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SEED_PASSWORD = "!bench-unusable"
CONTACT_PATH = "/settings/contact-information/edit/"

# (key, label, handler, path, session, cold)
PAGES = [
    ("bare", "bare Django: no middleware, a view returning ok", "bare", "/__bench/ok/", None, False),
    ("ok", "signed-in ok: the full stack, a view returning ok", "full", "/__bench/ok/", "complete", False),
    ("shell", "shell floor: base.html with the header and navigation", "full", "/__bench/shell/", "complete", False),
    ("dashboard", "dashboard", "full", "/", "complete", False),
    ("dashboard_nogate", "dashboard, gate removed", "nogate", "/", "complete", False),
    ("modal", "modal, warm", "full", "/onboarding/", "gated", False),
    ("modal_cold", "modal, cold (first rendering after a save)", "full", "/onboarding/", "gated", True),
    ("contact_1", "contact page, 1 member", "full", CONTACT_PATH, "members_1", False),
    ("contact_1_cold", "contact page, 1 member, cold", "full", CONTACT_PATH, "members_1", True),
    ("contact_1000", "contact page, 1,000 members", "full", CONTACT_PATH, "members_1000", False),
    ("contact_10000", "contact page, 10,000 members", "full", CONTACT_PATH, "members_10000", False),
    ("users_1", "users page, 1 member", "full", "/settings/users/", "members_1", False),
    ("users_10000", "users page, 10,000 members", "full", "/settings/users/", "members_10000", False),
]

# (label, numerator, denominator, target, at most?) : the targets, each on its own line.
RATIOS = [
    ("dashboard / shell floor", "dashboard", "shell", 1.10, True),
    ("modal / dashboard", "modal", "dashboard", 2.0, True),
    ("modal cold / dashboard", "modal_cold", "dashboard", 4.0, True),
    ("contact page 10000 members / 1 member", "contact_10000", "contact_1", 1.25, True),
    ("users page 10000 members / 1 member", "users_10000", "users_1", 1.5, True),
    ("gate b/c (dashboard without the gate / with it)", "dashboard_nogate", "dashboard", 0.98, False),
]
QUERY_TARGETS = {"dashboard": 3, "contact_10000": 6, "modal": 9}
HTML_TARGETS = {"contact_10000": 150 * 1024}


# ---------------------------------------------------------------- worker: runs inside the tree measured


def worker():
    tree = Path(os.environ["BENCH_TREE"])
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = floor_urlconf()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    sessions, bump = seed()
    handlers = build_handlers(settings)
    pages = {
        key: (handlers[handler], path, sessions.get(session), cold) for key, _, handler, path, session, cold in PAGES
    }
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    facts = {}
    for key, (handler, path, cookie, cold) in pages.items():
        for _ in range(3):  # warm: templates, fragment caches, connections
            status, body = call(handler, path, cookie)
        assert status.startswith("200"), f"{key}: {path} answered {status}"
        if cold:
            bump(key)
        with CaptureQueriesContext(connection) as captured:
            status, body = call(handler, path, cookie)
        facts[key] = {"queries": len(captured), "bytes": len(body)}
    reply({"facts": facts})
    for line in sys.stdin:
        count = int(line)
        spent = dict.fromkeys(pages, 0.0)
        # Page by page within each pass, so that a slow moment of the machine falls on every page alike.
        for _ in range(count):
            for key, (handler, path, cookie, cold) in pages.items():
                if cold:
                    bump(key)
                start = time.process_time()
                call(handler, path, cookie)
                spent[key] += time.process_time() - start
        reply({"times": {key: total / count for key, total in spent.items()}})


def reply(data):
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def floor_urlconf():
    """The tree's URLs plus the two floor views, as a module of their own."""
    import types

    from django.http import HttpResponse
    from django.template import engines
    from django.urls import path

    shell = engines["django"].from_string('{% extends "base.html" %}')

    def ok(request):
        return HttpResponse("ok", content_type="text/plain")

    def shell_floor(request):
        return HttpResponse(shell.render({}, request))

    module = types.ModuleType("bench_floor_urls")
    from portal.urls import urlpatterns

    module.urlpatterns = [path("__bench/ok/", ok), path("__bench/shell/", shell_floor), *urlpatterns]
    sys.modules[module.__name__] = module
    return module.__name__


def build_handlers(settings):
    from django.core.handlers.wsgi import WSGIHandler

    middleware = list(settings.MIDDLEWARE)
    handlers = {"full": WSGIHandler()}
    settings.MIDDLEWARE = [m for m in middleware if not m.endswith("ContactInformationRequiredMiddleware")]
    handlers["nogate"] = WSGIHandler()
    settings.MIDDLEWARE = []
    handlers["bare"] = WSGIHandler()
    settings.MIDDLEWARE = middleware
    return handlers


def seed():
    """Partners to measure, and the session cookie of an Admin of each; and a function that raises the version."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import F

    from accounts.models import User
    from contacts.models import Contact, ContactInformation
    from contacts.services import contact_information_for
    from partners.environments import SESSION_KEY as ENVIRONMENT_KEY
    from partners.middleware import SESSION_KEY as PARTNER_KEY
    from partners.models import Membership, Role
    from tests.helpers import admin_of, complete_contacts, make_partner

    def session_for(partner, environment="production"):
        user = admin_of(partner)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[PARTNER_KEY] = partner.pk
        session[ENVIRONMENT_KEY] = environment
        session.save()
        return session.session_key

    complete = make_partner("Complete Partner")
    complete_contacts(complete, alerts=[admin_of(complete)])
    gated = make_partner("Gated Partner")
    # One category filled in, the others still missing: the modal stays.
    Contact.objects.create(
        contact_information=contact_information_for(gated), category="operator", email="op@x.example"
    )
    sessions = {"complete": session_for(complete), "gated": session_for(gated)}
    partners = {"gated": gated}
    for size in (1, 1000, 10000):
        partner = make_partner(f"Partner of {size}", admin_email=f"admin@members{size}.example")
        people = [
            User(email=f"member{i}@members{size}.example", name=f"Member {i:05d}", password=SEED_PASSWORD)
            for i in range(size - 1)
        ]
        for person in people:
            if hasattr(person, "set_email_identity"):
                person.set_email_identity()  # bulk_create skips save(), which derives it
        users = User.objects.bulk_create(people, batch_size=500)
        Membership.objects.bulk_create((Membership(user=u, partner=partner, role=Role.VIEWER) for u in users), 500)
        complete_contacts(partner, alerts=[admin_of(partner), *users[:3]], per_category=10)
        sessions[f"members_{size}"] = session_for(partner)
        partners[f"members_{size}"] = partner

    saves = iter(range(10**9))

    def bump(page_key):
        """What a save of one category does: its rows change, and the version rises."""
        partner = partners["gated" if page_key.startswith("modal") else "members_1"]
        info = ContactInformation.objects.get(partner=partner)
        row = info.contacts.filter(category="operator").first()
        Contact.objects.filter(pk=row.pk).update(email=f"operator{next(saves)}@x.example")
        ContactInformation.objects.filter(pk=info.pk).update(version=F("version") + 1)

    return sessions, bump


def call(handler, path, cookie):
    from django.conf import settings

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "REMOTE_ADDR": "127.0.0.1",
    }
    if cookie:
        environ["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}={cookie}"
    status = []
    response = handler(environ, lambda s, h, *a: status.append(s))
    body = b"".join(response)
    if hasattr(response, "close"):
        response.close()
    return status[0], body


# ---------------------------------------------------------------- parent: prepares trees, interleaves rounds


def database_url(kind, name):
    if kind == "sqlite":
        path = Path(f"/tmp/{name}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def postgres_answers():
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
        return True
    except Exception:
        return False


def checkout(rev):
    """A worktree of `rev` with its translations compiled, made once and reused."""
    commit = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    tree = Path(f"/tmp/portal-bench-{commit.strip()[:12]}")
    if not tree.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT, check=True, capture_output=True
        )
        babel = Path(sys.executable).with_name("pybabel")
        subprocess.run([babel, "compile", "--use-fuzzy", "-d", "locale", "-D", "django"], cwd=tree, capture_output=True)
    return tree


class Worker:
    def __init__(self, tree, kind, name):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
        env.update(
            BENCH_TREE=str(tree),
            DATABASE_URL=database_url(kind, name),
            DEBUG="0",
            SECURE_SSL_REDIRECT="0",
            PYTHONHASHSEED="0",
        )
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.facts = self.read()["facts"]

    def read(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"a benchmark worker stopped (exit {self.process.wait()})")
        return json.loads(line)

    def round(self, requests):
        self.process.stdin.write(f"{requests}\n")
        self.process.stdin.flush()
        return self.read()["times"]

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def measure(kind, trees, rounds, requests):
    """{tree label: {"facts": …, "rounds": [times, …]}}, the trees' rounds interleaved."""
    workers = {}
    try:
        for number, (label, tree) in enumerate(trees.items()):
            workers[label] = Worker(tree, kind, f"portal_pages_{number}")
        samples = {label: [] for label in trees}
        for _ in range(rounds):
            for label, worker_ in workers.items():
                samples[label].append(worker_.round(requests))
    finally:
        for worker_ in workers.values():
            worker_.close()
    return {label: {"facts": workers[label].facts, "rounds": samples[label]} for label in trees}


def spread(values, digits=2):
    low, high, mid = min(values), max(values), statistics.median(values)
    return f"{mid:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def verdict(value, target, at_most):
    return "met" if (value <= target if at_most else value >= target) else "**missed**"


def report(results, rounds, requests, load):
    labels = list(next(iter(results.values())))
    lines = [
        "## Pages at the floor",
        "",
        f"Generated by `bench/pages.py` on {time.strftime('%Y-%m-%d %H:%M')} ({os.cpu_count()} cores). In-process "
        f"CPU time per request (`time.process_time`), DEBUG off, cached template loader; {rounds} rounds of "
        f"{requests} passes over every page (one request each), {' and '.join(labels)} interleaved round by round. "
        "Ratios are taken within each round; each figure is the median over the rounds (lowest–highest). "
        "With PostgreSQL the server's own CPU is not in the figures. Load average (1 min) at the start and the end: "
        f"{load[0]:.1f} and {load[1]:.1f}.",
        "",
    ]
    for kind, by_tree in results.items():
        lines += [
            f"### {kind}",
            "",
            "| target | " + " | ".join(labels) + " | target |",
            "|---|" + "---:|" * (len(labels) + 1),
        ]
        for title, top, bottom, target, at_most in RATIOS:
            cells = []
            for label in labels:
                ratios = [r[top] / r[bottom] for r in by_tree[label]["rounds"]]
                cells.append(f"{spread(ratios)}, {verdict(statistics.median(ratios), target, at_most)}")
            lines.append(f"| `{title}` | " + " | ".join(cells) + f" | {'≤' if at_most else '≥'} {target:.2f} |")
        lines += ["", "| page | " + " | ".join(f"{label}: CPU ms | queries | KB" for label in labels) + " |"]
        lines.append("|---|" + "---:|---:|---:|" * len(labels))
        for key, title, *_ in PAGES:
            cells = []
            for label in labels:
                ms = [r[key] * 1000 for r in by_tree[label]["rounds"]]
                facts = by_tree[label]["facts"][key]
                cells.append(f"{spread(ms, 2)} | {facts['queries']} | {facts['bytes'] / 1024:.1f}")
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
        lines.append("")
        for label in labels:
            facts = by_tree[label]["facts"]
            checks = [
                f"{key.replace('_', ' ')} {facts[key]['queries']} (target {n})" for key, n in QUERY_TARGETS.items()
            ]
            html = [
                f"contact page at 10,000 members {facts[k]['bytes'] / 1024:.1f} KB (target ≤ {n // 1024} KB)"
                for k, n in HTML_TARGETS.items()
            ]
            lines.append(f"- {label}: queries: {', '.join(checks)}; HTML: {', '.join(html)}.")
        lines.append("")
    return "\n".join(lines)


def write_section(text, title="## Pages at the floor"):
    """Replace (or add) this section of bench/results.md, keeping the others."""
    results = HERE / "results.md"
    previous = results.read_text() if results.exists() else "# Benchmark results\n"
    start = previous.find(f"\n{title}\n")
    if start == -1:
        results.write_text(previous.rstrip("\n") + "\n\n" + text + "\n")
        return
    end = previous.find("\n## ", start + 1)
    rest = previous[end:] if end != -1 else "\n"
    results.write_text(previous[:start] + "\n" + text + rest)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--before", help="a git revision to measure beside this tree, in the same run")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "9")))
    parser.add_argument("--requests", type=int, default=20, help="requests per page in a round")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="print the report, leave bench/results.md alone")
    args = parser.parse_args()
    if args.worker:
        return worker()
    trees = {"this tree": ROOT}
    if args.before:
        trees = {f"before ({args.before})": checkout(args.before), "after": ROOT}
    kinds = [k for k in args.databases.split(",") if k == "sqlite" or (k == "postgresql" and postgres_answers())]
    load = [os.getloadavg()[0]]
    results = {kind: measure(kind, trees, args.rounds, args.requests) for kind in kinds}
    load.append(os.getloadavg()[0])
    text = report(results, args.rounds, args.requests, load)
    print(text)
    if not args.no_write:
        write_section(text)
    if shutil.which("git") and args.before:
        print(f"(the worktree of {args.before} stays in /tmp for the next run: git worktree prune removes it)")


if __name__ == "__main__":
    main()
