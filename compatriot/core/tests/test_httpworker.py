"""EpollThreadWorker under a real gunicorn: keep-alive, more connections than threads, silent and
slow clients, the keep-alive timeout, a graceful stop and a reload. Every test runs against
gunicorn's own gthread worker too: the two must behave alike."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WORKERS = ["compatriot.core.httpworker.EpollThreadWorker", "gthread"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    def __init__(self, worker: str) -> None:
        self.port = free_port()
        self.worker = worker
        self.process = subprocess.Popen(  # noqa: S603  our own command line
            [
                sys.executable,
                "-m",
                "gunicorn",
                "compatriot.core.tests.httpworker_app:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--worker-class",
                worker,
                "--workers",
                "1",
                "--threads",
                "2",
                "--keep-alive",
                "2",
                "--graceful-timeout",
                "5",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.get("/ready")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(self.stop()) from None
                time.sleep(0.1)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def get(self, path: str) -> bytes:
        connection = self.connection()
        try:
            connection.request("GET", path)
            return connection.getresponse().read()
        finally:
            connection.close()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=30)
        return output


@pytest.fixture(params=WORKERS)
def server(request: pytest.FixtureRequest) -> Iterator[Gunicorn]:
    running = Gunicorn(request.param)
    yield running
    output = running.stop()
    assert "Traceback" not in output, output


def ask(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes, str | None]:
    connection.request("POST", path, body=path.encode())
    answer = connection.getresponse()
    return answer.status, answer.read(), answer.getheader("Connection")


def test_keep_alive_serves_many_requests_on_one_connection(server: Gunicorn) -> None:
    connection = server.connection()
    connection.connect()
    first_socket = connection.sock
    for n in range(50):
        assert ask(connection, f"/r{n}")[:2] == (200, b"POST /r%d /r%d" % (n, n))
    assert connection.sock is first_socket  # never closed by the server


def test_more_connections_than_threads_are_all_served_in_turn(server: Gunicorn) -> None:
    """Twelve kept-alive connections on two threads: an idle one never holds a thread."""
    connections = [server.connection() for _ in range(12)]
    for round_ in range(3):
        order = connections if round_ % 2 == 0 else connections[::-1]
        for index, connection in enumerate(order):
            started = time.monotonic()
            assert ask(connection, f"/c{index}")[0] == 200
            assert time.monotonic() - started < 1.0

    answers: list[bytes] = []

    def client(number: int) -> None:
        connection = server.connection()
        answers.extend(ask(connection, f"/t{number}-{n}")[1] for n in range(20))
        connection.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = {b"POST /t%d-%d /t%d-%d" % (t, n, t, n) for t in range(10) for n in range(20)}
    assert sorted(answers) == sorted(expected)


def receive_until(client: socket.socket, end: bytes) -> bytes:
    received = b""
    while not received.endswith(end):
        chunk = client.recv(4096)
        assert chunk, received
        received += chunk
    return received


def test_silent_and_slow_clients_do_not_hold_the_threads(server: Gunicorn) -> None:
    silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
    started = time.monotonic()
    assert server.get("/after-silent") == b"GET /after-silent "
    if server.worker != "gthread":
        # gthread differs here: a thread waits up to 5 s for a new connection's first bytes
        # (DEFAULT_WORKER_DATA_TIMEOUT), so four silent connections hold two threads for 10 s.
        assert time.monotonic() - started < 1.0
    for client in silent:
        client.close()

    slow = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    request = b"POST /slowly HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    for start in range(0, len(request), 10):
        slow.sendall(request[start : start + 10])
        time.sleep(0.05)
    answer = receive_until(slow, b"POST /slowly hello")
    assert answer.startswith(b"HTTP/1.1 200 OK")
    slow.close()


def test_idle_connections_are_closed_after_the_keep_alive_timeout(server: Gunicorn) -> None:
    client = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    client.sendall(b"GET /once HTTP/1.1\r\nHost: x\r\n\r\n")
    receive_until(client, b"GET /once ")
    started = time.monotonic()
    assert client.recv(4096) == b""  # closed by the server: --keep-alive 2, checked each second
    assert 1.5 < time.monotonic() - started < 4.5
    silent = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    assert silent.recv(4096) == b""  # a connection that never sends is closed the same way
    client.close()
    silent.close()


@pytest.mark.parametrize("worker", WORKERS)
def test_graceful_stop_finishes_the_request_in_flight(worker: str) -> None:
    running = Gunicorn(worker)
    kept = running.connection()
    assert ask(kept, "/kept")[0] == 200
    result: list[tuple[int, bytes, str | None]] = []
    slow = threading.Thread(target=lambda: result.append(ask(running.connection(), "/slow")))
    slow.start()
    time.sleep(0.2)  # the request is in the app
    started = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    slow.join()
    assert [answer[:2] for answer in result] == [(200, b"POST /slow /slow")]
    output, _ = running.process.communicate(timeout=30)
    assert running.process.returncode == 0
    assert time.monotonic() - started < 4.5  # the idle kept-alive connection lingered 2 s at most
    assert "Traceback" not in output, output
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        ask(kept, "/after-stop")


def test_reload_replaces_the_worker_without_failed_requests(server: Gunicorn) -> None:
    failures: list[BaseException] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                assert server.get("/during-reload") == b"GET /during-reload "
            except BaseException as error:  # any failure is the finding
                failures.append(error)

    threads = [threading.Thread(target=client) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    server.process.send_signal(signal.SIGHUP)
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
