"""A stand-in for an IKDZ service: ``uvicorn --factory fake_service:create_app`` with /healthz and /readyz.

``FAKE_READY_AFTER`` (seconds) delays readiness, to show that the runner waits for /readyz.
"""

from __future__ import annotations

import os
import time

from fastapi import FastAPI, Response


def create_app() -> FastAPI:
    app = FastAPI()
    started = time.monotonic()
    ready_after = float(os.environ.get("FAKE_READY_AFTER", "0"))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(response: Response) -> dict[str, str]:
        if time.monotonic() - started < ready_after:
            response.status_code = 503
            return {"status": "starting"}
        return {"status": "ready"}

    @app.get("/env")
    def env() -> dict[str, str | int | None]:
        return {
            "pid": os.getpid(),
            "KAFKA_BOOTSTRAP_SERVERS": os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
            "MONGODB_URI": os.environ.get("MONGODB_URI"),
            "IKDZ_TOPIC_PREFIX": os.environ.get("IKDZ_TOPIC_PREFIX"),
        }

    return app
