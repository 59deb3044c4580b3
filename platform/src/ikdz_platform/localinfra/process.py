"""Child processes that never outlive the Python process that started them.

Every server is started in its own session (so a Ctrl-C in the terminal reaches only the parent,
which then stops the children in order) with ``PR_SET_PDEATHSIG=SIGKILL`` on Linux: if the parent
dies without cleaning up (SIGKILL, crash, a killed CI job), the kernel kills the child. An
``atexit`` hook also stops children on a normal interpreter exit.

Note: the kernel sends the death signal when the *thread* that forked the child exits. Start
processes from the main thread or another thread that lives as long as the children should
(``asyncio.to_thread`` workers are not such threads).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ikdz_platform.localinfra.errors import StartupError

_PR_SET_PDEATHSIG = 1
_live: weakref.WeakSet[ManagedProcess] = weakref.WeakSet()


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - every Linux libc has prctl
        return None
    prctl: Callable[..., int] = libc.prctl
    return prctl


# Loaded in the parent: the child between fork and exec must not import or dlopen anything.
_prctl = _load_prctl()


def _die_with_parent(parent_pid: int) -> Callable[[], None]:
    def preexec() -> None:
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class ManagedProcess:
    """One child process whose stdout and stderr go to a log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen is not None else None

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} start: {' '.join(self.argv)}\n".encode())
            log.flush()
            self._popen = subprocess.Popen(  # noqa: S603 - argv is built by this package, never from user input
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_die_with_parent(os.getpid()),  # noqa: PLW1509 - only prctl + getppid, see _die_with_parent
            )
        _live.add(self)

    def signal(self, sig: int) -> None:
        """Send *sig* to the child's whole process group (it leads its own session)."""
        if self._popen is None or self._popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._popen.pid, sig)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, wait up to *timeout* seconds, then SIGKILL. Returns the exit code."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self._popen.wait()
        _live.discard(self)
        return self._popen.returncode

    def kill(self) -> int | None:
        """SIGKILL at once, as a crash would; waits for the process to be gone."""
        if self._popen is None:
            return None
        self.signal(signal.SIGKILL)
        self._popen.wait()
        _live.discard(self)
        return self._popen.returncode

    def ensure_alive(self) -> None:
        """Raise :class:`StartupError` with the end of the log if the process has exited."""
        code = self.returncode
        if self._popen is not None and code is not None:
            raise StartupError(f"{self.name} exited with code {code}; last log lines:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@atexit.register
def _stop_leftovers() -> None:
    for proc in list(_live):
        proc.kill()
