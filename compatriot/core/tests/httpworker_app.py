"""A WSGI app for test_httpworker: answers its path, `/slow` after half a second."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/slow":
        time.sleep(0.5)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = b"%s %s %s" % (
        environ["REQUEST_METHOD"].encode(),
        environ["PATH_INFO"].encode(),
        environ["wsgi.input"].read(length),
    )
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
