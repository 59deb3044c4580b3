"""A lean keep-alive HTTP/1.1 client for the benchmarks' load generators.

The benchmarks run their client on the same two cores as the stack they measure. httpx cost 3.5–6 ms
of CPU per POST there (a third to half a core at 100 requests/s), CPU the stack under test then
lacked. This client writes the request bytes itself and reads a ``Content-Length`` response (what
uvicorn sends for JSON): about a tenth of that. It is for loopback load generation only: no TLS,
no proxies, no redirects, no chunked bodies (refused with an error, not misread).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

IDLE_SECONDS = 2.0
"""A connection idle this long is not reused: uvicorn closes idle keep-alive connections after 5 s."""


class HttpError(Exception):
    """The request could not be sent or its answer not read (the connection is dropped)."""


class HttpPool:
    """Up to ``size`` keep-alive connections to one ``host:port``; callers bound their concurrency."""

    def __init__(self, host: str, port: int, size: int, timeout: float) -> None:
        self._host, self._port, self._timeout = host, port, timeout
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self._size = size
        self._host_header = f"Host: {host}:{port}\r\n".encode()

    async def post_json(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """POST ``body`` (JSON, already encoded) and return the status code and the response body."""
        head = [f"POST {path} HTTP/1.1\r\n".encode(), self._host_header]
        head += [f"{name}: {value}\r\n".encode() for name, value in headers.items()]
        head.append(f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        connection = await self._connection()
        try:
            async with asyncio.timeout(self._timeout):
                status, answer, keep = await self._exchange(connection, b"".join(head) + body)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as error:
            connection[1].close()
            raise HttpError(f"{type(error).__name__}: {error}") from error
        if keep and len(self._idle) < self._size:
            self._idle.append((*connection, time.monotonic()))
        else:
            connection[1].close()
        return status, answer

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The most recently used idle connection, or a new one if none is fresh enough."""
        while self._idle:
            reader, writer, since = self._idle.pop()
            if time.monotonic() - since < IDLE_SECONDS and not reader.at_eof():
                return reader, writer
            writer.close()
        try:
            return await asyncio.wait_for(asyncio.open_connection(self._host, self._port), self._timeout)
        except (OSError, TimeoutError) as error:
            raise HttpError(f"connect: {type(error).__name__}: {error}") from error

    @staticmethod
    async def _exchange(
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
    ) -> tuple[int, bytes, bool]:
        reader, writer = connection
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        if "content-length" not in fields:
            msg = f"response without Content-Length (transfer-encoding {fields.get('transfer-encoding')!r})"
            raise ValueError(msg)
        answer = await reader.readexactly(int(fields["content-length"]))
        return status, answer, fields.get("connection", "").lower() != "close"

    async def close(self) -> None:
        for _, writer, _ in self._idle:
            writer.close()
        self._idle.clear()
