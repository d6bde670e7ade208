"""`make run` (scripts/run.sh) for real, on the embedded default: a worker or beat that is killed is
started again, and the web server answers all the while.

The script migrates a fresh SQLite database in a folder of this test's own, loads the demo and
starts gunicorn, the worker and beat; the test kills the worker's and then beat's main process by
their ids, as a crash would.
"""

import os
import signal
import socket
from pathlib import Path

import pytest

from tests import support

RESTART_SECONDS = 1


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def _command(pid: int) -> list[str]:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_text().split("\0")
    except OSError:
        return []


def _celery_main(root: int, kind: str) -> int | None:
    """The main process of `celery … worker` (or beat) under the script `root`: the one whose parent
    is not itself that command (the prefork pool's children are)."""
    tree = _children()
    found: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        for child in tree.get(pid, []):
            command = _command(child)
            if "celery" in " ".join(command) and kind in command and kind not in _command(pid):
                found.append(child)
            stack.append(child)
    return found[0] if len(found) == 1 else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def run_script(tmp_path):
    port = _free_port()
    env = support.subprocess_env(
        DATABASE_URL=None,
        REDIS_URL=None,
        VAR_DIR=str(tmp_path / "var"),
        PORT=str(port),
        RESTART_SECONDS=str(RESTART_SECONDS),
        SECRET_KEY="run-script-test-secret-key-0123456789-abcdefghijklmnop",
    )
    process = support.Process("run.sh", ["scripts/run.sh"], env=env, log_dir=tmp_path)
    server = support.WebServer(process, "127.0.0.1", port)
    try:
        support.wait_until(server.answers, what="the web server", timeout=180, alive=[process])
        yield server
    finally:
        process.stop()


@pytest.mark.parametrize("kind", ["worker", "beat"])
def test_a_killed_worker_or_beat_is_started_again_and_web_stays_up(run_script, kind):
    script = run_script.process
    first = support.wait_until(lambda: _celery_main(script.popen.pid, kind), what=f"the {kind}", alive=[script])

    before = len(script.output())
    os.kill(first, signal.SIGKILL)

    # The script's word first: until then the killed process may linger as a zombie, and its pool
    # children (whose parent then has no command line) would pass for a new main process.
    exited = f"run.sh: {kind} exited with status"
    support.wait_until(
        lambda: exited in script.output()[before:], what=f"run.sh to see the {kind} exit", alive=[script]
    )
    again = support.wait_until(
        lambda: (pid := _celery_main(script.popen.pid, kind)) and pid != first and pid,
        what=f"a new {kind}",
        alive=[script],
    )
    assert again != first
    assert run_script.request("GET", "/nb/forlop/").status == 200
    if kind == "worker":
        support.wait_until(lambda: " ready." in script.output()[before:], what="the new worker to be ready")
    script.check_running()
