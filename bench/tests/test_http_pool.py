"""bench/http_pool.py, the load generators' HTTP client, against a small asyncio server on loopback."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest


def _load() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "http_pool.py"
    spec = importlib.util.spec_from_file_location("ikdz_bench_http_pool", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


http_pool = _load()
HttpError, HttpPool = http_pool.HttpError, http_pool.HttpPool


class Server:
    """Answers each request with ``answer``; counts connections and keeps the requests it read."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                self.requests.append(head + await reader.readexactly(length))
                writer.write(self.answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def served() -> AsyncIterator[tuple[Server, int]]:
    server = Server(
        b'HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 17\r\n\r\n{"case_id": "c1"}'
    )
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield server, port


async def test_posts_over_one_kept_alive_connection(served: tuple[Server, int]) -> None:
    server, port = served
    pool = HttpPool("127.0.0.1", port, size=4, timeout=5)
    answers = [await pool.post_json("/api/v1/x", b'{"a": 1}', {"Idempotency-Key": f"k{n}"}) for n in range(3)]
    await pool.close()
    assert answers == [(201, b'{"case_id": "c1"}')] * 3
    assert server.connections == 1
    assert server.requests[2].startswith(b"POST /api/v1/x HTTP/1.1\r\n")
    assert b"Idempotency-Key: k2\r\n" in server.requests[2]
    assert server.requests[2].endswith(b'Content-Type: application/json\r\nContent-Length: 8\r\n\r\n{"a": 1}')


async def test_concurrent_posts_open_more_connections_and_keep_at_most_size(served: tuple[Server, int]) -> None:
    server, port = served
    pool = HttpPool("127.0.0.1", port, size=2, timeout=5)
    await asyncio.gather(*(pool.post_json("/", b"{}", {}) for _ in range(5)))
    assert server.connections == 5
    await asyncio.gather(*(pool.post_json("/", b"{}", {}) for _ in range(2)))
    assert server.connections == 5  # the two kept connections served these
    await pool.close()


async def test_a_chunked_answer_is_an_error_not_a_misread_body() -> None:
    server = Server(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    async with listener:
        pool = HttpPool("127.0.0.1", listener.sockets[0].getsockname()[1], size=1, timeout=5)
        with pytest.raises(HttpError, match="without Content-Length"):
            await pool.post_json("/", b"{}", {})
        await pool.close()


async def test_a_refused_connection_is_an_error() -> None:
    listener = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    with pytest.raises(HttpError, match="connect"):
        await HttpPool("127.0.0.1", port, size=1, timeout=5).post_json("/", b"{}", {})
