"""The official validation artefacts: fetched once from Maven Central, unpacked into the user cache, hash-checked.

``deploy/xrechnung/pom.xml`` pins the jars; ``deploy/xrechnung/artefacts.toml`` names the files taken
from them (XSLT of the CEN and KoSIT Schematron, UBL 2.1 and CII D16B XML Schemas) with their
sha256. The first call runs ``mvn dependency:copy-dependencies`` under an inter-process file lock
(parallel test workers fetch once) and unpacks the listed files; every call checks every file's hash
and fails loudly if one is missing or differs. Nothing is fetched at request time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ikdz_platform.localinfra.build import find_tool
from ikdz_platform.localinfra.locks import file_lock
from ikdz_platform.localinfra.paths import cache_dir, deploy_dir

from ikdz_einvoice.domain.errors import EinvoiceError
from ikdz_einvoice.domain.validation import RuleSetInfo

_MVN_TIMEOUT = 900.0
ROLES = (
    "en16931_ubl_xslt",
    "en16931_cii_xslt",
    "xrechnung_ubl_xslt",
    "xrechnung_cii_xslt",
    "ubl_invoice_xsd",
    "ubl_creditnote_xsd",
    "cii_xsd",
    "ccts_cct_xsd",
    "xmldsig_xsd",
    "xades132_xsd",
    "xades141_xsd",
)


class RuleArtefactsError(EinvoiceError):
    """The pinned artefacts could not be fetched, or a file is missing or not the pinned one."""


@dataclass(frozen=True, slots=True)
class ArtefactFile:
    jar: str
    path: str
    sha256: str

    def location(self, root: Path) -> Path:
        return root / self.jar.removesuffix(".jar") / self.path


@dataclass(frozen=True, slots=True)
class Manifest:
    release: RuleSetInfo
    roles: Mapping[str, ArtefactFile]
    support: tuple[ArtefactFile, ...]

    @property
    def all_files(self) -> tuple[ArtefactFile, ...]:
        return (*self.roles.values(), *self.support)

    @property
    def jars(self) -> frozenset[str]:
        return frozenset(f.jar for f in self.all_files)


@dataclass(frozen=True, slots=True)
class RuleArtefacts:
    """The unpacked, verified artefacts: one path per role, and the releases they are."""

    root: Path
    files: Mapping[str, Path]
    release: RuleSetInfo

    def __getitem__(self, role: str) -> Path:
        return self.files[role]


def _file(entry: Mapping[str, str]) -> ArtefactFile:
    return ArtefactFile(jar=entry["jar"], path=entry["path"], sha256=entry["sha256"])


def load_manifest(path: Path) -> Manifest:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    roles = {role: _file(entry) for role, entry in data["files"].items()}
    missing = [role for role in ROLES if role not in roles]
    if missing:
        raise RuleArtefactsError(f"{path} names no file for {', '.join(missing)}")
    return Manifest(
        release=RuleSetInfo.model_validate(data["release"]),
        roles=MappingProxyType(roles),
        support=tuple(_file(entry) for entry in data.get("support", ())),
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verify(manifest: Manifest, root: Path) -> list[str]:
    problems = []
    for entry in manifest.all_files:
        target = entry.location(root)
        if not target.is_file():
            problems.append(f"missing {target}")
        elif _sha256(target) != entry.sha256:
            problems.append(f"{target} is not the pinned file (sha256 differs)")
    return problems


def _copy_jars(pom: Path, out: Path, log_path: Path) -> None:
    mvn = find_tool("mvn", hint="install Maven (Debian: apt-get install maven)")
    cmd = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", f"-DoutputDirectory={out}"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv built here
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=_MVN_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise RuleArtefactsError(f"mvn took longer than {_MVN_TIMEOUT:.0f} s; see {log_path}") from None
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
        raise RuleArtefactsError(f"mvn dependency:copy-dependencies failed ({result.returncode}):\n{tail}")


def _unpack(manifest: Manifest, jars: Path, files: Path) -> None:
    for jar in sorted(manifest.jars):
        jar_path = jars / jar
        if not jar_path.is_file():
            raise RuleArtefactsError(f"Maven did not deliver {jar} (is deploy/xrechnung/pom.xml in step?)")
        with zipfile.ZipFile(jar_path) as archive:
            for entry in (f for f in manifest.all_files if f.jar == jar):
                target = entry.location(files)
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    target.write_bytes(archive.read(entry.path))
                except KeyError:
                    raise RuleArtefactsError(f"{jar} has no {entry.path}") from None


def _fetch(manifest: Manifest, pom: Path, root: Path, stamp: str) -> None:
    staging = root / f"partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    started = time.monotonic()
    _copy_jars(pom, staging / "jars", root / "mvn.log")
    _unpack(manifest, staging / "jars", staging / "files")
    problems = _verify(manifest, staging / "files")
    if problems:
        raise RuleArtefactsError("the fetched artefacts are not the pinned ones:\n" + "\n".join(problems))
    shutil.rmtree(root / "files", ignore_errors=True)
    (staging / "files").rename(root / "files")
    shutil.rmtree(staging, ignore_errors=True)
    (root / ".complete").write_text(stamp + f"seconds {time.monotonic() - started:.1f}\n")


def ensure_rule_artefacts(rules_dir: Path | None = None) -> RuleArtefacts:
    """The verified artefacts; fetches them into the user cache on the first call.

    *rules_dir* points to an already unpacked tree (``<jar name without .jar>/<path in jar>``, as in the
    cache's ``files/``), e.g. baked into an image; then Maven is never run, but hashes are still checked.
    """
    recipe = deploy_dir() / "xrechnung"
    pom, manifest_path = recipe / "pom.xml", recipe / "artefacts.toml"
    manifest = load_manifest(manifest_path)
    if rules_dir is None:
        key = hashlib.sha256(pom.read_bytes() + b"\0" + manifest_path.read_bytes()).hexdigest()[:12]
        root = cache_dir() / f"xrechnung-rules-{key}"
        stamp = f"xrechnung-rules {key}\n"
        marker = root / ".complete"
        if not (marker.is_file() and marker.read_text().startswith(stamp)):
            with file_lock(cache_dir() / "locks" / "xrechnung-rules.lock"):
                if not (marker.is_file() and marker.read_text().startswith(stamp)):
                    _fetch(manifest, pom, root, stamp)
        rules_dir = root / "files"
    problems = _verify(manifest, rules_dir)
    if problems:
        raise RuleArtefactsError("validation artefacts are missing or altered:\n" + "\n".join(problems))
    return RuleArtefacts(
        root=rules_dir,
        files=MappingProxyType({role: entry.location(rules_dir) for role, entry in manifest.roles.items()}),
        release=manifest.release,
    )


def unpack_rule_artefacts(jars: Path, target: Path) -> RuleArtefacts:
    """Unpack the pinned files from jars Maven already fetched (an image build) and verify them."""
    manifest = load_manifest(deploy_dir() / "xrechnung" / "artefacts.toml")
    _unpack(manifest, jars, target)
    return ensure_rule_artefacts(target)


def main(argv: list[str] | None = None) -> int:
    """``python -m ikdz_einvoice.adapters.rule_artefacts JARS_DIR TARGET_DIR`` (used by the Dockerfile)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m ikdz_einvoice.adapters.rule_artefacts JARS_DIR TARGET_DIR", file=sys.stderr)  # noqa: T201 - a command-line tool
        return 2
    try:
        artefacts = unpack_rule_artefacts(Path(args[0]), Path(args[1]))
    except RuleArtefactsError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"unpacked and verified {len(artefacts.files)} rule files into {artefacts.root}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
