"""bench/api_client.py: the load generator reads HTTP/1.1 answers off its own buffer, so its
parsing and its ledger are tested here, on a fake transport and against a local server."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest


def _load_api_client() -> Any:
    """bench/ is not a package, and putting it on sys.path would let its scripts (tracing,
    linkage, …) shadow other modules for the rest of the session: load the one file by path."""
    spec = importlib.util.spec_from_file_location(
        "api_client", Path(__file__).resolve().parents[1] / "api_client.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    import api_client  # mypy with bench/ on its path
else:
    api_client = _load_api_client()


def _args(**overrides: Any) -> argparse.Namespace:
    values = {
        "port": 1,
        "token": "t",
        "run_id": "run",
        "max_requests": 10**9,
        "request_timeout": 30.0,
        "warmup": 0.0,
        "seconds": 3600.0,
        "clients": 1,
    }
    return argparse.Namespace(**{**values, **overrides})


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.written.append(data)
        self.written_at = time.perf_counter()

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True


def _answer(status: str, body: bytes, *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", *headers]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _created(srid: str, person_id: str = "p-1") -> bytes:
    return json.dumps({"id": person_id, "source_record_id": srid}).encode()


def _on_connection(check: Callable[[api_client.Connection, FakeTransport], None]) -> None:
    """Runs `check` on a connection that has just sent its first request (srid run-000-…0)."""

    async def scenario() -> None:
        state = api_client.LoadState(_args(), [b'{"source_record_id":"@@SRID@@"}'])
        state.end = float("inf")
        connection = api_client.Connection(
            state, 0, b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n"
        )
        transport = FakeTransport()
        connection.connection_made(transport)  # type: ignore[arg-type]
        assert transport.written == [
            b'POST / HTTP/1.1\r\nContent-Length: 40\r\n\r\n{"source_record_id":"run-000-000000000"}'
        ]
        check(connection, transport)

    asyncio.run(scenario())


FIRST = "run-000-000000000"


def test_parse_head() -> None:
    head = b"HTTP/1.1 201 Created\r\nContent-Length: 12\r\nconnection:  Close"
    assert api_client.parse_head(head) == (201, 12, True)
    assert api_client.parse_head(b"HTTP/1.1 503 Service Unavailable") == (503, 0, False)
    assert api_client.parse_head(b"HTTP/1.1 200 OK\r\nConnection: keep-alive") == (200, 0, False)


@pytest.mark.parametrize(
    "head",
    [
        b"garbage",
        b"HTTP/1.1",
        b"HTTP/1.1 OK 201",
        b"SSH-2.0-OpenSSH 201",
        b"HTTP/1.1 201 Created\r\nContent-Length: -3",
        b"HTTP/1.1 201 Created\r\nContent-Length: x",
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked",
    ],
)
def test_parse_head_refuses(head: bytes) -> None:
    with pytest.raises(api_client.BadAnswerError):
        api_client.parse_head(head)


@pytest.mark.parametrize("cuts", [(5,), (30,), (60,), (3, 40, 70, 90), ()])
def test_answer_split_across_reads(cuts: tuple[int, ...]) -> None:
    def check(connection: api_client.Connection, transport: FakeTransport) -> None:
        answer = _answer("201 Created", _created(FIRST))
        at = cuts or tuple(range(1, len(answer)))  # () is byte by byte
        pieces = [answer[a:b] for a, b in zip((0, *at), (*at, len(answer)), strict=True)]
        started, sent_at = connection.started, transport.written_at
        for piece in pieces[:-1]:
            connection.data_received(piece)
            assert connection.state.acked == []
            assert len(transport.written) == 1  # nothing more is sent before the whole answer
        answered_at = time.perf_counter()
        connection.data_received(pieces[-1])
        state = connection.state
        assert state.acked == [(FIRST, "p-1")]
        assert state.statuses == {"201": 1}
        assert state.measured_done == 1
        assert len(state.latencies) == 1
        # The clock started before the bytes were written and stopped at the last piece.
        assert sent_at >= started
        assert state.latencies[0] >= answered_at - sent_at
        assert len(transport.written) == 2  # the next request, on the same connection
        assert b"run-000-000000001" in transport.written[1]
        assert not transport.closed

    _on_connection(check)


def test_two_answers_in_a_row_and_a_mismatch() -> None:
    def check(connection: api_client.Connection, transport: FakeTransport) -> None:
        connection.data_received(_answer("201 Created", _created(FIRST)))
        connection.data_received(_answer("201 Created", _created("someone-else", "p-2")))
        state = connection.state
        assert state.acked == [(FIRST, "p-1"), ("run-000-000000001", "p-2")]
        assert state.mismatched == 1

    _on_connection(check)


def test_connection_close_stops_the_connection() -> None:
    def check(connection: api_client.Connection, transport: FakeTransport) -> None:
        connection.data_received(_answer("201 Created", _created(FIRST), "Connection: close"))
        assert connection.state.acked == [(FIRST, "p-1")]
        assert transport.closed
        assert len(transport.written) == 1  # no request on a connection the server closes
        connection.connection_lost(None)
        assert connection.state.unknown == []
        assert connection.closed.done()

    _on_connection(check)


def test_refused_answer_is_not_parsed_as_json() -> None:
    def check(connection: api_client.Connection, transport: FakeTransport) -> None:
        connection.data_received(_answer("503 Service Unavailable", b"<html>busy</html>"))
        connection.data_received(_answer("422 Unprocessable Entity", b'{"detail": []}'))
        state = connection.state
        assert state.refused == [(FIRST, "503"), ("run-000-000000001", "422")]
        assert state.acked == []
        assert state.statuses == {"503": 1, "422": 1}
        assert len(transport.written) == 3

    _on_connection(check)


def test_bad_status_line_is_an_unknown_outcome() -> None:
    def check(connection: api_client.Connection, transport: FakeTransport) -> None:
        connection.data_received(b"garbage\r\n\r\n")
        state = connection.state
        assert state.unknown == [(FIRST, "connection_error")]
        assert state.statuses == {"connection_error": 1}
        assert transport.aborted
        connection.connection_lost(None)
        assert state.unknown == [(FIRST, "connection_error")]  # counted once

    _on_connection(check)


def test_hang_up_mid_answer_is_an_unknown_outcome() -> None:
    def check(connection: api_client.Connection, transport: FakeTransport) -> None:
        connection.data_received(_answer("201 Created", _created(FIRST))[:-5])
        connection.connection_lost(ConnectionResetError())
        assert connection.state.unknown == [(FIRST, "connection_error")]
        assert connection.state.acked == []

    _on_connection(check)


def test_201_that_is_not_json_stops_the_run() -> None:
    def check(connection: api_client.Connection, transport: FakeTransport) -> None:
        connection.data_received(_answer("201 Created", b"not json"))
        assert isinstance(connection.state.failure, ValueError)
        assert transport.aborted

    _on_connection(check)


def _serve(answers: list[tuple[str, ...] | None]) -> tuple[Callable[[], Any], list[int]]:
    """A local server giving `answers` (headers of a 201 naming the record) in turn, one per
    request (None: never answer); it counts its connections."""
    connections = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                srid = json.loads(await reader.readexactly(length))["source_record_id"]
                headers = answers.pop(0) if answers else None
                if headers is None:
                    await asyncio.sleep(3600)
                    return
                writer.write(_answer("201 Created", _created(srid), *headers))
                if "Connection: close" in headers:
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return lambda: asyncio.start_server(handle, api_client.HOST, 0), connections


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_run_against_a_server(loop: str) -> None:
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    start, connections = _serve([(), ("Connection: close",), (), None])
    args = _args(max_requests=4, request_timeout=0.2)
    state = api_client.LoadState(args, [b'{"source_record_id":"@@SRID@@"}'])

    async def main() -> None:
        server = await start()
        args.port = server.sockets[0].getsockname()[1]
        await api_client.run_clients(state)
        server.close()

    if loop == "uvloop":
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())
    assert [srid for srid, _ in state.acked] == [f"run-000-00000000{n}" for n in range(3)]
    assert state.mismatched == 0
    assert state.unknown == [("run-000-000000003", "timeout")]  # the watchdog's
    assert state.statuses == {"201": 3, "timeout": 1}
    assert state.connections == connections[0] == 2  # a new one after the server's close
