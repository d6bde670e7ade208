"""Real processes and servers for the tests that need them: the web app under gunicorn, a Celery
worker, an SMTP server that keeps what it receives, and a "black hole" that accepts connections and
never answers (a broker that hangs).

Each is a context manager: whoever enters it (a fixture, usually through an ExitStack) stops it
again, also when the test fails. Processes run in their own session and are stopped by their
process group, so gunicorn's worker goes with its master.

Nothing here sleeps for a fixed time: `wait_until` polls with a deadline, and gives up early when a
process it depends on has died (with that process's log in the message).

And the two helpers nearly every test module uses: `make_proposal`, the one factory for change
proposals, and `as_user`, a client logged in as one of the cast.
"""

import email
import email.policy
import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

import redis
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from governance.models import ChangeProposal
    from pathways.models import Partnership, Pathway, Version

ROOT = Path(__file__).resolve().parent.parent
REAL_BROKER_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
# How long to wait for something a real process does. Generous: on a busy CI machine a worker can
# take several seconds to start; a passing test never waits this long.
DEADLINE = 60.0


# --- Proposals and logged-in clients ----------------------------------------------------------------


def require(missing: list[str], *, what: str) -> None:
    """Skip a test whose tools are missing (`what` needs `missing`); with CI=true fail instead,
    so that CI never passes by skipping."""
    if not missing:
        return
    import pytest

    message = f"{what} needs " + ", ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true: " + message, pytrace=False)
    pytest.skip(message)


def make_proposal(
    *,
    pathway: "Pathway | None" = None,
    partnership: "Partnership | None" = None,
    state: str = "new",
    source: str = "reader",
    kind: str = "error",
    language: str = "nb",
    description: str = "Feil telefonnummer til BUP.",
    section_slug: str = "",
    version: "Version | None | Literal['current']" = "current",
    suggested_text: str = "",
    quote: str = "",
    external_url: str = "",
    context_unknown: bool = False,
    may_contain_personal_data: bool = False,
    by: "User | None" = None,
    **row: object,
) -> "ChangeProposal":
    """A proposal as proposal_create makes it (with its first history version), then put straight
    into `state` and given the other columns in `row` (`created_at`, `redacted_at`, ...) by a plain
    update: the state field is protected, and the moves that lead there are not what the test is
    about. On a pathway, the proposal was made on its current version unless `version` says
    otherwise (None: no version recorded).

    The models are imported here, not at the top, so that importing this module (for the process
    helpers below) never needs Django's app registry to be ready."""
    from governance.models import ChangeProposal
    from governance.proposals.services import proposal_create

    if version == "current":
        version = pathway.current_version if pathway else None
    proposal = proposal_create(
        source=source,
        kind=kind,
        language=language,
        description=description,
        pathway=pathway,
        section_slug=section_slug,
        version=version,
        partnership=partnership,
        suggested_text=suggested_text,
        quote=quote,
        external_url=external_url,
        context_unknown=context_unknown,
        may_contain_personal_data=may_contain_personal_data,
        by=by,
    )
    ChangeProposal.objects.filter(pk=proposal.pk).update(state=state, **row)
    return ChangeProposal.objects.get(pk=proposal.pk)


def as_user(client: "Client", user: "User") -> "Client":
    """`client`, logged in (by session) as `user`: `as_user(client, editor).get(url)`."""
    client.force_login(user)
    return client


# --- Waiting -----------------------------------------------------------------------------------------


def wait_until(predicate: Callable[[], object], *, what: str, timeout: float = DEADLINE, alive=()) -> object:
    """Poll `predicate` until it returns something true, and return that. Fails after `timeout`
    seconds, or at once when one of the `alive` processes has exited."""
    deadline = time.monotonic() + timeout
    interval = 0.02
    while True:
        value = predicate()
        if value:
            return value
        for process in alive:
            process.check_running()
        if time.monotonic() > deadline:
            logs = "".join(f"\n--- {process.name} ---\n{process.output()[-4000:]}" for process in alive)
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{logs}")
        time.sleep(interval)
        interval = min(interval * 2, 0.25)


# --- Subprocesses ------------------------------------------------------------------------------------


def database_url() -> str:
    """The URL of the database this test runs against (pytest-django's test_… database), for a
    subprocess. Read from the live settings, which pytest-django changed when it made the database."""
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def subprocess_env(**variables: str | None) -> dict[str, str]:
    """This process's environment with `variables` set (None removes one). The project's own
    variables are dropped first, so only what the test names reaches the subprocess."""
    dropped = {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "CELERY_TASK_DEFAULT_QUEUE",
        "CELERY_TASK_ALWAYS_EAGER",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "DEBUG",
    }
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
            "SECURE_HTTPS": "false",
            "STATIC_MANIFEST": "false",
            "FEEDBACK_MIN_SECONDS": "0",
            "CACHE_KEY_PREFIX": f"forlop-test-{uuid.uuid4().hex[:12]}",
        }
    )
    for name, value in variables.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class Process:
    """A subprocess writing its output to a file (a pipe nobody reads would fill and block it)."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_dir: Path, pass_fds=()):
        self.name = name
        self.log_path = log_dir / f"{name}-{uuid.uuid4().hex[:8]}.log"
        with open(self.log_path, "wb") as log:
            self.popen = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=pass_fds,
                start_new_session=True,  # its own process group: stop() ends its children too
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_running(self) -> None:
        if self.popen.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{self.output()[-4000:]}")

    def stop(self) -> None:
        """TERM to the process group (gunicorn's master then stops its worker), KILL to the group if
        it has not gone within a few seconds. The group id is the pid of the process started here."""
        if self.popen.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}


@dataclass
class WebServer:
    process: Process
    host: str
    port: int

    def request(self, method: str, path: str, *, body: str = "", headers=None, timeout: float = 30) -> Response:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body.encode() or None, headers=headers or {})
            answer = connection.getresponse()
            return Response(answer.status, answer.headers, answer.read().decode("utf-8", errors="replace"))
        finally:
            connection.close()

    def answers(self) -> bool:
        try:
            self.request("GET", "/", timeout=1)
        except OSError:
            return False
        return True


@contextmanager
def gunicorn(*, env: dict[str, str], log_dir: Path) -> Iterator[WebServer]:
    """The web app under gunicorn (one sync worker), as in production.

    The listening socket is made here and handed to gunicorn (`--bind fd://N`), so its port is known
    without guessing a free one that someone else might take first."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"fd://{listener.fileno()}",
        "--workers",
        "1",
        "--timeout",
        "30",
        "--graceful-timeout",
        "3",
        "--access-logfile",
        "-",
    ]
    try:
        process = Process("gunicorn", args, env=env, log_dir=log_dir, pass_fds=(listener.fileno(),))
    finally:
        listener.close()  # gunicorn has its own copy
    server = WebServer(process, "127.0.0.1", port)
    try:
        wait_until(server.answers, what="gunicorn to answer", alive=[process])
        yield server
    finally:
        process.stop()


@contextmanager
def celery_worker(*, env: dict[str, str], queue: str, log_dir: Path) -> Iterator[Process]:
    """A real worker, one task at a time, consuming only `queue`. Mingle, gossip and heartbeats are
    off: they talk to the other workers on the same broker, which a test has no business with."""
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "-Q",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
    ]
    broker_url = env.get("CELERY_BROKER_URL", REAL_BROKER_URL)
    env = {
        **env,
        "CELERY_BROKER_URL": broker_url,
        # Results go to the broker's database, for the tests' own client (the project ignores them).
        "CELERY_RESULT_BACKEND": broker_url,
        # What the worker itself sends (the requeue task's hand-overs) comes back to it.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    process = Process("celery-worker", args, env=env, log_dir=log_dir)
    try:
        yield process
    finally:
        process.stop()
        forget_queue(queue, broker_url)


def unique_queue_name() -> str:
    return f"test-{uuid.uuid4().hex[:16]}"


@contextmanager
def routed_to(app: Celery, queue: str) -> Iterator[None]:
    """Send this process's tasks (the outbox hand-over, the requeue) to `queue` instead of the
    default one, so that a worker started by this test, and no other, gets them. Tidies the queue's
    keys in Redis afterwards; the broker database is shared with other test runs."""
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = before
        forget_queue(queue)


def forget_queue(queue: str, broker_url: str = REAL_BROKER_URL) -> None:
    """Remove what kombu keeps in Redis for `queue`: its lists, its binding tables (named after it,
    as its exchange is), and its members in the shared ones (the worker's pidbox)."""
    client = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=5)
    name = queue.encode()
    try:
        client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        for key in client.scan_iter(match=f"{queue}*"):
            client.delete(key)
        for key in client.scan_iter(match="_kombu.binding*"):
            kind = client.type(key)
            if kind == b"set" and (stale := [member for member in client.smembers(key) if name in member]):
                client.srem(key, *stale)
            elif kind == b"zset" and (
                stale := [
                    member for member in client.zrange(key, 0, -1) if isinstance(member, bytes) and name in member
                ]
            ):
                client.zrem(key, *stale)
    finally:
        client.close()


@contextmanager
def celery_client(queue: str, broker_url: str = REAL_BROKER_URL) -> Iterator[Celery]:
    """A Celery app of its own that sends to `queue` and can read results (the project's app ignores
    them). Not made current, so the project's app stays the one the code under test uses."""
    app = Celery("tests", broker=broker_url, backend=broker_url, set_as_current=False)
    app.conf.task_default_queue = queue
    app.conf.broker_connection_retry_on_startup = True
    try:
        yield app
    finally:
        app.close()


def barrier(client: Celery, queue: str, *, worker: Process) -> None:
    """Wait until the worker has run everything sent to `queue` before now. The worker takes one
    task at a time, in order, so when a ping sent now has been answered, so has all that came
    before it."""
    result = client.send_task("workers.ping", queue=queue, ignore_result=False)
    try:
        wait_until(result.ready, what="the worker to answer a ping", alive=[worker])
        assert result.get(timeout=5) == "pong"
    finally:
        result.forget()


# --- Network stand-ins -------------------------------------------------------------------------------


class BlackHole:
    """A TCP port that accepts connections and never answers: a broker that has hung."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(connection)  # kept open, never read from nor written to

    def __enter__(self) -> "BlackHole":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for connection in self._held:
            connection.close()

    @property
    def accepted(self) -> int:
        return len(self._held)


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def text_parts(self) -> list[str]:
        return [part.get_content() for part in self.message.walk() if part.get_content_maintype() == "text"]


class _Collector:
    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.received.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
            )
        return "250 Message accepted for delivery"


class _BoundController(Controller):
    """aiosmtpd's Controller on a socket bound beforehand to a port the system chose."""

    def __init__(self, handler, sock: socket.socket) -> None:
        self._sock = sock
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class SmtpServer:
    """A real SMTP server (aiosmtpd) that keeps every message it receives."""

    def __init__(self) -> None:
        self._collector = _Collector()
        self._controller = _BoundController(self._collector, socket.create_server(("127.0.0.1", 0)))
        self.host = self._controller.hostname
        self.port = self._controller.port

    def __enter__(self) -> "SmtpServer":
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()

    @property
    def received(self) -> list[ReceivedMail]:
        return list(self._collector.received)

    def env(self) -> dict[str, str]:
        return {"EMAIL_HOST": self.host, "EMAIL_PORT": str(self.port)}
