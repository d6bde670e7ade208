"""Helpers shared by the benchmarks in bench/: a throwaway PostgreSQL database, `manage.py` in a
bench environment, one gunicorn process on a free port, plain `http.client` requests on a new
connection each, and adding a row to docs/benchmarks.md."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOCS = ROOT / "docs" / "benchmarks.md"
DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# Variables of the caller's environment that would point the bench at real data or services.
OUTSIDE_VARIABLES = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_KEY_PREFIX", "ROOT_URLCONF"}


# For `manage shell -c`: the demo's `angst` pathway (else the first published one, else a new one of
# 30 sections) as `pathway`, and its page fetched once as `response`. Both benches start from it.
PUBLISHED_PATHWAY = r"""
from django.contrib.auth import get_user_model
from django.test import Client
from pathways.models import Pathway

pathway = Pathway.objects.filter(slug="angst", current_version__isnull=False).first()
pathway = pathway or Pathway.objects.filter(current_version__isnull=False).order_by("position", "pk").first()
if pathway is None:
    from tests.factories import make_pathway

    editor, _ = get_user_model().objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    pathway = make_pathway(editor=editor, slug="angst", sections=30)
response = Client(SERVER_NAME="localhost").get(f"/nb/forlop/{pathway.slug}/")
assert response.status_code == 200, response.status_code
"""


def log(message: str) -> None:
    print(message, flush=True)


def bench_env(var_dir: Path, **extra: str) -> dict:
    """The environment of `manage.py` and gunicorn: production settings (DEBUG off) on plain HTTP,
    a temporary VAR_DIR and a throwaway SECRET_KEY; `extra` on top."""
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_VARIABLES}
    env.update(
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789",
        DEBUG="false",
        SECURE_HTTPS="false",
        STATIC_MANIFEST="false",
        VAR_DIR=str(var_dir),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def postgres_database(admin_url: str, name: str) -> str | None:
    """Drop and create `name`; its URL, or None when PostgreSQL does not answer."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        log(f"PostgreSQL unreachable ({str(error).strip().splitlines()[0]})")
        return None
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {args[0]} failed ({result.returncode})")
    return result


def load_demo(env: dict) -> None:
    """`manage.py load_demo`; a failure is reported and the run goes on with whatever it left."""
    demo = manage(env, "load_demo", check=False)
    if demo.returncode != 0:
        last = (demo.stderr.strip().splitlines() or ["?"])[-1]
        log(f"load_demo failed ({last}); continuing with whatever it left")
    else:
        log(demo.stdout.strip())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, log_file: Path, *, workers: int = 1, threads: int = 1) -> subprocess.Popen:
    """`gunicorn config.wsgi` on 127.0.0.1:`port`, its output appended to `log_file`."""
    with log_file.open("ab") as out:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def stop_server(server: subprocess.Popen | None) -> None:
    if server is None:
        return
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def get(port: int, path: str) -> bytes:
    """One GET on a new connection, closed afterwards."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Connection": "close", "Accept-Encoding": "identity"})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        return body
    finally:
        conn.close()


def wait_until_up(port: int, path: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            get(port, path)
            return
        except (OSError, RuntimeError, http.client.HTTPException):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {path} within {timeout:.0f} s")


def record(row: str, marker: str) -> None:
    """Put `row` on the line above `marker` in docs/benchmarks.md."""
    text = DOCS.read_text(encoding="utf-8")
    if marker not in text:
        raise SystemExit(f"{DOCS}: marker line not found, add the row by hand:\n{row}")
    DOCS.write_text(text.replace(marker, row + "\n" + marker), encoding="utf-8")
    log(f"Recorded in {DOCS.relative_to(ROOT)}")


def add_database_arguments(parser, *, database: str, what: str = "the throwaway database") -> None:
    """The options every bench on throwaway PostgreSQL databases takes, and `--machine`/`--record`."""
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help=f"URL to connect to for {what}")
    parser.add_argument("--database", default=database, help=f"name (or prefix) of {what}")
    parser.add_argument("--keep", action="store_true", help=f"keep {what} afterwards (to EXPLAIN by hand)")
    parser.add_argument("--machine", default=f"python-svc {os.cpu_count()} cores", help="machine kind for the rows")
    parser.add_argument("--record", action="store_true", help=f"add the results to {DOCS.relative_to(ROOT)}")
