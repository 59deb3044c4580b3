"""Intake's errors; entrypoints map them to HTTP problems."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ikdz_intake.domain.gewerbe_errors import FieldProblem


class IntakeError(Exception):
    """Base of intake's errors."""


class UnknownMunicipalityError(IntakeError):
    def __init__(self, ags: str) -> None:
        super().__init__(f"no Saxon municipality has the AGS {ags}")
        self.ags = ags


class IdempotencyConflictError(IntakeError):
    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was used before with a different request body")
        self.key = key


class CaseNotFoundError(IntakeError):
    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case {case_id}")
        self.case_id = case_id


class PayloadInvalidError(IntakeError):
    """A payload its service's contract refuses; ``problems`` name each field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(f"{len(problems)} problems: " + "; ".join(f"{p.path}: {p.message}" for p in problems[:5]))
        self.problems = problems


class GewerbeanzeigeInvalidError(IntakeError):
    """A Gewerbeanzeige that may not be accepted as it is; ``problems`` name each field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(f"{len(problems)} problems: " + "; ".join(f"{p.path}: {p.message_de}" for p in problems[:5]))
        self.problems = problems
