"""The API against the dashboard: requests/s of GET and PUT /api/v1/contact-information beside the page, in one run.

    python bench/api.py                 # SQLite, and PostgreSQL when it answers; writes "## API" in results.md
    python bench/api.py --no-write      # print the section only
    BENCH_ROUNDS=2 BENCH_SECONDS=3 python bench/api.py --databases sqlite
    BENCH_PUT_PARTNERS=16 python bench/api.py   # the PUTs spread over 16 partners (see below)

For each database: a throw-away database, migrated and seeded with one complete partner (its Admin signed in, as
bench/seed.py signs members in) and a `write` key whose rate never limits; the full stack (portal.settings,
DEBUG off) served by gunicorn with 2 sync workers on 127.0.0.1; then wrk (16 connections) on each request in
turn, round after round: the dashboard, GET and PUT /api/v1/contact-information, GET /api/v1/requirements.
The PUT sends back the document its GET answered (without version and updated_at) with `If-Match: *`: each one is
a real save (the version rises, an activity row is written). Every response must be a 200, counted by wrk's Lua
script: one that is not (a 3xx included, which wrk would count as a success) makes the run fail, since the rate
of refusals would not be the rate of the requests meant. Ratios are taken within each round, as
../shared/BENCHMARKING.md asks; the report gives their median and spread (lowest–highest) over the rounds.
The databases, the Lua scripts and the servers are removed at the end, also when the run fails.

BENCH_PUT_PARTNERS=N (default 1) seeds N complete partners with a key each and spreads the PUTs over them, each wrk
thread with keys of its own: the load of many partners' scripts rather than one script's. It exists because
concurrent PUTs of one partner with `If-Match: *` can answer 412 (the view reads the version it then claims before
the save locks the row), which makes the single-partner PUT figure invalid while that stands. The dashboard and
the GETs always use the first partner.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages (bench.pages, bench.run) from its root

from bench.pages import write_section  # noqa: E402
from bench.run import environment, parse_duration, postgres_available  # noqa: E402

PY = sys.executable
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
PUT_PARTNERS = int(os.environ.get("BENCH_PUT_PARTNERS", "1"))
CONNECTIONS = 16
THREADS = 2
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "portal_bench_api"
SQLITE_PATH = Path("/tmp/portal-bench-api.sqlite3")
CONTACT_INFORMATION = "/api/v1/contact-information"
KEY_NAME = "bench"

# (key, label, method, path, authenticated by)
SCENARIOS = [
    ("dashboard", "dashboard, complete partner, signed-in member", "GET", "/", "session"),
    ("get", f"GET {CONTACT_INFORMATION}", "GET", CONTACT_INFORMATION, "key"),
    ("put", f"PUT {CONTACT_INFORMATION} (If-Match: *)", "PUT", CONTACT_INFORMATION, "key"),
    ("requirements", "GET /api/v1/requirements", "GET", "/api/v1/requirements", "key"),
]
RATIOS = [("GET / dashboard", "get"), ("PUT / dashboard", "put"), ("requirements / dashboard", "requirements")]

# wrk's Lua: the requests (one per variant, each thread taking its share of them when there are enough for every
# thread), and a count of every response that is not a 200, with the first one's start.
LUA = """
wrk.method = {method}
variants = {variants}
not_ok = {{}}
first = nil
local counter = 0
local threads = {{}}
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  prepared = {{}}
  for index, variant in ipairs(variants) do
    if #variants < {threads} or (index - 1) % {threads} == id - 1 then
      local body = nil
      if variant.body then
        local file = io.open(variant.body, "rb")
        body = file:read("*a")
        file:close()
      end
      table.insert(prepared, wrk.format(nil, nil, variant.headers, body))
    end
  end
  step = 0
end
function request()
  step = step % #prepared + 1
  return prepared[step]
end
function response(status, headers, body)
  if status ~= 200 then
    not_ok[status] = (not_ok[status] or 0) + 1
    first = first or (status .. " " .. string.sub(body or "", 1, 300))
  end
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("not_ok")) do
      io.write(string.format("STATUS %d %d\\n", status, count))
    end
    local sample = thread:get("first")
    if sample then
      io.write("FIRST " .. sample:gsub("\\n", " ") .. "\\n")
    end
  end
end
"""


# ---------------------------------------------------------------- inside the database's environment


def seed(partners):
    """Migrate, then `partners` complete partners with a bench key each, the first one's Admin signed in; as JSON."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench.seed import session_for
    from contacts.api.services import api_key_create
    from tests.helpers import admin_of, complete_contacts, make_partner

    seeded, keys = [], []
    for number in range(int(partners)):
        partner = make_partner("Complete Partner" if number == 0 else f"Complete Partner {number + 1}")
        complete_contacts(partner, alerts=[admin_of(partner)])
        _key, text = api_key_create(partner=partner, name=KEY_NAME, scope="write", rate_limit=10**9)
        seeded.append(partner)
        keys.append(text)
    session = session_for(admin_of(seeded[0]), seeded[0])
    print(json.dumps({"session": session, "keys": keys, **facts(seeded)}))


def facts(partners):
    """What the PUTs leave behind, over the partners: versions, "contact information updated" rows, notifications."""
    from django.db.models import Sum

    from contacts.models import ContactInformation
    from contacts.notifications.models import Notification
    from partners.models import Activity

    return {
        "version": ContactInformation.objects.filter(partner__in=partners).aggregate(v=Sum("version"))["v"],
        "activities": Activity.objects.filter(partner__in=partners, action=Activity.Action.CONTACTS_UPDATED).count(),
        "notifications": Notification.objects.filter(partner__in=partners).count(),
    }


def inspect():
    import django

    django.setup()
    from contacts.api.models import APIKey

    print(json.dumps(facts([key.partner for key in APIKey.objects.select_related("partner").filter(name=KEY_NAME)])))


def step(name, database_url, *args):
    out = subprocess.run(
        [PY, str(Path(__file__).resolve()), f"--{name}", *args],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"bench/api.py --{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- databases and server


def database_create(kind):
    if kind == "sqlite":
        database_drop(kind)
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_NAME}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"


def database_drop(kind):
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(database_url, port):
    """gunicorn, 2 sync workers, the full stack; returns once /healthz answers."""
    command = [PY, "-m", "gunicorn", "bench.wsgi", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--log-level", "warning", "--no-control-socket"],
        cwd=ROOT,
        env=environment(database_url),
    )
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start (exit {server.returncode})")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    server.terminate()
    server.wait(timeout=10)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop(server):
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(port, method, path, headers, body=None):
    """(status, body) of one request, redirects not followed."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method=method)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# ---------------------------------------------------------------- measuring


def requests_of(credentials, bodies):
    """{scenario: (method, path, [(headers, body file or None), …])}: the PUT has one variant per partner."""
    key = {"Authorization": f"Bearer {credentials['keys'][0]}"}
    put = {"If-Match": "*", "Content-Type": "application/json"}
    return {
        "dashboard": ("GET", "/", [({"Cookie": f"sessionid={credentials['session']}"}, None)]),
        "get": ("GET", CONTACT_INFORMATION, [(key, None)]),
        "put": (
            "PUT",
            CONTACT_INFORMATION,
            [({"Authorization": f"Bearer {k}", **put}, b) for k, b in zip(credentials["keys"], bodies, strict=True)],
        ),
        "requirements": ("GET", "/api/v1/requirements", [(key, None)]),
    }


def check(port, requests):
    """Each request (each PUT variant) answers 200 once before the load."""
    for name, (method, path, variants) in requests.items():
        for headers, body_path in variants:
            status, content = fetch(port, method, path, headers, Path(body_path).read_bytes() if body_path else None)
            if status != 200:
                raise RuntimeError(f"{name}: {method} {path} answered {status}: {content[:500]!r}")


def lua_script(directory, name, method, variants):
    def string(value):
        return json.dumps(str(value))  # ASCII only here (keys, cookies, paths): a JSON string is a Lua string

    items = []
    for headers, body_path in variants:
        fields = ", ".join(f"[{string(header)}] = {string(value)}" for header, value in headers.items())
        body = f", body = {string(body_path)}" if body_path else ""
        items.append(f"  {{headers = {{{fields}}}{body}}}")
    path = Path(directory) / f"{name}.lua"
    path.write_text(LUA.format(method=string(method), variants="{\n" + ",\n".join(items) + "\n}", threads=THREADS))
    return path


def wrk(port, path, script):
    # A PUT is a real save (~0.4 s): 16 connections queued on 2 workers wait longer than wrk's default 2 s timeout,
    # which would count as socket errors though every request is answered.
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
    ]
    url = f"http://127.0.0.1:{port}{path}"
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    distribution = out.split("Latency Distribution", 1)[1]
    latency = {p: re.search(rf"^\s*{p}%\s+(\S+)", distribution, flags=re.M).group(1) for p in ("50", "99")}
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": parse_duration(latency["50"]),
        "p99": parse_duration(latency["99"]),
        "not_ok": {int(s): int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", out, flags=re.M)},
        "first": re.findall(r"^FIRST (.*)$", out, flags=re.M)[:1],
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "output": out,
    }


def settle(port):
    """Wait for what wrk left queued when it stopped (up to one request a connection, which the workers still
    serve): a health check queues behind them, so that the next request's figures start on idle workers."""
    for _ in range(2):
        fetch(port, "GET", "/healthz", {})
    time.sleep(0.2)


def refused(sample):
    """Why a wrk run does not count: responses other than 200, or socket errors; None when it counts."""
    statuses = {}
    for status, count in sample["not_ok"].items():
        statuses[status] = statuses.get(status, 0) + count
    if statuses or sample["socket_errors"]:
        found = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
        return (
            f"{sum(statuses.values())} responses other than 200 ({found or 'none'}) and "
            f"{sample['socket_errors']} socket errors out of {sample['requests']} requests; first: "
            f"{sample['first'][0] if sample['first'] else '-'}"
        )
    return None


def run(kind):
    database_url = database_create(kind)
    server = None
    measured = False
    try:
        credentials = step("seed", database_url, str(PUT_PARTNERS))
        port = free_port()
        server = serve(database_url, port)
        with tempfile.TemporaryDirectory(prefix="portal-bench-api-") as directory:
            # Each PUT's body: what the GET answers with the same key, without the two fields the server sets.
            bodies = []
            for number, key in enumerate(credentials["keys"]):
                status, content = fetch(port, "GET", CONTACT_INFORMATION, {"Authorization": f"Bearer {key}"})
                if status != 200:
                    raise RuntimeError(f"GET {CONTACT_INFORMATION} answered {status}: {content[:500]!r}")
                document = json.loads(content)
                del document["version"], document["updated_at"]
                bodies.append(Path(directory) / f"put-{number}.json")
                bodies[-1].write_text(json.dumps(document, ensure_ascii=False))
            requests = requests_of(credentials, bodies)
            check(port, requests)
            scripts = {
                name: lua_script(directory, name, method, variants)
                for name, (method, _path, variants) in requests.items()
            }
            samples = {name: [] for name, *_ in SCENARIOS}
            for _ in range(ROUNDS):
                for name, _label, _method, path, _auth in SCENARIOS:
                    sample = wrk(port, path, scripts[name])
                    if reason := refused(sample):
                        hint = (
                            " (concurrent PUTs of one partner with If-Match: * can answer 412: see BENCH_PUT_PARTNERS "
                            "in this file's docstring)"
                            if name == "put" and 412 in sample["not_ok"]
                            else ""
                        )
                        raise RuntimeError(f"{kind}, {name}: the measurement is invalid: {reason}{hint}")
                    samples[name].append(sample)
                    settle(port)
        measured = True
    finally:
        if server is not None:
            stop(server)
        try:
            after = step("inspect", database_url) if measured else None
        finally:
            database_drop(kind)
    puts = sum(s["requests"] for s in samples["put"])
    saved, written = after["version"] - credentials["version"], after["activities"] - credentials["activities"]
    answered = puts + len(credentials["keys"])
    if saved != written or not answered <= saved <= answered + CONNECTIONS * ROUNDS:
        raise RuntimeError(f"{kind}: {answered} PUTs answered 200, but {saved} saves and {written} activity rows")
    return {"samples": samples, "puts": puts, "before": credentials, "after": after}


# ---------------------------------------------------------------- report


def spread(values, digits=0):
    low, high, mid = min(values), max(values), statistics.median(values)
    return f"{mid:,.{digits}f} ({low:,.{digits}f}–{high:,.{digits}f})"


def git(*args):
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def report(results, load):
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += ", with uncommitted changes"
    lines = [
        "## API",
        "",
        f"Generated by `bench/api.py` on {time.strftime('%Y-%m-%d %H:%M')} at commit {commit} ({os.cpu_count()} "
        f"cores): the full stack (portal.settings, DEBUG off) served by gunicorn with 2 sync workers on 127.0.0.1, "
        f"wrk with {CONNECTIONS} connections for {SECONDS} s per request, the four requests interleaved for {ROUNDS} "
        "rounds. Each figure is the median of the rounds (lowest–highest); ratios are taken within each round. "
        "Every response was a 200 (the run fails otherwise). The API keys' rate limit is set out of reach. "
        + (
            "The PUT sends back the partner's own document with `If-Match: *`, all connections on one partner. "
            if PUT_PARTNERS == 1
            else f"The PUTs are spread over {PUT_PARTNERS} complete partners (a key each, each wrk thread with "
            "keys of its own), each sending back its own document with `If-Match: *`; the dashboard and the GETs "
            "are the first partner's. "
        )
        + f"Load average (1 min) at the start and the end: {load[0]:.1f} and {load[1]:.1f}.",
        "",
    ]
    for kind, result in results.items():
        samples = result["samples"]
        lines += [
            f"### {kind}",
            "",
            "| request | requests/s | p50 ms | p99 ms |",
            "|---|---:|---:|---:|",
        ]
        for name, label, *_ in SCENARIOS:
            runs = samples[name]
            lines.append(
                f"| {label} | {spread([s['rps'] for s in runs])} | {statistics.median(s['p50'] for s in runs):.1f} "
                f"| {statistics.median(s['p99'] for s in runs):.1f} |"
            )
        lines += ["", "| ratio of requests/s | median (lowest–highest) |", "|---|---:|"]
        for title, name in RATIOS:
            ratios = [
                top["rps"] / bottom["rps"] for top, bottom in zip(samples[name], samples["dashboard"], strict=True)
            ]
            lines.append(f"| {title} | {spread(ratios, 2)} |")
        before, after = result["before"], result["after"]
        saved, written = after["version"] - before["version"], after["activities"] - before["activities"]
        lines += [
            "",
            f"- Every PUT saved: wrk counted {result['puts']:,} PUTs answered 200 ({len(before['keys'])} more before "
            f"the load, to check them); the versions rose by {saved:,} and {written:,} “contact information "
            f"updated” activity rows were written, the {saved - result['puts'] - len(before['keys']):,} more being "
            f"the PUTs still in flight when wrk stopped (up to {CONNECTIONS} a round), which the workers served "
            f"all the same. Notifications raised meanwhile: {after['notifications'] - before['notifications']:,}.",
            "",
        ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", metavar="PARTNERS", help=argparse.SUPPRESS)
    parser.add_argument("--inspect", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="print the report, leave bench/results.md alone")
    args = parser.parse_args()
    if args.seed:
        return seed(args.seed)
    if args.inspect:
        return inspect()
    if not shutil.which("wrk"):
        sys.exit("bench/api.py needs wrk: apt-get install -y wrk")
    kinds = [k for k in args.databases.split(",") if k == "sqlite" or (k == "postgresql" and postgres_available())]
    load = [os.getloadavg()[0]]
    results = {kind: run(kind) for kind in kinds}
    load.append(os.getloadavg()[0])
    text = report(results, load)
    print(text)
    if not args.no_write:
        write_section(text, title="## API")


if __name__ == "__main__":
    main()
