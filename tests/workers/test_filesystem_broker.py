"""The embedded default's broker (workers/broker.py) with real processes: a writer killed halfway
through a message leaves nothing a worker can read, a half-written file from elsewhere is set aside,
and the worker goes on delivering whole messages.

No PostgreSQL or Redis: the writer and the worker run on the filesystem transport in a folder of
this test's own (VAR_DIR), the way `make run` does with no configuration.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests import support
from workers import broker

# A writer that sends one ping through the project's Celery app. With HALF set, the write stops
# after half of the message's bytes, says so in the marker file, and waits to be killed.
WRITER = """
import os, sys, time
import django
django.setup()
from workers import broker
if os.environ.get("HALF"):
    real_write = os.write
    def half_then_hang(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        open(os.environ["MARKER"], "w").close()
        time.sleep(600)
    broker.os.write = half_then_hang
from config import celery_app
celery_app.send_task("workers.ping", task_id=os.environ["TASK_ID"])
print("sent", flush=True)
"""


@pytest.fixture
def var_dir(tmp_path) -> Path:
    folder = tmp_path / "var"
    folder.mkdir()
    return folder


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = support.subprocess_env(
        DATABASE_URL=None, REDIS_URL=None, CELERY_BROKER_URL=None, CELERY_TASK_DEFAULT_QUEUE=None, VAR_DIR=str(var_dir)
    )
    env.update(extra)
    return env


def _write(var_dir: Path, task_id: str) -> None:
    """A whole message, sent by a writer process that is left alone."""
    done = subprocess.run(
        [sys.executable, "-c", WRITER],
        cwd=support.ROOT,
        env=_env(var_dir, TASK_ID=task_id),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0 and b"sent" in done.stdout, done.stderr.decode()[-3000:]


def _queue(var_dir: Path) -> Path:
    return var_dir / "broker" / "queue"


def _messages(var_dir: Path) -> list[Path]:
    return sorted(path for path in _queue(var_dir).iterdir() if path.name.endswith(".celery.msg"))


@pytest.fixture
def worker(var_dir, tmp_path):
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1"]
    args += ["--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "INFO"]
    process = support.Process("celery-worker", args, env=_env(var_dir), log_dir=tmp_path)
    yield process
    process.stop()


def _succeeded(worker: support.Process, task_id: str) -> bool:
    return f"Task workers.ping[{task_id}] succeeded" in worker.output()


def test_a_writer_killed_mid_write_leaves_no_message_and_the_worker_goes_on(var_dir, tmp_path, worker):
    marker = tmp_path / "half-written"
    killed_id, whole_id = str(uuid.uuid4()), str(uuid.uuid4())
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER],
        cwd=support.ROOT,
        env=_env(var_dir, TASK_ID=killed_id, HALF="1", MARKER=str(marker)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        support.wait_until(marker.exists, what="the writer to be halfway through its message", timeout=60)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL

    # Half a message is on disk, under the temporary name only; nothing in the queue.
    temporaries = [path for path in _queue(var_dir).iterdir() if path.name.startswith(broker.TEMPORARY_PREFIX)]
    assert len(temporaries) == 1 and temporaries[0].stat().st_size > 0
    with pytest.raises(ValueError):
        json.loads(temporaries[0].read_bytes())
    assert _messages(var_dir) == []

    # The sender never finished, so (as beat does with the outbox row) the same task is sent again,
    # and another ping besides; the worker runs both, once each, and is still running.
    _write(var_dir, killed_id)
    _write(var_dir, whole_id)
    support.wait_until(
        lambda: _succeeded(worker, killed_id) and _succeeded(worker, whole_id), what="both pings", alive=[worker]
    )
    time.sleep(1.5)  # a poll or two more: nothing else arrives, nothing breaks
    worker.check_running()
    assert worker.output().count(f"Task workers.ping[{killed_id}] succeeded") == 1
    assert _messages(var_dir) == []
    assert not (var_dir / "broker" / "broken").exists()


def test_a_half_written_message_file_is_set_aside_and_the_worker_goes_on(var_dir, worker, tmp_path):
    """What kombu's own transport leaves when its writer dies: a final name with half the JSON."""
    # A whole message written where no worker reads (the running one would take it before it is
    # copied), then half of it under a final name in the worker's queue, then a whole ping.
    scratch = tmp_path / "scratch"
    _write(scratch, str(uuid.uuid4()))
    whole = _messages(scratch)[0]
    half = _queue(var_dir) / f"0_{uuid.uuid4()}.celery.msg"  # sorts first: the worker meets it first
    half.parent.mkdir(parents=True, exist_ok=True)
    half.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    whole_id = str(uuid.uuid4())
    _write(var_dir, whole_id)

    support.wait_until(lambda: _succeeded(worker, whole_id), what="the whole ping", alive=[worker])
    worker.check_running()
    assert [path.name for path in (var_dir / "broker" / "broken").iterdir()] == [half.name]
    assert "is not a whole message" in worker.output()
    assert _messages(var_dir) == []


def test_stale_temporaries_are_removed_and_fresh_ones_kept(tmp_path):
    stale = tmp_path / f"{broker.TEMPORARY_PREFIX}old.part"
    fresh = tmp_path / f"{broker.TEMPORARY_PREFIX}new.part"
    message = tmp_path / "1_x.celery.msg"
    for path in (stale, fresh, message):
        path.write_bytes(b"{")
    old = time.time() - broker.STALE_TEMPORARY_SECONDS - 5
    os.utime(stale, (old, old))
    os.utime(message, (old, old))
    broker.remove_stale_temporaries(str(tmp_path))
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([fresh.name, message.name])
