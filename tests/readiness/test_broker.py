"""readiness/broker.py: the embedded broker loses no message and never chokes on a file,
whatever process dies when, with real processes on a real folder."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection

from readiness.broker import EMBEDDED_URL, filesystem_transport_options

# Processes are forked, so they share this one's imports (the transport's registration).
FORK = multiprocessing.get_context("fork")


def connect(folder: Path, url: str = EMBEDDED_URL) -> Connection:
    return Connection(url, transport_options=filesystem_transport_options(folder))


def put(folder: Path, *payloads: object, queue: str = "q") -> None:
    with connect(folder) as connection:
        simple = connection.SimpleQueue(queue)
        for payload in payloads:
            simple.put(payload)
        simple.close()


def take(folder: Path, *, queue: str = "q", timeout: float = 0.5) -> list[object]:
    """Every payload waiting in `queue`, acknowledged."""
    taken = []
    with connect(folder) as connection:
        simple = connection.SimpleQueue(queue)
        try:
            while True:
                message = simple.get(timeout=timeout)
                taken.append(message.payload)
                message.ack()
        except Empty:
            return taken
        finally:
            simple.close()


def queue_files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder / "queue"))


def test_it_sets_aside_a_half_written_message_and_delivers_the_next(tmp_path, caplog):
    put(tmp_path, {"n": 1})
    # What kombu's transport leaves when its writer dies between creating the file and
    # writing it, or in the middle: it sorts first, so it is read first.
    (tmp_path / "queue" / "0_half.q.msg").write_text('{"body": "eyJh')
    (tmp_path / "queue" / "1_empty.q.msg").write_text("")

    with caplog.at_level(logging.ERROR, logger="readiness.broker"):
        assert take(tmp_path) == [{"n": 1}]

    assert sorted(os.listdir(tmp_path / "quarantine")) == ["0_half.q.msg", "1_empty.q.msg"]
    assert "0_half.q.msg is not a message (JSONDecodeError" in caplog.text
    assert queue_files(tmp_path) == []


def test_it_sets_aside_a_file_that_is_json_but_no_message(tmp_path, caplog):
    (tmp_path / "queue").mkdir(parents=True)
    (tmp_path / "queue" / "0_x.q.msg").write_text(json.dumps({"body": "e30="}))
    put(tmp_path, {"n": 2})

    with caplog.at_level(logging.ERROR, logger="readiness.broker"):
        assert take(tmp_path) == [{"n": 2}]
    assert os.listdir(tmp_path / "quarantine") == ["0_x.q.msg"]
    assert "0_x.q.msg is not a message" in caplog.text


def _produce(folder: Path, first: int, count: int) -> None:
    put(folder, *({"n": n} for n in range(first, first + count)))


def _consume(folder: Path, results: multiprocessing.Queue) -> None:
    seen, errors = [], []
    with connect(folder) as connection:
        simple = connection.SimpleQueue("q")
        idle_until = time.monotonic() + 3
        while time.monotonic() < idle_until:
            try:
                message = simple.get(block=False)
            except Empty:
                time.sleep(0.001)  # polls far faster than a worker, to meet the writers
                continue
            except Exception as exc:  # kombu's transport: JSONDecodeError
                errors.append(type(exc).__name__)
                continue
            seen.append(message.payload["n"])
            message.ack()
            idle_until = time.monotonic() + 3
    results.put((seen, errors))


def test_readers_never_see_a_message_before_it_is_whole(tmp_path):
    # kombu's transport lost about a third of these messages, each with a JSONDecodeError:
    # its readers took files that the writers had created but not yet written.
    results = FORK.Queue()
    consumers = [FORK.Process(target=_consume, args=(tmp_path, results)) for _ in range(2)]
    producers = [FORK.Process(target=_produce, args=(tmp_path, i * 1000, 1000)) for i in (0, 1)]
    for process in consumers + producers:
        process.start()
    outcomes = [results.get(timeout=120) for _ in consumers]
    for process in consumers + producers:
        process.join(timeout=30)

    seen = [n for numbers, _ in outcomes for n in numbers]
    assert [errors for _, errors in outcomes] == [[], []]
    assert sorted(seen) == list(range(2000))  # each message once


def _take_and_hang(folder: Path, taken: multiprocessing.Event) -> None:
    with connect(folder) as connection:
        simple = connection.SimpleQueue("q")
        simple.get(timeout=10)  # not acknowledged
        taken.set()
        time.sleep(60)


def test_a_message_taken_by_a_killed_reader_is_delivered_again(tmp_path, caplog):
    put(tmp_path, {"n": 1})
    taken = FORK.Event()
    reader = FORK.Process(target=_take_and_hang, args=(tmp_path, taken))
    reader.start()
    assert taken.wait(timeout=30)
    assert queue_files(tmp_path) == []  # it is the reader's now
    os.kill(reader.pid, signal.SIGKILL)
    reader.join()

    with caplog.at_level(logging.WARNING, logger="readiness.broker"):
        assert take(tmp_path) == [{"n": 1}]
    assert "1 message(s) taken by a process that died are back in the queue" in caplog.text
    assert os.listdir(tmp_path / "taken") == []


def test_a_live_reader_keeps_what_it_took(tmp_path):
    put(tmp_path, {"n": 1}, {"n": 2})
    with connect(tmp_path) as connection:
        simple = connection.SimpleQueue("q")
        first = simple.get(timeout=2)
        # Another reader, and the recovery it runs, leave the first reader's message alone.
        assert take(tmp_path) == [{"n": 2}]
        first.ack()
        simple.close()
    assert first.payload == {"n": 1}
    assert queue_files(tmp_path) == []
    assert os.listdir(tmp_path / "taken") == []


def test_messages_come_in_the_order_sent(tmp_path):
    put(tmp_path, *({"n": n} for n in range(20)))
    assert take(tmp_path) == [{"n": n} for n in range(20)]


def test_a_rejected_message_and_one_left_unacknowledged_go_back_at_their_place(tmp_path):
    put(tmp_path, {"n": 1}, {"n": 2}, {"n": 3})
    before = queue_files(tmp_path)
    with connect(tmp_path) as connection:
        simple = connection.SimpleQueue("q")
        simple.get(timeout=2).reject(requeue=True)
        assert simple.get(timeout=2).payload == {"n": 1}  # the rejected message, first again
        simple.get(timeout=2)  # left unacknowledged when the channel closes
        simple.close()
    assert queue_files(tmp_path) == before
    assert take(tmp_path) == [{"n": 1}, {"n": 2}, {"n": 3}]


KOMBU_WRITER = """
import sys
from kombu import Connection
folder = sys.argv[1]
options = {
    "data_folder_in": f"{folder}/queue",
    "data_folder_out": f"{folder}/queue",
    "control_folder": f"{folder}/control",
}
with Connection("filesystem://", transport_options=options) as connection:
    connection.SimpleQueue("q").put({"n": "from before"})
"""


def test_it_reads_a_folder_written_by_kombus_own_transport(tmp_path):
    # A broker folder of an earlier version, with a message still waiting (written by a
    # process of its own: kombu keeps bindings it declared in memory, per process).
    for sub in ("queue", "control"):
        (tmp_path / sub).mkdir()
    subprocess.run([sys.executable, "-c", KOMBU_WRITER, str(tmp_path)], check=True, timeout=60)
    assert len(queue_files(tmp_path)) == 1
    assert take(tmp_path) == [{"n": "from before"}]


def test_an_unreadable_exchange_table_is_started_again(tmp_path, caplog):
    put(tmp_path, {"n": 1})
    table = tmp_path / "control" / "q.exchange"
    table.write_text('[["q", "", ')  # as a writer killed mid-write left it

    with caplog.at_level(logging.ERROR, logger="readiness.broker"):
        put(tmp_path, {"n": 2})
        assert take(tmp_path) == [{"n": 1}, {"n": 2}]
    assert json.loads(table.read_text()) == [["q", "", "q"]]
    assert "the exchange table" in caplog.text


@pytest.mark.parametrize("leftover", ["tmp", "lock"])
def test_it_deletes_what_a_process_killed_while_writing_left(tmp_path, leftover):
    put(tmp_path, {"n": 1})
    path = {
        "tmp": tmp_path / "tmp" / "1_x.q.msg",
        "lock": tmp_path / "taken" / ".abc.lock",
    }[leftover]
    path.write_text('{"bo')
    old = time.time() - 3600
    os.utime(path, (old, old))
    assert take(tmp_path) == [{"n": 1}]
    assert not path.exists()
