"""Configuration files (YAML) read into pydantic models, with errors that name the file and field.

Onboarding a town, pool or fee is an edit of such a file; a mistake must stop the start with a
message an operator can act on, e.g. ``routing.yaml: agreements.0.processing_ags: ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: Path, model: type[M], error: type[Exception], *, what: str) -> M:
    """Parse ``path`` as YAML and validate it as ``model``; raise ``error`` naming file and fields."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as problem:
        msg = f"{path}: cannot read {what}: {problem}"
        raise error(msg) from None
    try:
        return model.model_validate(raw)
    except ValidationError as invalid:
        msg = f"{path}: {validation_problems(invalid)}"
        raise error(msg) from None


def validation_problems(invalid: ValidationError) -> str:
    """Every problem as ``field.path: message``, joined by ``; ``."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}" for item in invalid.errors()
    )
