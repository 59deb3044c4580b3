"""Validation in worker processes, one compiled validator each: throughput beyond one core.

SaxonC runs one transformation at a time per process (the GIL and the validator's lock), so a
process serves about one core. ``ProcessPoolValidator`` keeps ``workers`` processes (started with
``spawn``: SaxonC must not be forked), each building its own :class:`XRechnungValidator` once. It
implements the same port (``validate(document) -> ValidationReport``); the worker gets the
document's original bytes and passes them through the same XML gate again before validating.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from ikdz_einvoice.adapters.rule_artefacts import ensure_rule_artefacts
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.domain.document import ParsedDocument, parse_document
from ikdz_einvoice.domain.validation import ValidationReport

_worker_validator: list[XRechnungValidator] = []  # one per worker process, set by the initializer


def _start_worker(rules_dir: Path | None) -> None:
    _worker_validator.append(XRechnungValidator(ensure_rule_artefacts(rules_dir)))


def _validate_in_worker(data: bytes, max_bytes: int) -> ValidationReport:
    return _worker_validator[0].validate(parse_document(data, max_bytes=max_bytes))


class ProcessPoolValidator:
    """``validate`` blocks until a worker answers; ``submit`` returns a future for concurrent callers."""

    def __init__(self, workers: int, *, rules_dir: Path | None = None) -> None:
        ensure_rule_artefacts(rules_dir)  # fetch once here, not in every worker at the same time
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(rules_dir,),
        )

    def submit(self, document: ParsedDocument) -> Future[ValidationReport]:
        # The original bytes passed the gate with at most their own length; allow exactly that again.
        return self._executor.submit(_validate_in_worker, document.data, max(document.size, 1))

    def validate(self, document: ParsedDocument) -> ValidationReport:
        return self.submit(document).result()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessPoolValidator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
