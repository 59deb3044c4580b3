"""bench/gewerbe_usecase.py runs and tells where the CPU goes: no PDF part when a notice is decided, the
receipt and fee notice rendered on their first download and measured apart."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # the script imports gewerbe_generator as run from bench/
    try:
        spec = importlib.util.spec_from_file_location("ikdz_bench_gewerbe_usecase", BENCH / "gewerbe_usecase.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_it_measures_the_decision_without_pdfs_and_the_first_downloads_apart(
    capsys: pytest.CaptureFixture[str],
) -> None:
    usecase = _load()

    assert usecase.main(["--notices", "6", "--warmup", "2", "--batch", "3"]) == 0

    decided, downloaded = capsys.readouterr().out.split("on first download")
    assert re.search(r"^decision\s+\d", decided, re.MULTILINE) and "PDFs" not in decided
    assert ": 12 documents of the 6 notices" in downloaded  # a receipt and a fee notice each
    pdfs = re.search(r"^PDFs\s+(\d+\.\d+)", downloaded, re.MULTILINE)
    assert pdfs is not None and float(pdfs.group(1)) > 0
