"""Oversize bodies are refused before the app reads them: problem+json for integrators, German HTML for browsers."""

from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from ikdz_platform.http import BodySizeLimit

LIMIT = 1_000


def _client() -> tuple[TestClient, list[bytes]]:
    seen: list[bytes] = []
    app = FastAPI()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        body = await request.body()
        seen.append(body)
        return {"size": len(body)}

    app.add_middleware(BodySizeLimit, max_bytes=LIMIT)
    return TestClient(app), seen


def test_a_body_within_the_limit_reaches_the_app() -> None:
    client, seen = _client()
    response = client.post("/upload", content=b"x" * LIMIT)
    assert response.status_code == 200
    assert seen == [b"x" * LIMIT]


def test_an_integrator_gets_problem_json_naming_the_limit() -> None:
    client, seen = _client()
    response = client.post("/upload", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert str(LIMIT) in response.json()["detail"]
    assert seen == []


def test_a_browser_gets_a_german_page() -> None:
    client, seen = _client()
    response = client.post(
        "/upload", content=b"x" * (LIMIT + 1), headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in response.text
    assert "zu groß" in response.text
    assert "Nichts wurde gespeichert" in response.text
    assert seen == []


def test_a_streamed_body_without_length_is_cut_off_too() -> None:
    client, seen = _client()

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * 400

    response = client.post("/upload", content=chunks(), headers={"Accept": "text/html"})
    assert response.status_code == 413
    assert "zu groß" in response.text
    assert seen == []
