"""A/B: the tinygrad_edu rows of the benchmarks, on this tree and on an older revision, in one process.

    python benchmarks/ab.py --base REV [--only NAME] [--repeat N] [--quick]

REV's tinygrad_edu/ and nn/ are exported (git archive) into a temporary directory as tinygrad_edu_base
and nn_base, with their absolute imports renamed; both copies are imported here, and each benchmark's
`timers(engine, nn, quick)` run on both in turns (base, new, new, base, base, new, ...), so that the
machine's drift, which is larger than the differences sought, hits both alike. Each row prints the
median of either side, new/base, and ✓ when new/base ≤ 1.10 (the rule for a rewrite of the engine),
else ✗; a row runs --repeat rounds, and more until it has taken 2 s, so that the medians of short rows
stand on many calls; long_chain also compares bytes per node. Exits 1 when a row fails. `--quick`:
run.py's small sizes.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import itertools
import platform
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from run import BENCHMARKS  # importing run also gives NumPy's BLAS and torch one thread, before NumPy loads

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))           # "new" is the tree this script lives in

import nn  # noqa: E402
import tinygrad_edu  # noqa: E402

LIMIT = 1.10
MIN_SECONDS = 2.0          # a row runs at least this long
PACKAGES = ("tinygrad_edu", "nn")
FROM = re.compile(r"^(\s*from )(tinygrad_edu|nn)\b", re.M)                        # from nn.layers import Dense
IMPORT = re.compile(r"^(\s*import )(tinygrad_edu|nn)\b(?!\.)(\s+as\b)?", re.M)     # import nn [as x]
LEFT = re.compile(r"^\s*(from|import) (tinygrad_edu|nn)\b", re.M)                  # what the two above missed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git revision to compare against (e.g. HEAD~1)")
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--repeat", type=int, default=5, help="timings per side and row at the least (more until the row has run 2 s); medians reported")
    parser.add_argument("--quick", action="store_true", help="run.py's small sizes")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ab-base-") as tmp:
        export(args.base, Path(tmp))
        sys.path.insert(0, tmp)
        new = tinygrad_edu, nn
        base = importlib.import_module("tinygrad_edu_base"), importlib.import_module("nn_base")
        changed = " + uncommitted changes" if git("status", "--porcelain", *PACKAGES) else ""
        print(f"# {time.strftime('%Y-%m-%d %H:%M')}  Python {platform.python_version()}  base {git('rev-parse', '--short', args.base)}"
              f"  new {git('rev-parse', '--short', 'HEAD')}{changed}  at least {args.repeat} timings each, interleaved"
              + ("  (quick)" if args.quick else ""))
        failed = 0
        for name in args.only or BENCHMARKS:
            module = __import__(f"bench_{name}")
            print(f"== {name}\n{'row':<44} {'base':>10} {'new':>10} {'new/base':>9}")
            new_timers, base_timers = module.timers(*new, args.quick), module.timers(*base, args.quick)
            for row in new_timers:
                failed += report(row, *medians(base_timers[row], new_timers[row], args.repeat), human)
            if hasattr(module, "memory"):
                new_bytes, base_bytes = module.memory(new[0], args.quick), module.memory(base[0], args.quick)
                for row in new_bytes:
                    failed += report(f"{row}: bytes per node", base_bytes[row], new_bytes[row], lambda b: f"{b:.0f} B")
            print(flush=True)
    return 1 if failed else 0


def export(rev: str, into: Path) -> None:
    """rev's tinygrad_edu/ and nn/ as tinygrad_edu_base/ and nn_base/ under `into`, imports renamed."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, *PACKAGES], capture_output=True)
    if archive.returncode:
        raise SystemExit(f"git archive {rev}: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        for member in filter(tarfile.TarInfo.isfile, tar.getmembers()):
            package, _, rest = member.name.partition("/")
            path = into / f"{package}_base" / rest
            path.parent.mkdir(parents=True, exist_ok=True)
            data = tar.extractfile(member).read()
            if path.suffix == ".py":
                data = rename_imports(data.decode(), member.name).encode()
            path.write_bytes(data)


def rename_imports(source: str, where: str) -> str:
    """`from nn.losses import x` -> `from nn_base.losses import x`; `import nn` -> `import nn_base as nn`."""
    source = FROM.sub(r"\1\2_base", source)
    source = IMPORT.sub(lambda m: f"{m[1]}{m[2]}_base" + (m[3] or f" as {m[2]}"), source)
    if left := LEFT.search(source):           # e.g. `import nn.losses`: it would load this tree's nn
        raise SystemExit(f"{where}: cannot rename {left[0].strip()!r}")
    return source


def medians(base_timer, new_timer, repeat: int) -> tuple[float, float]:
    """Each timer's median over calls in turns, every other round the new one first: `repeat` rounds,
    or more until the row has taken MIN_SECONDS (a short row's median then stands on many calls)."""
    times, start = {base_timer: [], new_timer: []}, time.perf_counter()
    for i in itertools.count():
        if i >= repeat and time.perf_counter() - start >= MIN_SECONDS:
            break
        for timer in (base_timer, new_timer) if i % 2 == 0 else (new_timer, base_timer):
            gc.collect()
            times[timer].append(timer())
    return statistics.median(times[base_timer]), statistics.median(times[new_timer])


def report(row: str, base: float, new: float, fmt) -> bool:
    """Print the row; True when it fails the rule."""
    ratio = new / base
    print(f"{row:<44} {fmt(base):>10} {fmt(new):>10} {ratio:>9.3f} {'✓' if ratio <= LIMIT else '✗'}")
    return ratio > LIMIT


def human(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            break
    return f"{seconds / scale:.4g} {unit}"


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
