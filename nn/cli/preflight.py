"""What `train` checks before any work, so a mistake costs a second and one line, not a training run.

Each check raises a ValueError whose message names the flag, the value received and the fix:
options that only make sense together, an --out folder that cannot be written (found now, not
after the last epoch), a --data-dir that is not MNIST's folder, and a network too large for the
machine's memory (refused with its size, where building it would have been killed without a word).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

CSV_ONLY = ("target", "drop", "delimiter", "encoding")     # options that describe a CSV table
# float32 numbers kept per parameter while training: the weight, its gradient and the optimizer's
# two moments (Adam's; SGD keeps fewer, so this errs on the side of refusing)
COPIES_PER_PARAMETER = 4
BYTES_PER_NUMBER = 4


def dataset_name(args: argparse.Namespace) -> str:
    """--dataset, or csv when only --csv is given; options of another data set are mistakes."""
    csv_options = [f"--{name.replace('_', '-')}" for name in CSV_ONLY if getattr(args, name)]
    if args.dataset is None and args.csv is None and csv_options:
        verb = "describe" if len(csv_options) > 1 else "describes"
        raise ValueError(f"{', '.join(csv_options)} {verb} a CSV table, but no --csv PATH was given; add "
                         f"--csv PATH (with --target COLUMN), or leave {csv_options[0]} out to train on iris")
    name = args.dataset or ("csv" if args.csv is not None else "iris")
    if name != "csv" and (args.csv is not None or csv_options):
        given = (["--csv"] if args.csv is not None else []) + csv_options
        raise ValueError(f"{', '.join(given)} go{'' if len(given) > 1 else 'es'} with --dataset csv, "
                         f"not --dataset {name}")
    if name != "mnist" and args.data_dir is not None:
        raise ValueError(f"--data-dir is MNIST's folder and goes with --dataset mnist, not --dataset {name}")
    return name


def check_out(out: Path) -> None:
    """--out is a folder this command can write into: made if missing, then tried with a scratch
    file (a read-only folder or file system shows only when writing)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder; choose a folder (it is made if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise ValueError(f"--out {out}: cannot write there ({e.strerror or e}); choose a folder you can write "
                         f"to, e.g. --out ./tinygrad_edu_out") from None


def check_data_dir(data_dir: Path | None) -> None:
    """--data-dir names an existing folder (what is in it, load_mnist checks file by file)."""
    if data_dir is None:
        return
    if not data_dir.exists():
        raise ValueError(f"--data-dir {data_dir}: no such folder; give the folder holding MNIST's four .gz files")
    if not data_dir.is_dir():
        raise ValueError(f"--data-dir {data_dir} is a file; give the folder that holds it and MNIST's three "
                         f"other .gz files")


def check_model_size(sizes: list[int], batch_size: int, memory: int | None = None) -> None:
    """Refuse a network whose training would not fit in half of the machine's memory (`memory`
    bytes, default: all of its RAM), naming its size; `sizes` are the layer widths, inputs first."""
    parameters = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    # the parameters' copies, and each layer's outputs and their gradients for one batch
    needed = BYTES_PER_NUMBER * (COPIES_PER_PARAMETER * parameters + 2 * batch_size * sum(sizes[1:]))
    memory = memory or _physical_memory()
    if needed > memory // 2:
        raise ValueError(f"--hidden: a {'-'.join(map(str, sizes))} network has {parameters:,} parameters and needs "
                         f"about {_size(needed)} of memory to train, more than half of this machine's "
                         f"{_size(memory)}; choose smaller widths")


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):     # not POSIX: assume a modest laptop
        return 8 * 2**30


def _size(n: int) -> str:
    return f"{n / 2**30:,.1f} GB" if n >= 2**30 else f"{n / 2**20:,.0f} MB"
