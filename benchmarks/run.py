"""Run the benchmarks: each times its competitors in this process, on the same data, in one run.

    python benchmarks/run.py [--only NAME] [--repeat N] [--json PATH] [--quick]

Every benchmark prints a table of medians and the ratio to its reference (measured in the same run:
machines are shared and noisy, so only ratios within one run mean anything). `--quick` uses small
sizes and one repeat: CI runs it to show that every benchmark runs and that its competitors compute
the same thing. Competitors that are not installed (torch, micrograd) are skipped with a line saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path


def _threads_from_argv(argv) -> int:
    """--threads N, read before NumPy loads: its BLAS fixes its thread count when imported."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 1


THREADS = _threads_from_argv(None)
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)      # the same number of threads for NumPy's BLAS and for torch
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402

BENCHMARKS = ["mnist_epoch", "cnn_epoch", "rnn_epoch", "scalar_moons", "long_chain", "op_overhead", "jacobian_sweep", "hvp",
              "gan_step"]

# issue 24: the course's models at NumPy's default BLAS thread count and at one, as the machine is
# and with one core busy (bench_threads sets the count itself, whatever --threads says)
BENCHMARKS += ["threads"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per competitor (median reported)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat: checks that everything runs")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for NumPy's BLAS and for torch alike (default 1: batch-100 products gain nothing from more)")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat

    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  Python {platform.python_version()}  NumPy {np.__version__}  "
          f"{platform.machine()}  {_cpus()} CPUs, {THREADS} thread(s) for BLAS and torch" + ("  (quick)" if args.quick else ""))
    results = []
    for name in args.only or BENCHMARKS:
        module = __import__(f"bench_{name}")
        for result in module.run(quick=args.quick, repeat=repeat):
            print(result.table(), flush=True)
            print()
            results.append(result.as_json())
    if args.json:
        args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(),
                                         "numpy": np.__version__, "results": results}, indent=2))
        print(f"wrote {args.json}")
    return 0


def _cpus() -> int:
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
