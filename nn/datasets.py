"""Data sets for the course: iris, toy 2-D problems, MNIST, a user's own CSV table, and sequences
(sine series cut into windows, a short text for a character model).

Names and return values follow the libraries the course teaches with, so a student's script
changes only its imports:

    >>> from nn import datasets
    >>> iris = datasets.load_iris()            # sklearn.datasets.load_iris
    >>> X, y = iris.data, iris.target
    >>> X.shape, y[:3]
    ((150, 4), array([0, 0, 0]))
    >>> X, y = datasets.make_moons(200, noise=0.1, random_state=0)   # sklearn.datasets.make_moons
    >>> (X_train, y_train), (X_test, y_test) = datasets.load_mnist()  # doctest: +SKIP

The iris table ships inside the package (nn/data/iris.csv: Fisher 1936, copied from
scikit-learn 1.9.1's bundled copy, BSD-3-Clause; see nn/data/README.md). MNIST is read from IDX
gzip files; see `load_mnist` for where it looks and how it downloads.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
import os
import tempfile
import time
import zlib
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = [
    "Bunch",
    "load_iris",
    "make_moons",
    "make_circles",
    "make_xor",
    "make_spirals",
    "load_mnist",
    "load_csv",
    "sine_wave",
    "windows",
    "make_sine_windows",
    "load_text",
    "char_vocabulary",
    "text_to_ids",
    "ids_to_text",
]

_DATA_DIR = Path(__file__).resolve().parent / "data"


class Bunch(dict):
    """A dict whose keys are also attributes, like sklearn.utils.Bunch.

    >>> b = Bunch(data=[1, 2], target=[0, 1])
    >>> b.data is b["data"]
    True
    """

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"Bunch has no attribute {key!r}; it has: {', '.join(self)}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __dir__(self) -> list[str]:
        return list(self.keys())


# ----------------------------------------------------------------------------------------------
# iris
# ----------------------------------------------------------------------------------------------

IRIS_TARGET_NAMES = ("setosa", "versicolor", "virginica")


def load_iris(*, return_X_y: bool = False) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Fisher's iris flowers: 150 rows, 4 measurements in cm, 3 species (50 each).

    Returns a Bunch with ``data`` (150, 4) float64, ``target`` (150,) int64 in {0, 1, 2},
    ``feature_names``, ``target_names``, ``filename`` and ``DESCR``, as sklearn does;
    ``return_X_y=True`` returns ``(data, target)`` instead.

    >>> iris = load_iris()
    >>> iris.feature_names[0], str(iris.target_names[2]), iris.data[0].tolist()
    ('sepal length (cm)', 'virginica', [5.1, 3.5, 1.4, 0.2])
    """
    path = _DATA_DIR / "iris.csv"
    with open(path, newline="") as f:
        header, *rows = list(csv.reader(f))
    data = np.array([[float(v) for v in row[:4]] for row in rows], dtype=np.float64)
    index = {name: i for i, name in enumerate(IRIS_TARGET_NAMES)}
    target = np.array([index[row[4]] for row in rows], dtype=np.int64)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        feature_names=header[:4],
        target_names=np.array(IRIS_TARGET_NAMES),
        filename=str(path),
        DESCR=(
            "Iris plants data set (R. A. Fisher, 1936): 150 instances, 50 per class; "
            "4 numeric attributes in cm (sepal length, sepal width, petal length, petal width); "
            "classes Iris-Setosa, Iris-Versicolour, Iris-Virginica. Same values as R's `iris` "
            "and scikit-learn's copy."
        ),
    )


# ----------------------------------------------------------------------------------------------
# toy 2-D problems (X float64 (n, 2), y int64 (n,)), for decision-boundary pictures
# ----------------------------------------------------------------------------------------------


def _rng(random_state: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _check_n(n_samples: int, least: int, name: str) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < least:
        raise ValueError(f"{name}: n_samples must be an integer >= {least}, got {n_samples!r}")
    return int(n_samples)


def _finish(X: np.ndarray, y: np.ndarray, shuffle: bool, noise: float | None, rng: np.random.Generator,
            name: str) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle, then add Gaussian noise of standard deviation `noise` (sklearn's order)."""
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    if noise is not None:
        if noise < 0:
            raise ValueError(f"{name}: noise is a standard deviation and must be >= 0, got {noise!r}")
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_moons(n_samples: int = 100, *, shuffle: bool = True, noise: float | None = None,
               random_state: int | np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (sklearn.datasets.make_moons).

    Class 0 is the upper half circle of radius 1 at (0, 0), class 1 the lower one at (1, 0.5);
    ``noise`` is the standard deviation of Gaussian noise added to each coordinate. Without
    noise and shuffling the points equal sklearn's exactly; random draws differ (NumPy Generator).

    >>> X, y = make_moons(6, shuffle=False)
    >>> X.shape, y.tolist()
    ((6, 2), [0, 0, 0, 1, 1, 1])
    """
    n = _check_n(n_samples, 2, "make_moons")
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
    ])
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    return _finish(X, y, shuffle, noise, _rng(random_state), "make_moons")


def make_circles(n_samples: int = 100, *, shuffle: bool = True, noise: float | None = None,
                 random_state: int | np.random.Generator | None = None,
                 factor: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one (sklearn.datasets.make_circles).

    Class 0 lies on the unit circle, class 1 on a circle of radius ``factor`` (0 <= factor < 1).

    >>> X, y = make_circles(8, shuffle=False, factor=0.5)
    >>> np.round(np.hypot(X[:, 0], X[:, 1]), 2).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    """
    n = _check_n(n_samples, 2, "make_circles")
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor is the inner radius and must be in [0, 1), got {factor!r}")
    n_out = n // 2
    n_in = n - n_out
    # endpoint=False: the angle 2*pi would repeat the point at angle 0
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([np.cos(t_in) * factor, np.sin(t_in) * factor]),
    ])
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    return _finish(X, y, shuffle, noise, _rng(random_state), "make_circles")


def make_xor(n_samples: int = 100, *, shuffle: bool = True, noise: float | None = None,
             random_state: int | np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: points uniform in [-1, 1]², class 1 where the two signs differ.

    No straight line separates the classes, which is why one neuron cannot learn XOR and a
    hidden layer can. Labels come from the clean points; ``noise`` then blurs the positions.

    >>> X, y = make_xor(200, random_state=0)
    >>> bool(np.all(y == ((X[:, 0] > 0) != (X[:, 1] > 0))))
    True
    """
    n = _check_n(n_samples, 1, "make_xor")
    rng = _rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    # the points are already in random order, so `shuffle` only matters for the call's signature
    return _finish(X, y, shuffle, noise, rng, "make_xor")


def make_spirals(n_samples: int = 100, noise: float | None = None,
                 random_state: int | np.random.Generator | None = None, *, n_classes: int = 2,
                 shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n / TensorFlow-playground spiral).

    Arm k holds points at radius r in (0, 1] and angle 2πk/K + 3πr (one and a half turns), plus
    Gaussian noise of standard deviation ``noise``. Classes differ in size by at most one point.

    >>> X, y = make_spirals(300, 0.05, 0, n_classes=3)
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    n = _check_n(n_samples, 1, "make_spirals")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"make_spirals: n_classes must be an integer >= 2, got {n_classes!r}")
    if n < n_classes:
        raise ValueError(f"make_spirals: n_samples={n} is fewer than n_classes={n_classes}")
    sizes = [n // n_classes + (k < n % n_classes) for k in range(n_classes)]
    parts, labels = [], []
    for k, m in enumerate(sizes):
        # start just off the centre: at r = 0 every arm would meet in one point of all classes
        r = np.linspace(0.05, 1.0, m)
        angle = 2 * np.pi * k / n_classes + 3 * np.pi * r
        parts.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
        labels.append(np.full(m, k, dtype=np.int64))
    return _finish(np.vstack(parts), np.hstack(labels), shuffle, noise, _rng(random_state), "make_spirals")


# ----------------------------------------------------------------------------------------------
# MNIST, from IDX gzip files
# ----------------------------------------------------------------------------------------------

# The official files' md5 sums (the same that torchvision checks). md5 guards against a broken
# or wrong download here, not against an attacker.
MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# Tried in order; yann.lecun.com itself often refuses downloads, so mirrors come first.
MNIST_MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

_IDX_IMAGES, _IDX_LABELS = 0x00000803, 0x00000801
# MNIST's largest file (60,000 training images) holds 47,040,000 bytes of data; a header asking for
# more than 5 times that is not MNIST, and is refused before anything is allocated
MAX_IDX_BYTES = 256 * 2**20
_IDX_CHUNK = 1 << 20                    # bytes decompressed at a time
# a download must finish within this many seconds, however the server trickles (each read may
# also wait at most MNIST_READ_TIMEOUT): the 9.9 MB training images at 20 kB/s take about 500 s
MNIST_DOWNLOAD_SECONDS = 600.0
MNIST_READ_TIMEOUT = 30.0


def mnist_cache_dir() -> Path:
    """Where `load_mnist` keeps downloaded files: ``$XDG_CACHE_HOME/tinygrad_edu/mnist``,
    by default ``~/.cache/tinygrad_edu/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tinygrad_edu" / "mnist"


def read_idx(path: str | os.PathLike, expected_magic: int | None = None, *,
             max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read one IDX file of unsigned bytes (gzip-compressed when the name ends in .gz).

    Layout: a big-endian uint32 magic (0x00000803 for images, 0x00000801 for labels: two zero
    bytes, the type code 0x08 = uint8, the number of dimensions), one big-endian uint32 per
    dimension, then the raw bytes. Errors name the file and what was expected.

    The header is read first and its shape decides how much data may follow: at most
    `max_bytes`, and the data is decompressed in chunks into an array of exactly that size, so a
    file that holds more (a gzip bomb: megabytes that unpack to gigabytes) is refused one chunk
    past the header's count, having used no more memory than the header announced.

    >>> read_idx("t10k-labels-idx1-ubyte.gz", 0x801)[:3]  # doctest: +SKIP
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    try:
        with (gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as f:
            return _read_idx_stream(f, path, expected_magic, max_bytes)
    # gzip.BadGzipFile is an OSError; a cut-off gzip an EOFError; damaged compressed data a zlib.error
    except (OSError, EOFError, zlib.error) as e:
        if isinstance(e, FileNotFoundError):
            raise
        what = "not a readable gzip file" if path.suffix == ".gz" else "cannot be read"
        raise ValueError(f"{path}: {what} ({e}); delete it and download it again") from e


def _read_idx_stream(f, path: Path, expected_magic: int | None, max_bytes: int) -> np.ndarray:
    """The header, checked, then exactly the data it announces (see read_idx)."""
    head = f.read(4)
    if len(head) < 4:
        raise ValueError(f"{path}: {len(head)} bytes, too short for an IDX header (4-byte magic number)")
    magic = int.from_bytes(head, "big")
    zero, dtype_code, ndim = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zero != 0 or dtype_code != 0x08 or ndim == 0:
        raise ValueError(
            f"{path}: magic number 0x{magic:08x} is not an IDX file of unsigned bytes "
            f"(expected 0x{expected_magic or _IDX_IMAGES:08x}); is this really an MNIST file?"
        )
    if expected_magic is not None and magic != expected_magic:
        kind = {_IDX_IMAGES: "images (3 dimensions)", _IDX_LABELS: "labels (1 dimension)"}
        raise ValueError(
            f"{path}: magic number 0x{magic:08x} ({ndim} dimensions), expected 0x{expected_magic:08x} "
            f"for {kind.get(expected_magic, 'this file')}; were two files swapped?"
        )
    dims = f.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise ValueError(f"{path}: truncated header: {ndim} dimensions need {4 + 4 * ndim} bytes, "
                         f"file has {4 + len(dims)}")
    shape = tuple(int.from_bytes(dims[4 * i: 4 * i + 4], "big") for i in range(ndim))
    expected = math.prod(shape)
    if expected > max_bytes:
        raise ValueError(f"{path}: the header says shape {shape} = {expected:,} bytes of data, more than the "
                         f"{max_bytes:,} this reader accepts (MNIST's largest file holds 47,040,000); "
                         f"is this really an MNIST file?")
    data = np.empty(expected, dtype=np.uint8)
    view, got = memoryview(data), 0
    while got < expected:
        n = f.readinto(view[got: got + _IDX_CHUNK])
        if not n:
            raise ValueError(f"{path}: truncated: the header says shape {shape} = {expected:,} bytes of data, "
                             f"the file holds {got:,}")
        got += n
    if f.read(1):                       # one byte past the count is enough to refuse: nothing more is read
        raise ValueError(f"{path}: has trailing bytes: the header says shape {shape} = {expected:,} bytes of "
                         f"data, the file holds more")
    return data.reshape(shape)


def _find_mnist_file(folder: Path, name: str) -> Path | None:
    """The gzip file, or the same file already unzipped (many people keep it that way)."""
    for candidate in (folder / name, folder / name[: -len(".gz")]):
        if candidate.is_file():
            return candidate
    return None


def _download(name: str, folder: Path, md5: str) -> Path:
    """Fetch one file into `folder`, verifying its md5; an atomic rename makes it appear only
    once complete and correct, so an interrupted or corrupt download never poisons the cache."""
    import http.client  # imported here: `import nn` stays light
    import urllib.request

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    failures = []
    for mirror in MNIST_MIRRORS:
        url = mirror + name
        # the temporary file sits in the same folder so os.replace is a rename on one filesystem
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        try:
            digest, received = hashlib.md5(), 0
            deadline = time.monotonic() + MNIST_DOWNLOAD_SECONDS
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=MNIST_READ_TIMEOUT) as response:
                announced = response.headers.get("Content-Length")
                # read1: what one recv brings, so a server sending a byte a second cannot keep one
                # read (which waits to fill its buffer) from ever reaching the deadline check
                while chunk := response.read1(1 << 16):
                    digest.update(chunk)
                    out.write(chunk)
                    received += len(chunk)
                    if time.monotonic() > deadline:
                        of = f" of {int(announced):,}" if announced is not None else ""
                        raise TimeoutError(f"stopped after {MNIST_DOWNLOAD_SECONDS:g} s with {received:,}{of} "
                                           f"bytes received; the connection is too slow")
            if announced is not None and received < int(announced):
                failures.append(f"{url}: the connection was cut after {received:,} of {int(announced):,} bytes")
                continue
            if digest.hexdigest() != md5:
                failures.append(f"{url}: md5 {digest.hexdigest()}, expected {md5}")
                continue
            os.replace(tmp_name, target)
            return target
        # URLError, HTTPError, timeouts and disk errors are OSErrors; a connection cut mid-body
        # can surface as http.client.IncompleteRead, which is not
        except (OSError, http.client.HTTPException) as e:
            failures.append(f"{url}: {e}")
        finally:
            if os.path.exists(tmp_name):
                os.remove(tmp_name)
    raise OSError(
        f"could not download {name} into {folder} ({'; '.join(failures)}): MNIST is downloaded once, with "
        f"internet, then cached there; or put its four .gz files in a folder and pass {MNIST_PATH_HINT}, or set "
        f"TINYGRAD_EDU_DATA to the folder holding mnist/"
    )


MNIST_PATH_HINT = "load_mnist(path=folder)"   # what the one-line message calls the folder argument


def load_mnist(path: str | os.PathLike | None = None) -> tuple[tuple[np.ndarray, np.ndarray],
                                                               tuple[np.ndarray, np.ndarray]]:
    """MNIST digits as ``((X_train, y_train), (X_test, y_test))``, like keras.datasets.mnist.load_data().

    Images are uint8 arrays (n, 28, 28) with 0 = background, labels uint8 (n,) in 0..9. The four
    IDX files (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``) are read from, in order:

    1. ``path``, when given (the folder holding the files, or the folder above its ``mnist/``);
    2. ``$TINYGRAD_EDU_DATA/mnist``, when that variable is set;
    3. the cache ``~/.cache/tinygrad_edu/mnist``, downloading any missing file once (md5-checked).

    Files found in 1 or 2 are used as they are (their md5 is not checked, so a subset works);
    the IDX reader still checks every header and size.

    >>> (X_train, y_train), (X_test, y_test) = load_mnist()   # doctest: +SKIP
    >>> X_train.shape, X_train.dtype, y_test[:3]              # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'), array([7, 2, 1], dtype=uint8))
    """
    if path is not None:
        folder, where = Path(path), f"path={str(path)!r}"
        if _find_mnist_file(folder, "train-images-idx3-ubyte.gz") is None and (folder / "mnist").is_dir():
            folder = folder / "mnist"       # the folder above mnist/ (a data folder) works too
    elif os.environ.get("TINYGRAD_EDU_DATA"):
        folder = Path(os.environ["TINYGRAD_EDU_DATA"]) / "mnist"
        where = f"$TINYGRAD_EDU_DATA/mnist ({folder})"
    else:
        folder, where = mnist_cache_dir(), None

    files = {}
    for name, md5 in MNIST_FILES.items():
        found = _find_mnist_file(folder, name)
        if found is None:
            if where is not None:  # a folder the user chose: say what is missing, never download
                hint = ""
                if _find_mnist_file(folder / "mnist", name):  # given the data folder, not its mnist/
                    hint = f"; they are in {folder / 'mnist'}: pass path={str(folder / 'mnist')!r}"
                raise FileNotFoundError(
                    f"load_mnist: {name} not found in {where}; that folder must hold "
                    f"{', '.join(MNIST_FILES)} (gzip or unzipped){hint}"
                )
            found = _download(name, folder, md5)
        files[name] = found

    X_train = read_idx(files["train-images-idx3-ubyte.gz"], _IDX_IMAGES)
    y_train = read_idx(files["train-labels-idx1-ubyte.gz"], _IDX_LABELS)
    X_test = read_idx(files["t10k-images-idx3-ubyte.gz"], _IDX_IMAGES)
    y_test = read_idx(files["t10k-labels-idx1-ubyte.gz"], _IDX_LABELS)
    for split, X, y, xfile, yfile in (
        ("train", X_train, y_train, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        ("test", X_test, y_test, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    ):
        if X.shape[1:] != (28, 28):
            raise ValueError(f"{files[xfile]}: images are {X.shape[1]}x{X.shape[2]}, MNIST's are 28x28")
        if len(X) != len(y):
            raise ValueError(
                f"MNIST {split}: {files[xfile]} holds {len(X):,} images but {files[yfile]} holds "
                f"{len(y):,} labels; the two files must come from the same set"
            )
        if y.size and y.max() > 9:
            raise ValueError(f"{files[yfile]}: label {int(y.max())} found, MNIST labels are 0..9")
    return (X_train, y_train), (X_test, y_test)


# ----------------------------------------------------------------------------------------------
# a user's own CSV table
# ----------------------------------------------------------------------------------------------


def _as_float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


CSV_DELIMITERS = ",;\t|"        # what sniffing may choose between
MIN_ID_ROWS = 10                # a column of all-distinct whole numbers in this many rows looks like an ID
_INT64 = np.iinfo(np.int64)


def load_csv(path: str | os.PathLike, target: str, *, delimiter: str | None = None,
             na_values: Iterable[str] = ("NA", "", "?", "N/A", "nan", "NaN"), drop: Sequence[str] = (),
             encoding: str = "utf-8-sig", decimal: str | None = None, verbose: bool = True) -> Bunch:
    """Read a table with a header row into numbers a network can learn from.

    - a column whose every value parses as a number stays numeric; any other column is
      categorical and becomes one 0/1 column per category, named ``column_category``;
    - values in ``na_values`` (after stripping spaces) are missing: numbers get the column's
      median, categories its most frequent value (the mode); each imputed column is reported
      (printed when ``verbose``, always kept in ``.imputed``); an infinite number (``inf``) is
      not missing but an error naming its line;
    - the ``target`` column becomes ``y``: whole-number labels that fit int64 stay numbers (int64),
      fractional numbers stay float64, both with ``class_names`` None; any other labels (words, or
      numbers such as ``1e20`` that int64 cannot hold exactly) map to 0..k-1 in sorted order, with
      ``class_names[i]`` the exact text of label i; rows with a missing target are dropped;
    - columns listed in ``drop`` (an id, a name) are left out; an unnamed first column holding
      increasing row numbers (0..n-1: a saved pandas index, or R's 1..n) is left out with a note,
      since on a table sorted by class it gives the answer away; ``drop`` names an unnamed first
      column as ``""`` or ``"index"``;
    - ``delimiter`` is sniffed from the first lines (one of , ; tab |) when not given; the text is
      decoded as ``encoding`` (UTF-8, with or without Excel's byte-order mark, by default);
    - ``decimal`` is the decimal mark, as pandas' ``read_csv(decimal=",")``: ``","`` reads ``3,75`` as
      3.75; by default a ``;``-separated file (Excel in an Indonesian or other European locale) has
      its decimal commas found and read as numbers, saying so in one printed line, and any other
      file keeps ``"."``. A column that mixes both marks (``3,75`` and ``3.5``) is refused, naming
      both values and their lines;
    - a numeric feature holding a different whole number in every row (an ID such as a student's
      ``nim``) gets a printed warning naming it and ``drop=``: as a feature it lets the network
      memorise rows.

    Returns a Bunch with ``X`` float64 (n, features), ``y``, ``feature_names``,
    ``class_names`` and ``imputed`` ({column: (count, fill value)}). Errors name the file, the line
    and the column.

    >>> t = load_csv("patients.csv", target="diagnosis", drop=["id"])  # doctest: +SKIP
    load_csv: patients.csv: imputed 3 missing value(s) in 'age' with the median 41.0
    >>> t.X.shape, t.class_names                                       # doctest: +SKIP
    ((120, 6), ['benign', 'malignant'])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_csv: no file {str(path)!r} (looked in {Path.cwd()})")
    if decimal not in (None, ".", ","):
        raise ValueError(f"load_csv: decimal is the decimal mark, '.' or ',', got {decimal!r}")
    text = _decode(path, encoding)
    sniffed = delimiter is None
    if sniffed:
        delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    numbered = [(reader.line_num, row) for row in reader if row]
    if not numbered:
        raise ValueError(f"load_csv: {path} is empty; expected a header row and data rows")
    header = [h.strip() for h in numbered[0][1]]
    lines, body = [n for n, _ in numbered[1:]], [row for _, row in numbered[1:]]
    if not body:
        raise ValueError(f"load_csv: {path} has a header but no data rows")
    _check_header(path, header)
    for line, row in zip(lines, body):
        if len(row) != len(header):
            how = f"sniffed as {delimiter!r}" if sniffed else f"{delimiter!r}"
            raise ValueError(
                f"load_csv: {path}, line {line}: {len(row)} values but the header has {len(header)} "
                f"columns ({_column_list(header)}); is the delimiter ({how}) right? Choose it with "
                f"delimiter= (tinygrad-edu train --delimiter)"
            )
    if target not in header:
        raise ValueError(f"load_csv: {path} has no column {target!r}; the columns are: {_column_list(header)}")
    dropped = {_drop_name(path, header, name) for name in drop}

    missing = {v.strip() for v in na_values}
    columns = {name: [row[i].strip() for row in body] for i, name in enumerate(header)}
    messages = []
    comma = decimal == "," or (decimal is None and delimiter == ";")
    read_as_comma = [name for name in header if comma and _decimal_comma(path, name, columns, lines, missing)]
    if read_as_comma and decimal is None:
        messages.append(f"read {len(read_as_comma)} column(s) with a decimal comma as numbers "
                        f"({', '.join(read_as_comma)}): ';' between values and ',' in numbers, as Excel writes in an "
                        f"Indonesian locale; pass decimal=',' to say so (tinygrad-edu train --decimal ,)")
    if header[0] == "" and "" not in dropped and target != "" and _row_numbers(columns[""]):
        dropped.add("")
        messages.append(f"left out the unnamed first column, row numbers {columns[''][0]}..{columns[''][-1]} "
                        f"(a saved pandas index): on a table sorted by class it would give the answer away; "
                        f"to keep it, give it a name in the header")

    keep_rows = [v not in missing for v in columns[target]]
    dropped_rows = keep_rows.count(False)
    if dropped_rows == len(body):
        raise ValueError(f"load_csv: {path}: every value of the target column {target!r} is missing")
    for name in columns:
        columns[name] = [v for v, keep in zip(columns[name], keep_rows) if keep]
    lines = [line for line, keep in zip(lines, keep_rows) if keep]
    if dropped_rows:
        messages.append(f"dropped {dropped_rows} row(s) whose target {target!r} is missing")

    y, class_names = _labels(columns[target])

    blocks: list[np.ndarray] = []
    feature_names: list[str] = []
    imputed: dict[str, tuple[int, Any]] = {}
    for name in header:
        if name == target or name in dropped:
            continue
        values = columns[name]
        present = [v for v in values if v not in missing]
        n_missing = len(values) - len(present)
        if not present:
            raise ValueError(
                f"load_csv: {path}: column {name!r} has no values at all; drop it with drop=[{name!r}]"
            )
        numbers = [_as_float(v) for v in present]
        if all(v is not None for v in numbers):
            _refuse_infinite(path, name, values, lines, missing)
            if len(present) >= MIN_ID_ROWS and len(set(numbers)) == len(present) and \
                    all(x.is_integer() for x in numbers):
                messages.append(f"warning: column {name!r} holds a different whole number in every row, like an ID "
                                f"(a student's nim): as a feature it lets the network memorise rows instead of "
                                f"learning; leave it out with drop=[{name!r}] (tinygrad-edu train --drop {name})")
            fill: Any = float(np.median(numbers))
            col = np.array([fill if v in missing else float(v) for v in values], dtype=np.float64)
            blocks.append(col[:, None])
            feature_names.append(name)
            how = "median"
        else:
            counts = Counter(present)
            # the most frequent category; ties go to the first in sorted order, so runs agree
            fill = min(counts, key=lambda c: (-counts[c], c))
            filled = [fill if v in missing else v for v in values]
            categories = sorted(set(filled))
            blocks.append(np.array([[v == c for c in categories] for v in filled], dtype=np.float64))
            feature_names.extend(f"{name}_{c}" for c in categories)
            how = "mode"
        if n_missing:
            imputed[name] = (n_missing, fill)
            messages.append(f"imputed {n_missing} missing value(s) in {name!r} with the {how} {fill!r}")

    if not blocks:
        raise ValueError(f"load_csv: {path}: no feature columns left besides the target {target!r}")
    if verbose:
        for m in messages:
            print(f"load_csv: {path.name}: {m}")
    return Bunch(
        X=np.hstack(blocks),
        y=y,
        feature_names=feature_names,
        class_names=class_names,
        imputed=imputed,
        dropped_rows=dropped_rows,
    )


def _decimal_comma(path: Path, name: str, columns: dict[str, list[str]], lines: list[int],
                   missing: set[str]) -> bool:
    """Rewrite column `name` in place from decimal commas ("3,75") to points ("3.75") when every
    present value is then a number and at least one had a comma; True when it did. A column that
    mixes the two marks is refused: "1.234" may be a thousand (1.234,5) or one and a bit."""
    values = columns[name]
    present = [(v, line) for v, line in zip(values, lines) if v not in missing]
    with_comma = [(v, line) for v, line in present if "," in v]
    if not with_comma or any(_as_float(v.replace(",", ".")) is None for v, _ in present):
        return False
    with_point = [(v, line) for v, line in present if "." in v]
    if with_point:
        (c, c_line), (p, p_line) = with_comma[0], with_point[0]
        raise ValueError(
            f"load_csv: {path}: column {name!r} mixes both decimal marks: {c!r} (line {c_line}) has a comma and "
            f"{p!r} (line {p_line}) a point; write every number of the column with one mark (Excel: the "
            f"same locale for the whole column), then give it with decimal=',' or decimal='.'")
    columns[name] = [v.replace(",", ".") for v in values]
    return True


def _decode(path: Path, encoding: str) -> str:
    """The file's text; an error naming the line of the first byte that is not `encoding`."""
    raw = path.read_bytes()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ValueError(
            f"load_csv: {path}, line {line}: the bytes {raw[e.start:e.end]!r} are not {e.encoding} text "
            f"({e.reason}); save the file as UTF-8 (Excel: 'CSV UTF-8'), or name its encoding with "
            f"encoding= (tinygrad-edu train --encoding), e.g. cp1252 or latin-1"
        ) from None
    except LookupError:
        raise ValueError(f"load_csv: unknown encoding {encoding!r}; e.g. utf-8, cp1252, latin-1") from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the first lines (csv.Sniffer, among CSV_DELIMITERS); a comma when unclear."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:                   # one column, or no pattern: the common case
        return ","


def _column_list(header: list[str]) -> str:
    return ", ".join(name or "(unnamed)" for name in header)


def _check_header(path: Path, header: list[str]) -> None:
    """Each column findable by its name: a repeated name would shadow a column without a word."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if name in seen:
            what = f"the column name {name!r}" if name else "no name (two unnamed columns)"
            raise ValueError(f"load_csv: {path}: the header gives {what} to columns {seen[name]} and {i}; "
                             f"give every column its own name")
        seen[name] = i


def _drop_name(path: Path, header: list[str], name: str) -> str:
    """The header's name for a column `drop` lists: itself, or "" for an unnamed first column
    asked for as "" or "index"."""
    if name in header:
        return name
    if name in ("", "index") and header[0] == "":
        return ""
    if name == "":
        raise ValueError(f"load_csv: {path} has no unnamed column to drop; the columns are: {_column_list(header)}")
    raise ValueError(f"load_csv: {path} has no column {name!r}; the columns are: {_column_list(header)}")


def _row_numbers(values: list[str]) -> bool:
    """Strictly increasing whole numbers from 0 or 1 (pandas' 0..n-1, R's 1..n, either with rows
    filtered out): a row index, not a measurement."""
    numbers = [_int64_label(v) for v in values]
    return all(n is not None for n in numbers) and all(a < b for a, b in zip(numbers, numbers[1:])) \
        and numbers[0] in (0, 1)


def _int64_label(text: str) -> int | None:
    """The text's value when it is exactly a whole number int64 holds ("3", "-2", "2.0"), else None."""
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    # adjusted() is the exponent: checked first, so "1e999999" is not expanded into a million digits
    if not d.is_finite() or d.adjusted() > 18 or d != d.to_integral_value():
        return None
    n = int(d)
    return n if _INT64.min <= n <= _INT64.max else None


def _labels(texts: list[str]) -> tuple[np.ndarray, list[str] | None]:
    """(y, class_names): exact whole numbers as int64, fractional numbers as float64 (class_names None);
    anything else as indices into the sorted distinct texts, kept exactly as written."""
    whole = [_int64_label(v) for v in texts]
    if all(n is not None for n in whole):
        return np.array(whole, dtype=np.int64), None
    numbers = [_as_float(v) for v in texts]
    numeric = all(x is not None and math.isfinite(x) for x in numbers)
    if numeric and not all(x.is_integer() for x in numbers):
        return np.array(numbers, dtype=np.float64), None
    # words, or whole numbers too large for int64 (1e20 would wrap to -9223372036854775808): names;
    # numbers sort by their exact value, so 2 comes before 10 and 1e20 after 9223372036854775808
    order = (lambda v: (Decimal(v), v)) if all(_is_finite_decimal(v) for v in texts) else None
    class_names = sorted(set(texts), key=order)
    index = {c: i for i, c in enumerate(class_names)}
    return np.array([index[v] for v in texts], dtype=np.int64), class_names


def _is_finite_decimal(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def _refuse_infinite(path: Path, name: str, values: list[str], lines: list[int], missing: set[str]) -> None:
    for value, line in zip(values, lines):
        if value not in missing and math.isinf(float(value)):
            raise ValueError(
                f"load_csv: {path}, line {line}: column {name!r} holds {value!r}, an infinite number; a network "
                f"cannot learn from it: replace it with a finite value, or with NA to have it imputed"
            )


class mnist:
    """Keras's name for it: `from nn.datasets import mnist; mnist.load_data()` is `load_mnist()`."""

    load_data = staticmethod(load_mnist)


# ---- sequences: sine series and their windows; a text as character ids --------------------------------------

def sine_wave(n_points: int = 1000, *, period: float = 50.0, noise: float = 0.0,
              random_state: int | np.random.Generator | None = None) -> np.ndarray:
    """sin(2π t / period) for t = 0 .. n_points − 1, plus N(0, noise²) if noise > 0, as float32.

    >>> sine_wave(5, period=4).round(3).tolist()
    [0.0, 1.0, 0.0, -1.0, -0.0]
    """
    _check_n(n_points, 1, "n_points")
    series = np.sin(2 * np.pi * np.arange(n_points) / period)
    if noise:
        series = series + _rng(random_state).normal(0.0, noise, n_points)
    return series.astype(np.float32)


def windows(series: Any, steps: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into (X, Y): X[i] = series[i : i + steps], Y[i] = series[i + steps + horizon − 1].

    A 1-D series gives X of shape (N, steps) and Y of shape (N,); a (n, F) series gives (N, steps, F)
    and (N, F), what a recurrent layer takes (give a one-feature series as `series[:, None]`).
    Token ids work the same: X (N, steps) of ids for an Embedding, Y the next id.

    >>> X, Y = windows(np.arange(6), steps=3)
    >>> X.tolist(), Y.tolist()
    ([[0, 1, 2], [1, 2, 3], [2, 3, 4]], [3, 4, 5])
    """
    series = np.asarray(series)
    if series.ndim == 0:
        raise ValueError("windows: the series must be an array of values over time, got a single number")
    if not isinstance(steps, (int, np.integer)) or steps < 1 or horizon < 1:
        raise ValueError(f"windows: steps and horizon must be positive integers, got steps={steps!r}, "
                         f"horizon={horizon!r}")
    n = len(series) - steps - horizon + 1
    if n < 1:
        raise ValueError(f"windows: a series of {len(series)} values is too short for windows of {steps} steps "
                         f"predicting {horizon} ahead; it needs at least {steps + horizon}")
    rows = np.arange(n)[:, None] + np.arange(steps)                # row i: indices i .. i + steps − 1
    return series[rows], series[np.arange(n) + steps + horizon - 1]


def make_sine_windows(n_windows: int = 1000, steps: int = 20, *, period: float = 50.0, noise: float = 0.0,
                      random_state: int | np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A sine forecasting set: X (n_windows, steps, 1) of consecutive values, Y (n_windows, 1) the next one.

    >>> X, Y = make_sine_windows(1000, 20)
    >>> X.shape, Y.shape, X.dtype
    ((1000, 20, 1), (1000, 1), dtype('float32'))
    """
    series = sine_wave(n_windows + steps, period=period, noise=noise, random_state=random_state)
    return windows(series[:, None], steps)


def load_text() -> str:
    """The short public-domain text shipped in the package: the opening of *Alice's Adventures in
    Wonderland* (Lewis Carroll, 1865), 2,378 characters, as Project Gutenberg #11 prints it
    with ASCII quotes (nn/data/README.md says how it was checked).

    >>> load_text()[:30]
    'Alice was beginning to get ver'
    """
    return (_DATA_DIR / "alice.txt").read_text(encoding="utf-8")


def char_vocabulary(text: str) -> list[str]:
    """The distinct characters of `text`, sorted: character i of the list has id i.

    >>> char_vocabulary("hello")
    ['e', 'h', 'l', 'o']
    """
    return sorted(set(text))


def text_to_ids(text: str, vocabulary: Sequence[str]) -> np.ndarray:
    """Each character's id in `vocabulary`, as an int64 array.

    >>> text_to_ids("hole", ["e", "h", "l", "o"]).tolist()
    [1, 3, 2, 0]
    """
    index = {ch: i for i, ch in enumerate(vocabulary)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"text_to_ids: characters {missing[:10]} are not in the vocabulary of {len(index)}; "
                         f"build it from this text, char_vocabulary(text)")
    return np.array([index[ch] for ch in text], dtype=np.int64)


def ids_to_text(ids: Iterable[int], vocabulary: Sequence[str]) -> str:
    """The characters of `ids`, joined: the inverse of text_to_ids.

    >>> ids_to_text([1, 3, 2, 0], ["e", "h", "l", "o"])
    'hole'
    """
    return "".join(vocabulary[int(i)] for i in ids)
