"""The load benchmark: the portal against bare Django, on SQLite and PostgreSQL, in one run.

Serves each configuration with gunicorn (2 sync workers) on 127.0.0.1, loads it with wrk (16
connections), interleaving configurations and keeping medians, as ../shared/BENCHMARKING.md asks.
The gate's overhead is also measured in-process, where differences of 1-2 % are visible.
Writes bench/results.md.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = 16
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
KEPT_SECTIONS = ("\n## Pages at the floor", "\n## Notifications", "\n## API")
SERVERS = {
    "full": ("portal.settings", 8101),
    "nogate": ("bench.nogate_settings", 8102),
    "bare": ("bench.bare_settings", 8103),
}
SCENARIOS = [
    ("a", "bare Django view returning ok", "bare", "/", None),
    ("b", "dashboard, complete partner, full stack", "full", "/", "complete"),
    ("c", "dashboard, complete partner, gate removed", "nogate", "/", "complete"),
    ("d", "gated request answered by the gate (redirect to the modal)", "full", "/", "gated"),
    ("d2", "the modal page itself", "full", "/onboarding/", "gated"),
    (
        "e",
        "Settings › Contact information, 10 contacts a category, 1,000 members",
        "full",
        "/settings/contact-information/edit/",
        "big",
    ),
]


def environment(database_url, settings_module="portal.settings"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_ALLOW")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE=settings_module,
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        PYTHONPATH=str(ROOT),
        CONN_MAX_AGE="600",
    )
    return env


def prepare_database(kind):
    if kind == "sqlite":
        path = Path("/tmp/portal-bench.sqlite3")
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS portal_bench")
        conn.execute("CREATE DATABASE portal_bench")
    return "postgres://postgres@127.0.0.1:5432/portal_bench"


def postgres_available():
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), connect_timeout=2).close()
        return True
    except Exception:
        return False


def start_servers(database_url):
    processes = {}
    for name, (settings_module, port) in SERVERS.items():
        processes[name] = subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "bench.wsgi",
                "-w",
                "2",
                "-k",
                "sync",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--control-socket",
                f"/tmp/portal-bench-{port}.ctl",
            ],
            cwd=ROOT,
            env=environment(database_url, settings_module),
        )
    for name, (_, port) in SERVERS.items():
        for _ in range(100):
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz" if name != "bare" else f"http://127.0.0.1:{port}/"
                )
                break
            except Exception:
                time.sleep(0.1)
    return processes


def parse_duration(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(port, path, cookie):
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", f"http://127.0.0.1:{port}{path}"]
    if cookie:
        command[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    distribution = out.split("Latency Distribution", 1)[1]
    latency = {p: re.search(rf"^\s*{p}%\s+(\S+)", distribution, flags=re.M).group(1) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": parse_duration(latency["50"]),
        "p99": parse_duration(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
    }


def check_status(port, path, cookie, expected):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={cookie}"} if cookie else {}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(request).status
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == expected, f"{path} on {port}: {status}, expected {expected}"


def in_process(database_url):
    """Fastest of interleaved rounds per configuration, and queries per page, measured in one process."""
    out = subprocess.run(
        [PY, str(ROOT / "bench" / "inprocess.py")],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)


def run(kind):
    database_url = prepare_database(kind)
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=environment(database_url), check=True
    )
    seed = subprocess.run(
        [PY, str(ROOT / "bench" / "seed.py")], cwd=ROOT, env=environment(database_url), capture_output=True, text=True
    )
    if seed.returncode:
        raise RuntimeError(seed.stderr)
    sessions = json.loads(seed.stdout.strip().splitlines()[-1])
    processes = start_servers(database_url)
    try:
        check_status(8101, "/", sessions["complete"], 200)
        check_status(8102, "/", sessions["complete"], 200)
        check_status(8101, "/", sessions["gated"], 302)
        check_status(8101, "/onboarding/", sessions["gated"], 200)
        check_status(8101, "/settings/contact-information/edit/", sessions["big"], 200)
        samples = {key: [] for key, *_ in SCENARIOS}
        for _ in range(ROUNDS):
            for key, _, server, path, session in SCENARIOS:
                samples[key].append(wrk(SERVERS[server][1], path, sessions.get(session)))
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=10)
    medians = {
        key: {metric: statistics.median(s[metric] for s in runs) for metric in ("rps", "p50", "p99", "errors")}
        for key, runs in samples.items()
    }
    return {"wrk": medians, "in_process": in_process(database_url)}


def table(results):
    lines = ["| | configuration | requests/s | p50 ms | p99 ms | non-2xx/3xx |", "|---|---|---:|---:|---:|---:|"]
    for key, label, *_ in SCENARIOS:
        m = results["wrk"][key]
        lines.append(f"| {key} | {label} | {m['rps']:.0f} | {m['p50']:.1f} | {m['p99']:.1f} | {m['errors']:.0f} |")
    return "\n".join(lines)


def verdict(ok):
    return "met" if ok else "**missed**"


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    all_results = {kind: run(kind) for kind in kinds}
    when = time.strftime("%Y-%m-%d %H:%M")
    out = [
        "# Benchmark results",
        "",
        f"Generated by `make bench` on {when} ({os.cpu_count()} cores): gunicorn with 2 sync workers on",
        f"127.0.0.1, wrk with {CONNECTIONS} connections for {SECONDS} s, configurations interleaved for {ROUNDS}",
        "rounds; each figure is the median of the rounds. Absolute figures vary by tens of percent on this",
        "shared machine: compare ratios taken in the same run.",
        "",
    ]
    for kind, results in all_results.items():
        w, ip = results["wrk"], results["in_process"]
        bc_wrk = w["b"]["rps"] / w["c"]["rps"]
        ba = w["b"]["rps"] / w["a"]["rps"]
        bc_ip = ip["ratio_b_over_c"]
        out += [
            f"## {kind}",
            "",
            table(results),
            "",
            f"- b/c (gate overhead), wrk: **{bc_wrk:.3f}**; in-process (fastest of {ip['rounds']} interleaved "
            f"rounds of {ip['requests_per_round']} requests): **{bc_ip:.3f}**. "
            f"Target ≥ 0.95: {verdict(bc_ip >= 0.95)}.",
            f"- b/a (full portal page vs bare Django): **{ba:.3f}**.",
            f"- The gate's answer (d) p99 at {CONNECTIONS} connections: **{w['d']['p99']:.1f} ms**. Target < 50 ms: "
            f"{verdict(w['d']['p99'] < 50)}. The modal page itself (d2): p99 {w['d2']['p99']:.1f} ms.",
            f"- Queries per request: {', '.join(f'{k} {v}' for k, v in ip['queries'].items())}.",
            "",
        ]
    out += [
        "## Reading the figures",
        "",
        "- The gate costs no query: it reads the completeness answer stored on the partner, loaded with the",
        "  current membership that the page needs anyway (`tests/test_gate.py::TestCost` asserts the counts).",
        "- Query counts per page are constant from 1 to 10,000 members (`tests/test_scale.py`).",
        f"- At {CONNECTIONS} connections and 2 workers a request waits behind about {CONNECTIONS // 2 - 1} others, "
        f"so p99 is roughly {CONNECTIONS // 2} service times.",
        "- Each page's own CPU time, against the floor the same stack cannot go below, is in *Pages at the floor*",
        "  below (`bench/pages.py`, run by `make bench`).",
    ]
    # bench/pages.py and bench/notifications.py keep their own sections after this one: carry them over.
    results = ROOT / "bench" / "results.md"
    previous = results.read_text() if results.exists() else ""
    starts = [previous.index(title) for title in KEPT_SECTIONS if title in previous]
    kept = previous[min(starts) :] if starts else ""
    results.write_text("\n".join(out) + "\n" + kept)
    print("\n".join(out))


if __name__ == "__main__":
    main()
