"""Fetch the Kafka jars (Maven) and build the FerretDB binary (Go) once per version, into the user cache.

Both functions are safe to call from parallel processes: the first one builds under a file lock,
the others wait and then reuse the result. A cache entry counts only once it is complete (Kafka: a
marker file written after Maven succeeded; FerretDB: the binary is renamed into place after
``go build`` succeeded).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import time
from pathlib import Path

from ikdz_platform.localinfra.errors import BuildError, MissingToolError
from ikdz_platform.localinfra.locks import file_lock
from ikdz_platform.localinfra.paths import cache_dir, deploy_dir

DEFAULT_KAFKA_VERSION = "4.4.0"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_BINARY = "ikdz-ferretdb"
_BUILD_TIMEOUT = 1800.0


def find_tool(name: str, *fallbacks: str, hint: str) -> str:
    """The path of *name* on PATH or at one of *fallbacks*; :class:`MissingToolError` with *hint* otherwise."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in fallbacks:
        if os.access(candidate, os.X_OK):
            return candidate
    raise MissingToolError(f"`{name}` not found on PATH: {hint}")


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _run_logged(cmd: list[str], *, log_path: Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        log.write(f"$ {' '.join(cmd)}\n".encode())
        log.flush()
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv built here
                cmd,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=_BUILD_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(f"{cmd[0]} took longer than {_BUILD_TIMEOUT:.0f} s; see {log_path}") from None
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise BuildError(
            f"{' '.join(cmd[:2])} … failed with exit code {result.returncode}:\n{tail}\n(full log: {log_path})"
        )


def ensure_kafka_libs(version: str = DEFAULT_KAFKA_VERSION) -> Path:
    """The directory holding every jar Kafka *version* needs (``java -cp '<dir>/*' kafka.Kafka``).

    Runs ``mvn dependency:copy-dependencies`` on ``deploy/kafka/pom.xml`` the first time (and again if
    the POM changed); afterwards returns the cached directory at once.
    """
    pom = deploy_dir() / "kafka" / "pom.xml"
    stamp = f"kafka {version}\npom {_sha256(pom.read_bytes())}\n"
    root = cache_dir() / f"kafka-{version}"
    libs, marker = root / "libs", root / ".complete"

    def complete() -> bool:
        return marker.is_file() and marker.read_text().startswith(stamp) and libs.is_dir()

    if complete():
        return libs
    with file_lock(cache_dir() / "locks" / f"kafka-{version}.lock"):
        if complete():
            return libs
        mvn = find_tool("mvn", hint="install Maven (Debian: apt-get install maven)")
        staging = root / f"libs.partial-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        started = time.monotonic()
        _run_logged(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom),
                f"-Dkafka.version={version}",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={staging}",
            ],
            log_path=root / "mvn.log",
        )
        if not (staging / f"kafka_2.13-{version}.jar").is_file():
            raise BuildError(f"Maven finished but {staging} has no kafka_2.13-{version}.jar")
        marker.unlink(missing_ok=True)
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)
        jars = sorted(p.name for p in libs.glob("*.jar"))
        marker.write_text(stamp + f"seconds {time.monotonic() - started:.1f}\n" + "\n".join(jars) + "\n")
    return libs


def pinned_ferretdb_version() -> str:
    """The FerretDB version ``deploy/ferretdb/go.mod`` requires."""
    go_mod = (deploy_dir() / "ferretdb" / "go.mod").read_text()
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(FERRETDB_MODULE)}\s+(v\S+)", go_mod, re.MULTILINE)
    if match is None:
        raise BuildError(f"deploy/ferretdb/go.mod does not require {FERRETDB_MODULE}")
    return match.group(1)


def ferretdb_patches() -> list[Path]:
    """The patches applied to FerretDB's source before the build: ``deploy/ferretdb/patches/*.patch``, in name order.

    They fix what makes FerretDB v1's SQLite backend slow for our query shapes (see the patch headers
    and docs/benchmarks.md); each is a ``diff -u`` against the module root, applied with ``patch -p1``.
    """
    return sorted((deploy_dir() / "ferretdb" / "patches").glob("*.patch"))


def _ferretdb_inputs() -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The Go module's files and the patches, by name: everything the FerretDB binary is built from."""
    source = deploy_dir() / "ferretdb"
    files = {name: (source / name).read_bytes() for name in ("main.go", "go.mod", "go.sum")}
    patches = {path.name: path.read_bytes() for path in ferretdb_patches()}
    return files, patches


def ferretdb_cache_entry(version: str | None = None) -> Path:
    """The cache directory of the FerretDB binary for *version* built from the current inputs.

    Its name carries a hash of the version, the Go module's files and every patch (names and
    contents), so a changed or removed patch never finds an old binary.
    """
    version = version or pinned_ferretdb_version()
    files, patches = _ferretdb_inputs()
    named_patches = [part for name, content in patches.items() for part in (name.encode(), content)]
    key = _sha256(version.encode(), *files.values(), *named_patches)[:12]
    return cache_dir() / f"ferretdb-{version}-{key}"


def ensure_ferretdb_binary(version: str | None = None) -> Path:
    """The path of the ``ikdz-ferretdb`` binary for FerretDB *version* (default: the one go.mod pins).

    Builds ``deploy/ferretdb`` with ``CGO_ENABLED=0 go build`` in a scratch copy the first time: the
    FerretDB module is downloaded into Go's module cache, copied next to the scratch module, patched
    with :func:`ferretdb_patches` and used through ``go mod edit -replace``. The cache key is the version
    plus a hash of main.go, go.mod, go.sum and every patch (:func:`ferretdb_cache_entry`), so editing
    the Go module or a patch rebuilds and an unpatched binary is never reused. Go's own build and module caches (``GOCACHE``,
    ``GOMODCACHE``) make a rebuild fast.
    """
    pinned = pinned_ferretdb_version()
    version = version or pinned
    files, patches = _ferretdb_inputs()
    out_dir = ferretdb_cache_entry(version)
    binary = out_dir / FERRETDB_BINARY
    if os.access(binary, os.X_OK):
        return binary
    with file_lock(cache_dir() / "locks" / f"ferretdb-{version}.lock"):
        if os.access(binary, os.X_OK):
            return binary
        go = find_tool("go", "/usr/local/go/bin/go", hint="install Go >= 1.24 (https://go.dev/doc/install)")
        work = cache_dir() / "build" / f"{out_dir.name}-{os.getpid()}"
        _remove_tree(work)
        work.mkdir(parents=True)
        for name, content in files.items():
            (work / name).write_bytes(content)
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
        log_path = out_dir / "go-build.log"
        try:
            if version != pinned:
                _run_logged(
                    [go, "mod", "edit", f"-require={FERRETDB_MODULE}@{version}"], log_path=log_path, cwd=work, env=env
                )
            out_dir.mkdir(parents=True, exist_ok=True)
            if patches:
                _patched_ferretdb_module(go, work, version, patches, log_dir=out_dir, env=env)
                _run_logged(
                    [go, "mod", "edit", f"-replace={FERRETDB_MODULE}=./{_PATCHED_DIR}"],
                    log_path=log_path,
                    cwd=work,
                    env=env,
                )
            partial = out_dir / f"{FERRETDB_BINARY}.partial-{os.getpid()}"
            _run_logged([go, "build", "-trimpath", "-o", str(partial), "."], log_path=log_path, cwd=work, env=env)
            partial.rename(binary)
        finally:
            _remove_tree(work)
    return binary


_PATCHED_DIR = "ferretdb-patched"


def _patched_ferretdb_module(
    go: str, work: Path, version: str, patches: dict[str, bytes], *, log_dir: Path, env: dict[str, str]
) -> None:
    """Copy FerretDB *version* from Go's module cache to ``work/ferretdb-patched`` and apply *patches* there.

    The module cache is read-only, hence the copy. Patches must apply exactly (no fuzz): one that does
    not (another FerretDB version, say) fails the build with patch's message instead of building
    something half patched.
    """
    download = subprocess.run(  # noqa: S603 - fixed argv built here
        [go, "mod", "download", "-json", f"{FERRETDB_MODULE}@{version}"],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=_BUILD_TIMEOUT,
        check=False,
    )
    if download.returncode != 0:
        output = (download.stdout + download.stderr).decode(errors="replace")
        raise BuildError(f"go mod download {FERRETDB_MODULE}@{version} failed:\n{output}")
    target = work / _PATCHED_DIR
    shutil.copytree(json.loads(download.stdout)["Dir"], target)
    _make_writable(target)
    patch = find_tool("patch", hint="install GNU patch (Debian: apt-get install patch)")
    for name, content in patches.items():
        patch_file = work / name
        patch_file.write_bytes(content)
        _run_logged(
            [patch, "-p1", "--forward", "--batch", "--fuzz=0", "-d", str(target), "-i", str(patch_file)],
            log_path=log_dir / f"{name}.log",
        )


def _make_writable(root: Path) -> None:
    """Give the owner write access below *root* (Go's module cache hands out read-only files and dirs)."""
    for path in (root, *root.rglob("*")):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _remove_tree(root: Path) -> None:
    if root.exists():
        _make_writable(root)
        shutil.rmtree(root, ignore_errors=True)
