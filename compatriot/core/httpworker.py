"""A gunicorn worker whose request threads wait on the connections themselves.

gunicorn's gthread worker hands every request between threads: its main loop polls the kept-alive
connections, submits a readable one to a thread pool (a Future, a queue, a wake-up), and the
thread hands the connection back through a pipe so the main loop can poll it again. With a
listener per worker and short requests that is a fixed cost per request in Python and in the
kernel (thread wake-ups, six to eight system calls).

Here the request threads share one epoll set. Every socket in it is armed for a single event
(EPOLLONESHOT): a thread takes whichever socket is readable, a listener (it accepts) or a
connection (it answers one request), then re-arms it. A thread never waits on one idle
connection, so more connections than threads are served in turn, as with gthread. The main thread
keeps the rest of gthread's duties once per second: the heartbeat for the arbiter's `--timeout`,
the parent check, closing kept-alive connections idle past `--keep-alive`, and the graceful stop
(no new connections, in-flight requests finished, kept-alive ones closed after a short linger).
Parsing and answering a request are gthread's own code (`ThreadWorker.handle`); HTTP/2 and TLS
are not supported by this worker.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import threading
import time
from typing import Any

from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, TConn, ThreadWorker

ARMED = select.EPOLLIN | select.EPOLLONESHOT
TICK = 1.0  # seconds between the main thread's heartbeats, and the threads' look at `alive`


class EpollThreadWorker(ThreadWorker):
    """gthread with the request threads polling the connections themselves (module docstring)."""

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        super().check_config(cfg, log)
        if cfg.is_ssl or cfg.http_protocols != ["h1"] or cfg.http2_cleartext != "off":
            raise RuntimeError("EpollThreadWorker serves plain HTTP/1.x only")

    def init_process(self) -> None:
        self.epoll = select.epoll()
        self.lock = threading.Lock()  # guards conns, busy, listening and the connections' timeouts
        self.leader = threading.Lock()  # one thread at a time waits in epoll (leader/follower)
        self.conns: dict[int, TConn] = {}  # every open connection by descriptor
        self.busy: set[int] = set()  # connections a thread is answering
        self.listeners = {listener.fileno(): listener for listener in self.sockets}
        self.listening = True
        # Readable once the threads must stop: never drained, so it wakes every epoll wait at once.
        self.stop_read, self.stop_write = os.pipe()
        super().init_process()  # ends in run()

    def run(self) -> None:
        for fd, listener in self.listeners.items():
            listener.setblocking(False)
            self.epoll.register(fd, ARMED)
        self.epoll.register(self.stop_read, select.EPOLLIN)
        threads = [
            threading.Thread(target=self.serve, name=f"request-{n}", daemon=True)
            for n in range(self.cfg.threads)
        ]
        for thread in threads:
            thread.start()
        # SIGTERM's handler (gthread's handle_exit) writes to this pipe: the loop wakes at once.
        self.poller.register(self.method_queue.fileno(), 1, self.method_queue.run_callbacks)
        while self.alive:
            self.notify()
            self.wait_for_and_dispatch_events(timeout=TICK)
            if not self.is_parent_alive():
                break
            self.expire(time.monotonic())
        self.stop_gracefully()
        os.write(self.stop_write, b"x")
        for thread in threads:
            thread.join(TICK)
        self.epoll.close()
        self.poller.close()
        self.method_queue.close()

    def stop_gracefully(self) -> None:
        """gthread's stop: no new connections; requests in flight finish; kept-alive connections
        stay STOP_KEEPALIVE_LINGER seconds at most (a request arriving meanwhile is answered with
        `Connection: close`, as `alive` is false); `--graceful-timeout` seconds in all."""
        with self.lock:
            self.listening = False
            for fd, listener in self.listeners.items():
                self.epoll.unregister(fd)
                listener.close()
            linger = time.monotonic() + STOP_KEEPALIVE_LINGER
            for conn in self.conns.values():
                conn.timeout = min(conn.timeout, linger)
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while self.conns and time.monotonic() < deadline:
            self.notify()
            time.sleep(0.05)
            self.expire(time.monotonic())

    def expire(self, now: float) -> None:
        """Close idle connections past their deadline. The main thread only shuts them down:
        that makes them readable, and the thread that takes the event reads the end and closes
        them, so a descriptor is never closed (and reused) under a thread that holds it."""
        with self.lock:
            for fd, conn in self.conns.items():
                if fd not in self.busy and conn.timeout <= now and not conn.expired:
                    conn.expired = True
                    with contextlib.suppress(OSError):  # the client closed it meanwhile
                        conn.sock.shutdown(socket.SHUT_RDWR)

    def serve(self) -> None:
        """A request thread: take one readable socket at a time and serve it."""
        while True:
            try:
                with self.leader:
                    events = self.epoll.poll(TICK, 1)
            except InterruptedError:
                continue
            except (OSError, ValueError):  # the set closed at the end of run()
                return
            for fd, _ in events:
                if fd == self.stop_read:
                    return
                try:
                    if fd in self.listeners:
                        self.accept(fd)
                    else:
                        self.answer(fd)
                except Exception:
                    self.log.exception("Error in request thread")

    def accept(self, fd: int) -> None:
        with self.lock:
            if not self.listening:
                return
            listener = self.listeners[fd]
            try:
                client, address = listener.accept()
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                    raise
            else:
                conn = TConn(self.cfg, client, address, listener.getsockname())
                conn.data_ready = True  # dispatched only once readable: no wait in handle()
                conn.expired = False
                conn.set_timeout()  # gthread gives a silent new connection keepalive too
                self.conns[client.fileno()] = conn
                self.nr_conns = len(self.conns)
                self.epoll.register(client.fileno(), ARMED)
            if len(self.conns) < self.worker_connections:
                self.epoll.modify(fd, ARMED)
            else:
                self.listening = False  # re-armed when a connection closes

    def answer(self, fd: int) -> None:
        with self.lock:
            conn = self.conns.get(fd)
            if conn is None:
                return
            self.busy.add(fd)
        keep = self.handle(conn)
        while keep and conn.parser.unreader.buf.getvalue():  # the next request is read already
            keep = self.handle(conn)
        with self.lock:
            self.busy.discard(fd)
            if keep and not conn.expired:
                conn.set_timeout()
                if not self.alive:
                    conn.timeout = min(conn.timeout, time.monotonic() + STOP_KEEPALIVE_LINGER)
                self.epoll.modify(fd, ARMED)
                return
            del self.conns[fd]
            self.nr_conns = len(self.conns)
            self.epoll.unregister(fd)
            if not self.listening and self.alive and len(self.conns) < self.worker_connections:
                self.listening = True
                for listener_fd in self.listeners:
                    self.epoll.modify(listener_fd, ARMED)
        conn.close(graceful=not conn.expired)  # an expired one is shut down already
