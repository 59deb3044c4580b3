"""The validator a service process uses, built once at start-up (compiling the rules takes seconds)."""

from __future__ import annotations

from pathlib import Path

from ikdz_einvoice.adapters.rule_artefacts import ensure_rule_artefacts
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.adapters.validator_pool import ProcessPoolValidator
from ikdz_einvoice.domain.document import ParsedDocument
from ikdz_einvoice.domain.validation import ValidationReport


class StartedValidator:
    """The ``InvoiceValidator`` port, ready after :meth:`start`: a pool of worker processes, or one
    validator in this process when ``workers`` is 0."""

    def __init__(self, workers: int, rules_dir: Path | None) -> None:
        self._workers = workers
        self._rules_dir = rules_dir
        self._validator: XRechnungValidator | ProcessPoolValidator | None = None

    def start(self) -> None:
        if self._validator is None:
            self._validator = (
                ProcessPoolValidator(self._workers, rules_dir=self._rules_dir)
                if self._workers
                else XRechnungValidator(ensure_rule_artefacts(self._rules_dir))
            )

    def validate(self, document: ParsedDocument) -> ValidationReport:
        if self._validator is None:
            msg = "the validator was not started"
            raise RuntimeError(msg)
        return self._validator.validate(document)
