"""The load generator of bench/api_load.py (its `--role client`): keep-alive HTTP/1.1 clients that
register people through `POST /api/v1/persons` and keep a ledger of every outcome.

It runs on the same cores as the server and the database, so every microsecond it spends is
taken from the system under test. Hence `asyncio.Protocol` callbacks rather than streams: the
answer is parsed on the connection's own buffer and the next request is written from the same
callback, with no task switch, no future and no timeout context per request; one watchdog
sweeps the connections for timeouts. The checks are those of the stream client it replaces:
each request is timed from just before its bytes are written to its complete answer, each 201
is parsed as JSON and must name the `source_record_id` sent, and every request ends in the
ledger as acknowledged, refused or unknown.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections import Counter
from typing import Any, cast

HOST = "127.0.0.1"  # the only address ever contacted
SRID_MARK = b"@@SRID@@"
# As StreamReader's default limit, which bounded the head before: a longer one is an error.
HEAD_LIMIT = 65536


class BadAnswerError(ValueError):
    """An answer this client cannot read: a bad status line or header, chunked, a head too long."""


# The only headers read; the others are skipped by the regex engine, not line by line in Python.
_HEADERS = re.compile(
    rb"\r\n(content-length|connection|transfer-encoding)[ \t]*:([^\r]*)", re.IGNORECASE
)


def parse_head(head: bytes) -> tuple[int, int, bool]:
    """(status, Content-Length, whether the server closes) from an answer's head, without the
    blank line that ends it."""
    status_line = head.partition(b"\r\n")[0]
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise BadAnswerError(f"bad status line {status_line[:60]!r}")
    length, close = 0, False
    for name, value in _HEADERS.findall(head):
        name = name.lower()
        if name == b"content-length":
            if not value.strip().isdigit():
                raise BadAnswerError(f"bad Content-Length {value[:40]!r}")
            length = int(value)
        elif name == b"connection":
            close = value.strip().lower() == b"close"
        else:
            raise BadAnswerError("chunked answers are not expected from this endpoint")
    return int(parts[1]), length, close


class LoadState:
    def __init__(self, args: argparse.Namespace, templates: list[bytes]) -> None:
        self.args = args
        self.templates = templates
        self.sent = 0
        self.start = 0.0
        self.measure_from = 0.0
        self.end = 0.0
        self.latencies: list[float] = []
        self.measured_done = 0
        self.statuses: Counter[str] = Counter()
        self.measured_statuses: Counter[str] = Counter()
        self.acked: list[tuple[str, str]] = []
        self.unknown: list[tuple[str, str]] = []  # sent, no answer: outcome unknown
        self.refused: list[tuple[str, str]] = []  # an answer other than 201
        self.mismatched = 0  # a 201 whose body does not name the record sent
        self.connections = 0
        self.open: set[Connection] = set()  # what the watchdog sweeps
        self.failure: Exception | None = None  # a 201 whose body is not JSON ends the run

    def record_unknown(self, srid: str, started: float, kind: str) -> None:
        self.statuses[kind] += 1
        if started >= self.measure_from:
            self.measured_statuses[kind] += 1
        self.unknown.append((srid, kind))

    def record_answer(
        self, srid: str, started: float, finished: float, status: int, body: bytes
    ) -> None:
        key = str(status)
        self.statuses[key] += 1
        if started >= self.measure_from and finished <= self.end:  # completed in the window
            self.latencies.append(finished - started)
            self.measured_statuses[key] += 1
            self.measured_done += 1
        if status == 201:
            record = json.loads(body)
            if record.get("source_record_id") != srid:
                self.mismatched += 1
            self.acked.append((srid, record.get("id", "")))
        else:
            self.refused.append((srid, key))


class Connection(asyncio.Protocol):
    """One keep-alive connection: writes a request, reads its answer from `data_received`'s
    bytes, records it and writes the next, until the run ends or the server closes."""

    def __init__(self, state: LoadState, index: int, request_head: bytes) -> None:
        self.state = state
        self.index = index
        self.request_head = request_head  # with a %d for Content-Length
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.answer: tuple[int, int, bool] | None = None  # the parsed head, body still due
        self.srid: str | None = None  # the request in flight, if any
        self.started = 0.0
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.state.open.add(self)
        self.send_next()

    def send_next(self) -> None:
        state, args = self.state, self.state.args
        assert self.transport is not None  # noqa: S101  connected
        if time.perf_counter() >= state.end or state.sent >= args.max_requests:
            self.transport.close()
            return
        seq = state.sent
        state.sent += 1
        srid = f"{args.run_id}-{self.index:03d}-{seq:09d}"
        body = state.templates[seq % len(state.templates)].replace(SRID_MARK, srid.encode())
        self.srid = srid
        self.started = time.perf_counter()  # before the bytes go out, as the latency's start
        self.transport.write(self.request_head % len(body) + body)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.srid is None:
            return  # nothing asked: keep the bytes, they are read as the next answer's start
        try:
            if self.answer is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buffer) > HEAD_LIMIT:
                        raise BadAnswerError("answer head too long")
                    return
                self.answer = parse_head(bytes(self.buffer[:end]))
                del self.buffer[: end + 4]
            status, length, close = self.answer
            if len(self.buffer) < length:
                return
        except BadAnswerError:
            self.fail("connection_error")
            return
        finished = time.perf_counter()
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        srid, self.srid, self.answer = self.srid, None, None
        try:
            self.state.record_answer(srid, self.started, finished, status, body)
        except Exception as error:  # e.g. not JSON: stop the run, as the stream client crashed
            self.state.failure = error
            self.fail(None)
            return
        if close:
            assert self.transport is not None  # noqa: S101  connected
            self.transport.close()
        else:
            self.send_next()

    def fail(self, kind: str | None) -> None:
        """Give up on the request in flight (its outcome is unknown) and on the connection."""
        if self.srid is not None and kind is not None:
            self.state.record_unknown(self.srid, self.started, kind)
        self.srid = None
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.srid is not None:  # a request in flight when the server hangs up
            self.state.record_unknown(self.srid, self.started, "connection_error")
            self.srid = None
        self.transport = None
        self.state.open.discard(self)
        if not self.closed.done():
            self.closed.set_result(None)


async def _one_client(state: LoadState, index: int) -> None:
    args = state.args
    request_head = (
        f"POST /api/v1/persons HTTP/1.1\r\nHost: {HOST}:{args.port}\r\n"
        f"Authorization: Bearer {args.token}\r\nContent-Type: application/json\r\n"
        "Accept: application/json\r\nContent-Length: %d\r\n\r\n"
    ).encode()
    while state.failure is None:
        if time.perf_counter() >= state.end or state.sent >= args.max_requests:
            break
        await _connect(state, Connection(state, index, request_head))
    if state.failure is not None:
        raise state.failure


async def _connect(state: LoadState, connection: Connection) -> None:
    """Run one connection until it closes: after the run's last answer, the server's close,
    an error or a timeout."""
    try:
        await asyncio.get_running_loop().create_connection(
            lambda: connection, HOST, state.args.port
        )
    except OSError:
        state.statuses["connect_error"] += 1
        await asyncio.sleep(0.05)
        return
    state.connections += 1
    await connection.closed


async def _watchdog(state: LoadState) -> None:
    """Abort connections whose request has waited longer than --request-timeout: one sweep
    every quarter of it (at most a second), instead of a timer per request."""
    timeout = state.args.request_timeout
    while True:
        await asyncio.sleep(min(1.0, timeout / 4))
        now = time.perf_counter()
        for connection in list(state.open):
            if connection.srid is not None and now - connection.started > timeout:
                connection.fail("timeout")


async def run_clients(state: LoadState) -> None:
    print("started", flush=True)  # the orchestrator's CPU window starts from this line
    state.start = time.perf_counter()
    state.measure_from = state.start + state.args.warmup
    state.end = state.measure_from + state.args.seconds
    watchdog = asyncio.create_task(_watchdog(state))
    try:
        await asyncio.gather(*(_one_client(state, index) for index in range(state.args.clients)))
    finally:
        watchdog.cancel()


def run(state: LoadState, loop: str) -> str:
    """Run the clients on `loop` ("uvloop", "asyncio", or "auto": uvloop when installed);
    returns the loop used."""
    if loop != "asyncio":
        try:
            import uvloop
        except ImportError:
            if loop == "uvloop":
                raise
        else:
            uvloop.run(run_clients(state))
            return "uvloop"
    asyncio.run(run_clients(state))
    return "asyncio"


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def summary(state: LoadState) -> dict[str, Any]:
    """The figures of a finished run (latencies of the answers completed in the window)."""
    latencies = sorted(state.latencies)
    measured_seconds = min(state.args.seconds, max(1e-9, time.perf_counter() - state.measure_from))

    return {
        "sent": state.sent,
        "requests": state.measured_done,
        "requests_per_second": state.measured_done / measured_seconds,
        "writes_per_second": state.measured_statuses.get("201", 0) / measured_seconds,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p90_ms": percentile(latencies, 0.90) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
        "mean_ms": (sum(latencies) / len(latencies) * 1000) if latencies else float("nan"),
        "statuses": dict(state.statuses),
        "measured_statuses": dict(state.measured_statuses),
        "errors": {key: n for key, n in state.statuses.items() if key != "201"},
        "acked": len(state.acked),
        "mismatched_answers": state.mismatched,
        "connections_opened": state.connections,
    }
