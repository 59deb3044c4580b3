"""XRechnung validation benchmark: our validator against a Java reference validator on the same batch.

Builds a batch of at least ``--batch`` invoices from the official instances in
``services/einvoice/tests/data`` (KoSIT test suite, CEN examples, KoSIT Schematron unit tests; the
distinct files first, then copies that differ only by a trailing XML comment), then in one run

1. **ours**: ``ProcessPoolValidator`` with ``--workers`` processes (gate, XML Schema, CEN and
   XRechnung Schematron with SaxonC, SVRL, KoSIT severity levels), fed by ``--workers`` client
   threads in a closed loop, so the latency of each invoice is its own and not a queue's;
2. **reference**: the phive engine with phive-rules-xrechnung / -en16931 4.2.3 from Maven Central
   (``bench/einvoice-reference``, built with Maven on first use) on ``--workers`` threads.

Both first validate every distinct file once (compiling the rules, warming the JIT), untimed. It
prints for each: invoices/s, p50/p99 latency, CPU time per invoice (all processes of the side,
timed part only: the figure to trust on a busy machine), verdict counts; then the ratios
(ours / reference) and every file whose verdict differs. Exit 1 if a verdict differs or a side
fails. Needs Java 17 and Maven (the rule artefacts come from Maven Central as for the service).

Run: ``uv run python bench/einvoice.py [--batch 600] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ikdz_einvoice.adapters.validator_pool import ProcessPoolValidator
from ikdz_einvoice.domain.document import parse_document
from ikdz_einvoice.domain.errors import DocumentRefusedError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "services" / "einvoice" / "tests" / "data"
REFERENCE = ROOT / "bench" / "einvoice-reference"
SETS = ("testsuite", "en16931-cen", "schematron-unit-tests")


@dataclass(frozen=True)
class Result:
    name: str
    seconds: float
    latencies_ms: list[float]
    verdicts: list[str]
    warmup_seconds: float
    cpu_seconds: float
    """CPU time of all the side's processes during the timed part: robust against a busy machine."""

    @property
    def per_second(self) -> float:
        return len(self.verdicts) / self.seconds

    @property
    def cpu_ms_per_invoice(self) -> float:
        return self.cpu_seconds * 1000 / len(self.verdicts)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def build_batch(size: int, directory: Path) -> tuple[list[Path], list[Path]]:
    """(batch, distinct): the batch repeats the distinct instances as copies with a trailing comment."""
    distinct = sorted(p for name in SETS for p in (DATA / name).rglob("*") if p.suffix.lower() == ".xml")
    batch: list[Path] = []
    for index in range(max(size, len(distinct))):
        source = distinct[index % len(distinct)]
        if index < len(distinct):
            batch.append(source)
            continue
        copy = directory / f"{index:05d}-{source.name}"
        copy.write_bytes(source.read_bytes().rstrip() + f"\n<!-- bench copy {index} -->\n".encode())
        batch.append(copy)
    return batch, distinct


def _children_cpu_seconds() -> float:
    """utime + stime of this process's live children (the validator's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children: set[str] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            children.update((task / "children").read_text().split())
    for child in children:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15 of stat)
    return total


def run_ours(batch: list[Path], distinct: list[Path], workers: int) -> Result:
    with ProcessPoolValidator(workers) as pool:
        start = time.perf_counter()
        futures = []
        for path in distinct:  # warm every worker on every rule set
            try:
                futures.append(pool.submit(parse_document(path.read_bytes())))
            except DocumentRefusedError:
                continue
        for future in futures:
            future.result()
        warmup = time.perf_counter() - start

        data = [path.read_bytes() for path in batch]
        verdicts = [""] * len(batch)
        latencies = [0.0] * len(batch)
        next_index = iter(range(len(batch)))
        lock = threading.Lock()

        def client() -> None:
            while True:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                began = time.perf_counter()
                try:
                    verdicts[index] = pool.validate(parse_document(data[index])).verdict.value
                except DocumentRefusedError:
                    verdicts[index] = "rejected"
                latencies[index] = (time.perf_counter() - began) * 1000

        threads = [threading.Thread(target=client) for _ in range(workers)]
        cpu_start = time.process_time() + _children_cpu_seconds()
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        cpu = time.process_time() + _children_cpu_seconds() - cpu_start
    return Result("ours (saxonche)", seconds, latencies, verdicts, warmup, cpu)


def build_reference() -> list[str]:
    """The reference's Java command line; builds the jar and classpath with Maven if needed."""
    target = REFERENCE / "target"
    jar = target / "einvoice-reference-1.jar"
    classpath = target / "classpath.txt"
    sources = [REFERENCE / "pom.xml", *REFERENCE.rglob("*.java")]
    if not jar.exists() or not classpath.exists() or max(p.stat().st_mtime for p in sources) > jar.stat().st_mtime:
        print("building the Java reference validator with Maven ...", flush=True)
        maven = shutil.which("mvn") or sys.exit("Maven (mvn) is needed to build the Java reference validator")
        build = [maven, "-q", "-B", "-f", str(REFERENCE / "pom.xml"), "package", "dependency:build-classpath"]
        subprocess.run([*build, f"-Dmdep.outputFile={classpath}"], check=True)  # noqa: S603 - fixed arguments
    java = shutil.which("java") or sys.exit("Java 17 is needed for the reference validator")
    return [java, "-cp", f"{jar}{os.pathsep}{classpath.read_text().strip()}", "de.ikdz.bench.ReferenceValidator"]


def run_reference(batch: list[Path], workers: int, timeout: float) -> Result:
    command = build_reference()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(str(p.resolve()) for p in batch) + "\n")
    try:
        done = subprocess.run(  # noqa: S603 - our own jar, a temp file and a number
            [*command, listing.name, str(workers)], capture_output=True, text=True, timeout=timeout, check=False
        )
    finally:
        Path(listing.name).unlink()
    if done.returncode != 0:
        sys.exit(f"reference validator failed ({done.returncode}):\n{done.stderr[-4000:]}")
    verdicts = [""] * len(batch)
    latencies = [0.0] * len(batch)
    seconds = warmup = cpu = 0.0
    for line in done.stdout.splitlines():
        kind, *fields = line.split("\t")
        if kind == "verdict":
            index = int(fields[0])
            verdicts[index], latencies[index] = fields[1], float(fields[2])
        elif kind == "summary":
            seconds, cpu = float(fields[1]), float(fields[2])
        elif kind == "warmup":
            warmup = float(fields[0])
    if not seconds or "" in verdicts:
        sys.exit(f"reference validator printed no complete result:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return Result("reference (phive 4.2.3, Java)", seconds, latencies, verdicts, warmup, cpu)


def report(result: Result) -> None:
    counts = Counter(result.verdicts)
    print(
        f"{result.name:32s} {result.per_second:7.1f} invoices/s  p50 {statistics.median(result.latencies_ms):7.1f} ms"
        f"  p99 {result.percentile(0.99):7.1f} ms  max {max(result.latencies_ms):7.1f} ms"
        f"  CPU {result.cpu_ms_per_invoice:6.1f} ms/invoice"
        f"  accepted {counts['accepted']}  rejected {counts['rejected']}"
        f"  ({len(result.verdicts)} in {result.seconds:.1f} s; warm-up {result.warmup_seconds:.1f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=600, help="invoices in the timed batch (at least 500)")
    parser.add_argument("--workers", type=int, default=2, help="processes (ours) and threads (reference)")
    parser.add_argument("--reference-timeout", type=float, default=1800, help="seconds for the Java run")
    args = parser.parse_args()
    if args.batch < 500:
        parser.error("--batch must be at least 500")
    with tempfile.TemporaryDirectory(prefix="ikdz-bench-einvoice-") as tmp:
        batch, distinct = build_batch(args.batch, Path(tmp))
        print(f"batch: {len(batch)} invoices from {len(distinct)} official instances, {args.workers} workers each")
        ours = run_ours(batch, distinct, args.workers)
        report(ours)
        reference = run_reference(batch, args.workers, args.reference_timeout)
        report(reference)
    print(f"throughput ratio ours/reference: {ours.per_second / reference.per_second:.2f}")
    print(f"p99 latency ratio ours/reference: {ours.percentile(0.99) / reference.percentile(0.99):.2f}")
    print(f"CPU per invoice ratio ours/reference: {ours.cpu_ms_per_invoice / reference.cpu_ms_per_invoice:.2f}")
    differing: dict[str, tuple[str, str, int]] = {}
    for index, (a, b) in enumerate(zip(ours.verdicts, reference.verdicts, strict=True)):
        if a != b:
            source = str(distinct[index % len(distinct)].relative_to(DATA))
            count = differing.get(source, (a, b, 0))[2]
            differing[source] = (a, b, count + 1)
    print(f"differing verdicts: {sum(c for _, _, c in differing.values())} invoices, {len(differing)} distinct files")
    for name, (a, b, count) in sorted(differing.items()):
        print(f"  {name}: ours {a}, reference {b} ({count}x)")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
