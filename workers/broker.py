"""kombu's filesystem transport, made safe for a writer that dies mid-write.

kombu writes each message straight to its final name (`<ms>_<uuid>.<queue>.msg`) in the queue
folder. A worker listing the folder while a web process is still writing, or after that process was
killed halfway, moves the half-written file away and fails on its JSON: the worker crashed once
under `make run` this way. Here the message is written to a hidden temporary name the worker never
picks up (`_get` only takes names ending in `.<queue>.msg`), flushed to disk, and then renamed into
place with `os.replace`, which is atomic within one folder: a message is either whole or absent.

A writer killed before the rename leaves only its temporary file, which `_get` skips and the next
writer removes once it is older than `STALE_TEMPORARY_SECONDS`; the message itself is not lost,
because what the web hands over is an outbox row first (beat hands it over again). A file that is
not a message at all (left by an older version, or written by hand) is moved to `broken/` beside the
queue and logged by name, instead of stopping the worker.

Registered for `filesystem://` in workers/celery.py, so the embedded default uses it everywhere.
"""

import logging
import os
import shutil
import tempfile
import time
import uuid
from queue import Empty
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

TEMPORARY_PREFIX = ".writing-"
STALE_TEMPORARY_SECONDS = 60 * 60


def write_atomically(folder: str, name: str, data: bytes) -> str:
    """Writes `data` to `folder/name` so that a reader sees all of it or nothing."""
    temporary = os.path.join(folder, f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        os.unlink(temporary)
        raise
    os.close(descriptor)
    final = os.path.join(folder, name)
    os.replace(temporary, final)
    return final


def remove_stale_temporaries(folder: str, *, older_than: float = STALE_TEMPORARY_SECONDS) -> None:
    """Temporary files of writers that died before their rename."""
    cutoff = time.time() - older_than
    for entry in os.scandir(folder):
        if entry.name.startswith(TEMPORARY_PREFIX):
            try:
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except FileNotFoundError:
                pass


class Channel(filesystem.Channel):
    # kombu's own signature; its stubs give the base class a narrower one.
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{int(round(time.monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        try:
            write_atomically(self.data_folder_out, name, str_to_bytes(dumps(payload)))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc
        if uuid.uuid4().int % 100 == 0:  # now and then, not on every message
            remove_stale_temporaries(self.data_folder_out)

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """kombu's `_get`, except that a file that is not a whole message is set aside, not fatal."""
        wanted = f"{queue}.msg"
        for filename in sorted(os.listdir(self.data_folder_in)):
            if filename.partition(".")[2] != wanted:
                continue
            folder = self.processed_folder if self.store_processed else tempfile.gettempdir()
            try:
                # The move is the claim: of two workers, one moves the file, the other gets OSError.
                shutil.move(os.path.join(self.data_folder_in, filename), folder)
            except OSError:
                continue
            path = os.path.join(folder, filename)
            try:
                with open(path, "rb") as file:
                    raw = file.read()
            except OSError as exc:
                raise ChannelError(f"Cannot read file {path!r} from queue.") from exc
            try:
                message = loads(bytes_to_str(raw))
            except ValueError:
                self._set_aside(path, filename)
                continue
            if not self.store_processed:
                os.remove(path)
            return message
        raise Empty()

    def _set_aside(self, path: str, filename: str) -> None:
        broken = os.path.join(os.path.dirname(os.path.abspath(self.data_folder_in)), "broken")
        os.makedirs(broken, exist_ok=True)
        shutil.move(path, os.path.join(broken, filename))
        logger.error("broker: %s is not a whole message; moved to %s", filename, broken)


class Transport(filesystem.Transport):
    Channel = Channel
