"""The embedded broker: kombu's filesystem transport, made safe against a process killed at
any instant.

kombu's own filesystem transport (kombu/transport/filesystem.py) creates a message file
under its final name and writes it afterwards, and its readers never take the writer's
lock: a reader polling at the wrong moment takes an empty or half-written file (a writer
killed in between leaves one for good). The reader deletes the file before parsing it, so
the message is lost, and the JSONDecodeError ends the worker's consumer ("Unrecoverable
error"). It also deletes a message as soon as it takes it, so a worker killed before
acknowledging a message loses it.

This transport (`readiness-filesystem://`) keeps kombu's folders and file names, so a
broker folder written by kombu's transport is read as it is, and:

- writes each message into `tmp/`, then renames it into `queue/`: a rename is atomic, so a
  reader sees a whole message or none;
- takes a message by renaming it into its channel's folder under `taken/` (only one
  reader can win a rename), deletes it when the message is acknowledged, and renames it
  back into `queue/` when it is rejected or the channel closes without acknowledging it;
- holds, for as long as a channel lives, an exclusive lock (flock) on its folder's lock
  file. The kernel releases it when the process dies, however it dies, and a channel that
  finds another's lock free puts that folder's messages back in `queue/`: a message a
  killed worker had taken is delivered again;
- moves a file that is not a message to `quarantine/`, says so in the log, and goes on.

Locks are per machine: the folder serves the workers of one machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

TRANSPORT_NAME = "readiness-filesystem"
TRANSPORT_ALIASES[TRANSPORT_NAME] = "readiness.broker:Transport"
# The transport ignores the host; without one kombu warns "No hostname was supplied" at
# every start of a worker or beat.
EMBEDDED_URL = f"{TRANSPORT_NAME}://localhost//"

# How often a consuming channel looks for the folders of channels whose process died.
RECOVER_EVERY_S = 5.0
# A file left in tmp/ this long is a write whose process died before its rename.
ABANDONED_AFTER_S = 600.0


def filesystem_transport_options(folder: Path) -> dict[str, Any]:
    """Transport options keeping every file of the broker under `folder` (kombu puts its
    exchange tables in ./control, relative to the working directory, unless told)."""
    for sub in ("queue", "tmp", "taken", "quarantine", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        # The folder is polled: 1 s (kombu's default) would add up to a second per task.
        "polling_interval": 0.1,
    }


class Channel(filesystem.Channel):
    """kombu's filesystem channel with atomic writes, acknowledgements that survive the
    reader's death, and unreadable files set aside (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._taken: dict[str, Path] = {}  # delivery tag -> the file it came from
        self._own: Path | None = None  # this channel's folder under taken/, once it reads
        self._lock_fd: int | None = None
        self._recovered_at = 0.0

    # Folders: queue/ is kombu's data folder; the others are its siblings.

    @property
    def _queue_dir(self) -> Path:
        return Path(self.data_folder_in)

    def _sibling(self, name: str) -> Path:
        folder = self._queue_dir.parent / name
        folder.mkdir(exist_ok=True)
        return folder

    # Writing.

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Put `payload` onto `queue`: written aside, then renamed into the queue whole."""
        # kombu's file name (its readers look for the queue's name after the first dot),
        # with the time in nanoseconds, padded, so that names sort in the order sent.
        name = f"{time.monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        written = self._sibling("tmp") / name
        try:
            with open(written, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.rename(written, Path(self.data_folder_out) / name)
        except OSError as exc:
            with contextlib.suppress(OSError):
                written.unlink()
            raise ChannelError(f"cannot add a message to {self.data_folder_out}: {exc}") from exc

    # Exchange tables (control/): kombu rewrites them in place, so a reader could see one
    # half written, and a writer killed midway would leave it broken.

    def get_table(self, exchange: str) -> list[Any]:
        file = self._exchange_file(exchange)
        try:
            text = file.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"cannot read {file}: {exc}") from exc
        try:
            return [filesystem.exchange_queue_t(*row) for row in loads(bytes_to_str(text))]
        except Exception as exc:  # a table that kombu's transport left half written
            logger.error(
                "broker: the exchange table %s is unreadable (%s: %s); it starts again empty",
                file,
                type(exc).__name__,
                exc,
            )
            return []

    def queue_bind(
        self,
        queue: str,
        exchange: str | None = None,
        routing_key: str = "",
        arguments: Any = None,
        **kwargs: Any,
    ) -> None:
        super().queue_bind(queue, exchange, routing_key, arguments, **kwargs)
        # kombu writes the table only the first time this process declares the binding; a
        # table started again since would route nothing (a message no table routes is
        # dropped), so every declaration makes sure the table holds it.
        exchange = exchange or "amq.direct"
        binding = self.typeof(exchange).prepare_bind(queue, exchange, routing_key, arguments)
        self._queue_bind(exchange, *binding)

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange):
            table = self.get_table(exchange)
            if binding not in table:
                self._write_table(exchange, [binding, *table])

    def _delete(
        self, queue: str, exchange: str, routing_key: str, pattern: str, *args: Any, **kwargs: Any
    ) -> None:
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange):
            table = self.get_table(exchange)
            if binding in table:
                self._write_table(exchange, [row for row in table if row != binding])

    @contextlib.contextmanager
    def _table_lock(self, exchange: str) -> Iterator[None]:
        """Writers of one exchange table, one at a time (on a lock file of its own: the
        table itself is replaced by each write)."""
        file = self._exchange_file(exchange)
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(
                file.with_name(f".{file.name}.lock"), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600
            )
        except OSError as exc:
            raise ChannelError(f"cannot lock {file}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _write_table(self, exchange: str, table: list[Any]) -> None:
        file = self._exchange_file(exchange)
        written = self._sibling("tmp") / f"{file.name}.{uuid.uuid4().hex}"
        try:
            written.write_bytes(str_to_bytes(dumps(table)))
            os.rename(written, file)
        except OSError as exc:
            with contextlib.suppress(OSError):
                written.unlink()
            raise ChannelError(f"cannot write {file}: {exc}") from exc

    # Reading and acknowledging.

    def _get(self, queue: str) -> Any:
        """The next message of `queue`, moved into this channel's folder until it is
        acknowledged."""
        own = self._owned_folder()
        self._recover_now_and_then()
        wanted = f"{queue}.msg"
        try:
            names = sorted(os.listdir(self._queue_dir))
        except OSError as exc:
            raise ChannelError(f"cannot read the broker folder {self._queue_dir}: {exc}") from exc
        for name in names:
            if name.partition(".")[2] != wanted:
                continue
            taken = own / name
            try:
                os.rename(self._queue_dir / name, taken)
            except FileNotFoundError:
                continue  # another reader took it first
            except OSError as exc:
                raise ChannelError(f"cannot take {name} from {self._queue_dir}: {exc}") from exc
            payload = self._read(taken)
            if payload is not None:
                self._taken[payload["properties"]["delivery_tag"]] = taken
                return payload
        raise Empty()

    def _read(self, taken: Path) -> Any:
        """The message in `taken`, or None after moving a file that holds none to
        quarantine/."""
        try:
            payload = loads(bytes_to_str(taken.read_bytes()))
            self.Message(payload, channel=self)  # what the consumer will build from it
            if not isinstance(payload["properties"]["delivery_tag"], str):
                raise TypeError("the delivery tag is not a string")
            return payload
        except OSError as exc:
            raise ChannelError(f"cannot read {taken}: {exc}") from exc
        except Exception as exc:  # anything a broken file can raise: it is not a message
            quarantined = self._sibling("quarantine") / taken.name
            with contextlib.suppress(OSError):
                os.rename(taken, quarantined)
            logger.error(
                "broker: %s is not a message (%s: %s); moved to %s",
                taken.name,
                type(exc).__name__,
                exc,
                quarantined,
            )
            return None

    def _settle(self, delivery_tag: str) -> None:
        """The message is done with: delete its file."""
        taken = self._taken.pop(delivery_tag, None)
        if taken is not None:
            with contextlib.suppress(FileNotFoundError):
                taken.unlink()

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple)
        self._settle(delivery_tag)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue)  # a requeued message is restored first
        self._settle(delivery_tag)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self._settle(message.delivery_tag)
        return message

    def basic_consume(
        self, queue: str, no_ack: bool, callback: Any, consumer_tag: str, **kwargs: Any
    ) -> Any:
        if no_ack:  # nothing will acknowledge these messages: done with once delivered
            deliver = callback

            def callback(message: Any) -> Any:
                self._settle(message.delivery_tag)
                return deliver(message)

        return super().basic_consume(queue, no_ack, callback, consumer_tag, **kwargs)

    def _restore(self, message: Any) -> None:
        """Deliver an unacknowledged message again: its file goes back into the queue
        under its own name, so at its old place."""
        taken = self._taken.pop(message.delivery_tag, None)
        if taken is None:
            super()._restore(message)
            return
        try:
            os.rename(taken, self._queue_dir / taken.name)
        except FileNotFoundError:
            super()._restore(message)  # its file is gone: write it again

    def close(self) -> None:
        super().close()  # puts unacknowledged messages back (QoS.restore_unacked_once)
        if self._own is not None and self._lock_fd is not None:
            for left in list(self._own.iterdir()):  # taken again by no one: back in the queue
                with contextlib.suppress(FileNotFoundError):
                    os.rename(left, self._queue_dir / left.name)
            with contextlib.suppress(OSError):
                self._own.rmdir()
            with contextlib.suppress(OSError):
                self._own.with_suffix(".lock").unlink()
            os.close(self._lock_fd)
            self._own = self._lock_fd = None

    # The folders of dead channels.

    def _owned_folder(self) -> Path:
        """This channel's folder under taken/, created (with its lock held) on first use:
        only channels that read messages have one."""
        if self._own is None:
            taken = self._sibling("taken")
            name = uuid.uuid4().hex
            # Locked before it gets the name others look for, so no one sees it unlocked.
            hidden = taken / f".{name}.lock"
            fd = os.open(hidden, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.rename(hidden, taken / f"{name}.lock")
            (taken / name).mkdir()
            self._lock_fd, self._own = fd, taken / name
        return self._own

    def _recover_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._recovered_at >= RECOVER_EVERY_S:
            self._recovered_at = now
            recover_abandoned(self._queue_dir.parent, keep=self._own)


def recover_abandoned(folder: Path, *, keep: Path | None = None) -> int:
    """Put back into `folder`/queue the messages that channels of dead processes had taken
    (their lock is free), and delete writes abandoned in tmp/. Returns the messages put
    back. Safe to run from several processes at once."""
    queue, taken = folder / "queue", folder / "taken"
    restored = 0
    for lock in sorted(taken.glob("*.lock")) if taken.is_dir() else ():
        if lock.name.startswith(".") or lock.with_suffix("") == keep:
            continue
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its process is alive
            restored += _put_back(lock.with_suffix(""), queue)
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
        finally:
            os.close(fd)
    if restored:
        logger.warning(
            "broker: %s message(s) taken by a process that died are back in the queue", restored
        )
    # Files of a process that died while writing a message or creating its lock.
    hidden_locks = (p for p in taken.glob(".*.lock")) if taken.is_dir() else ()
    _delete_abandoned([*hidden_locks, *_files(folder / "tmp")])
    return restored


def _files(folder: Path) -> list[Path]:
    return list(folder.iterdir()) if folder.is_dir() else []


def _put_back(folder: Path, queue: Path) -> int:
    moved = 0
    for left in _files(folder):
        with contextlib.suppress(FileNotFoundError):
            os.rename(left, queue / left.name)
            moved += 1
    with contextlib.suppress(OSError):
        folder.rmdir()
    return moved


def _delete_abandoned(paths: list[Path]) -> None:
    too_old = time.time() - ABANDONED_AFTER_S
    for path in paths:
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < too_old:
                path.unlink()


class Transport(filesystem.Transport):
    """kombu's filesystem transport with the channel above."""

    Channel = Channel
    global_state = virtual.BrokerState()
    driver_type = driver_name = TRANSPORT_NAME
