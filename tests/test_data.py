"""nn.datasets, nn.preprocessing and nn.utils: the data a student loads, splits, scales and encodes."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from nn import datasets, preprocessing, utils
from nn.datasets import load_csv, load_iris, load_mnist
from nn.preprocessing import StandardScaler, train_test_split
from nn.utils import to_categorical

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
needs_mnist = pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=f"shared MNIST files not found at {SHARED_MNIST}")


# ----------------------------------------------------------------------------------------------
# iris
# ----------------------------------------------------------------------------------------------


def test_iris_shape_classes_and_known_rows():
    iris = load_iris()
    assert iris.data.shape == (150, 4) and iris.data.dtype == np.float64
    assert iris.target.shape == (150,) and iris.target.dtype == np.int64
    assert np.bincount(iris.target).tolist() == [50, 50, 50]
    assert list(iris.target_names) == ["setosa", "versicolor", "virginica"]
    assert iris.feature_names == ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    # first and last rows of Fisher's table, and the first versicolor
    assert iris.data[0].tolist() == [5.1, 3.5, 1.4, 0.2] and iris.target[0] == 0
    assert iris.data[50].tolist() == [7.0, 3.2, 4.7, 1.4] and iris.target[50] == 1
    assert iris.data[149].tolist() == [5.9, 3.0, 5.1, 1.8] and iris.target[149] == 2
    # the summary statistics printed in every description of the data set
    np.testing.assert_allclose(iris.data.mean(axis=0), [5.843, 3.057, 3.758, 1.199], atol=1e-3)
    assert iris.data.min(axis=0).tolist() == [4.3, 2.0, 1.0, 0.1]
    assert iris.data.max(axis=0).tolist() == [7.9, 4.4, 6.9, 2.5]


def test_iris_course_idiom_and_return_X_y():
    iris = datasets.load_iris()
    X = iris.data
    y = iris.target
    X2, y2 = load_iris(return_X_y=True)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert iris["data"] is iris.data  # a Bunch: keys are attributes
    with pytest.raises(AttributeError, match="has no attribute 'frame'"):
        iris.frame  # noqa: B018 (the attribute access is the test)


def test_iris_equals_sklearn():
    sk = pytest.importorskip("sklearn.datasets")
    ours, theirs = load_iris(), sk.load_iris()
    assert np.array_equal(ours.data, theirs.data)
    assert np.array_equal(ours.target, theirs.target)
    assert ours.feature_names == list(theirs.feature_names)


def test_iris_csv_is_inside_the_package():
    path = Path(load_iris().filename)
    assert path.name == "iris.csv" and path.parent == Path(datasets.__file__).parent / "data"


def test_alice_is_the_checked_gutenberg_text():
    # nn/data/README.md: checked word for word against Project Gutenberg #11; ASCII quotes, no
    # italics marks, one line per paragraph. The hash pins that checked text against later edits.
    text = datasets.load_text()
    assert text.isascii() and "_" not in text and text.count("\n\n") == 5
    assert text.startswith("Alice was beginning to get very tired of sitting by her sister")
    assert text.endswith("so managed to put it into one of the cupboards as she fell past it.\n")
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert digest == "38a3167e0a54200a0ebd8b06d572ed06a13876b8b41ca93658a8ea2027986d7d"


# ----------------------------------------------------------------------------------------------
# toy 2-D problems
# ----------------------------------------------------------------------------------------------

MAKERS = [datasets.make_moons, datasets.make_circles, datasets.make_xor, datasets.make_spirals]


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_toy_shapes_labels_and_reproducibility(make):
    X, y = make(101, noise=0.1, random_state=7)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    assert set(y.tolist()) == {0, 1}
    X2, y2 = make(101, noise=0.1, random_state=7)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = make(101, noise=0.1, random_state=8)
    assert not np.array_equal(X, X3)
    with pytest.raises(ValueError, match="n_samples must be an integer"):
        make(0)
    with pytest.raises(ValueError, match="noise is a standard deviation"):
        make(10, noise=-1.0)


def test_moons_and_circles_geometry():
    X, y = datasets.make_moons(100, shuffle=False)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)
    X, y = datasets.make_circles(100, shuffle=False, factor=0.3)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3)
    with pytest.raises(ValueError, match=r"factor .* \[0, 1\), got 1.5"):
        datasets.make_circles(10, factor=1.5)


@pytest.mark.parametrize("name", ["make_moons", "make_circles"])
def test_noiseless_unshuffled_points_equal_sklearn(name):
    sk = pytest.importorskip("sklearn.datasets")
    for n in (2, 7, 100):
        ours = getattr(datasets, name)(n, shuffle=False)
        theirs = getattr(sk, name)(n, shuffle=False)
        np.testing.assert_allclose(ours[0], theirs[0], atol=1e-12)
        assert np.array_equal(ours[1], theirs[1])


def test_xor_labels_follow_the_signs():
    X, y = datasets.make_xor(500, random_state=0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert np.all(np.abs(X) <= 1)
    assert 200 < y.sum() < 300


def test_spirals_positional_call_and_classes():
    X, y = datasets.make_spirals(300, 0.0, 0, n_classes=3)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.all(np.hypot(*X.T) <= 1.0 + 1e-12)
    X, y = datasets.make_spirals(7, n_classes=3)
    assert np.bincount(y).tolist() == [3, 2, 2]
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        datasets.make_spirals(10, n_classes=1)


# ----------------------------------------------------------------------------------------------
# MNIST: the shared files, and IDX errors
# ----------------------------------------------------------------------------------------------


def _check_shared_subset(data):
    (X_train, y_train), (X_test, y_test) = data
    assert X_train.shape == (24_345, 28, 28) and X_train.dtype == np.uint8
    assert y_train.shape == (24_345,) and y_train.dtype == np.uint8
    assert X_test.shape == (10_000, 28, 28) and X_test.dtype == np.uint8
    assert y_test.shape == (10_000,) and y_test.dtype == np.uint8
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the famous first training digits
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert X_train.max() == 255 and X_train[0, 0, 0] == 0  # background is 0, ink up to 255
    assert int(X_train[0].sum()) == 27525 and int(X_test[0].sum()) == 18454
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@needs_mnist
def test_load_mnist_from_path():
    data = load_mnist(SHARED_MNIST)
    _check_shared_subset(data)
    data[0][0][0, 0, 0] = 1  # writable, like Keras's arrays


@needs_mnist
def test_load_mnist_from_environment(monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(SHARED_MNIST.parent))
    _check_shared_subset(load_mnist())


def _write_idx(path: Path, array: np.ndarray, magic: int, *, compress: bool = True, cut: int = 0) -> Path:
    array = np.asarray(array, dtype=np.uint8)
    raw = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape) + array.tobytes()
    raw = raw[: len(raw) - cut]
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def _fake_mnist(folder: Path, n_train: int = 5, n_test: int = 3) -> Path:
    """Four tiny, valid IDX files: images whose pixels encode their index, labels 0, 1, 2, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = np.arange(n, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), dtype=np.uint8)
        _write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images, 0x803)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n) % 10, 0x801)
    return folder


def test_fake_mnist_round_trip(tmp_path):
    (X, y), (Xt, yt) = load_mnist(_fake_mnist(tmp_path))
    assert X.shape == (5, 28, 28) and y.tolist() == [0, 1, 2, 3, 4] and Xt.shape == (3, 28, 28)
    assert np.all(X[3] == 3)


def test_unzipped_idx_files_are_read_too(tmp_path):
    folder = _fake_mnist(tmp_path)
    for gz in folder.glob("*.gz"):
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    assert load_mnist(folder)[0][1].tolist() == [0, 1, 2, 3, 4]


def test_missing_file_names_it_and_never_downloads(tmp_path, monkeypatch):
    folder = _fake_mnist(tmp_path)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: pytest.fail("must not download"))
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz not found in path="):
        load_mnist(folder)
    (X_train, _), _ = load_mnist(_fake_mnist(tmp_path / "data" / "mnist").parent)  # the folder above mnist/ works too
    assert X_train.shape[1:] == (28, 28)
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"not found in \$TINYGRAD_EDU_DATA/mnist"):
        load_mnist()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(b"this is not gzip at all"), "not a readable gzip file"),
        (lambda p: p.write_bytes(p.read_bytes()[:40]), "not a readable gzip file"),  # cut-off download
        (lambda p: _write_idx(p, np.zeros((2, 28, 28)), 0x803, cut=100), "truncated: the header says shape"),
        (lambda p: _write_idx(p, np.zeros(5), 0x801), r"magic number 0x00000801 .* expected 0x00000803"),
        (lambda p: p.write_bytes(gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(100))), "is not an IDX file"),
        (lambda p: p.write_bytes(gzip.compress(b"\x00\x00")), "too short for an IDX header"),
        (lambda p: _write_idx(p, np.zeros((2, 28, 28)), 0x803, cut=2 * 784 + 2), "truncated header"),
        (lambda p: _write_idx(p, np.zeros((2, 20, 20)), 0x803), "images are 20x20, MNIST's are 28x28"),
        (lambda p: _write_idx(p, np.zeros((4, 28, 28)), 0x803), "holds 4 images but .* holds 5 labels"),
    ],
    ids=["not-gzip", "cut-gzip", "truncated-data", "labels-as-images", "foreign", "tiny", "cut-header",
         "wrong-size", "count-mismatch"],
)
def test_corrupt_idx_files_give_clear_errors(tmp_path, damage, message):
    folder = _fake_mnist(tmp_path)
    damaged = folder / "train-images-idx3-ubyte.gz"
    damage(damaged)
    with pytest.raises(ValueError, match=message) as info:
        load_mnist(folder)
    assert "train-images-idx3-ubyte.gz" in str(info.value)  # every error names the file


def test_trailing_bytes_and_bad_labels(tmp_path):
    path = tmp_path / "x.gz"
    raw = (0x801).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes([1, 2, 3, 4])
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(ValueError, match="has trailing bytes"):
        datasets.read_idx(path, 0x801)
    folder = _fake_mnist(tmp_path / "m")
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", [1, 2, 12], 0x801)
    with pytest.raises(ValueError, match="label 12 found, MNIST labels are 0..9"):
        load_mnist(folder)


# ----------------------------------------------------------------------------------------------
# MNIST: the download path, against a local HTTP server (tests never touch the network)
# ----------------------------------------------------------------------------------------------


class _Server:
    """A local HTTP server over a folder; `cut` names files it breaks off halfway."""

    def __init__(self, root: Path):
        self.root, self.requests, self.cut = root, [], set()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                server.requests.append(name)
                path = server.root / name
                if not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if name in server.cut else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path, monkeypatch):
    # the cache goes under tmp_path, whatever the machine's HOME
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    srv = _Server(tmp_path / "served")
    yield srv
    srv.close()


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_download_once_into_the_cache(server, monkeypatch, tmp_path):
    _fake_mnist(server.root)
    monkeypatch.setattr(datasets, "MNIST_FILES", {name: _md5(server.root / name) for name in datasets.MNIST_FILES})
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [server.url + "missing/", server.url])  # first mirror 404s
    (X, y), _ = load_mnist()
    assert y.tolist() == [0, 1, 2, 3, 4]
    cache = tmp_path / "cache" / "tinygrad_edu" / "mnist"
    assert datasets.mnist_cache_dir() == cache
    assert sorted(p.name for p in cache.iterdir()) == sorted(datasets.MNIST_FILES)
    n_requests = len(server.requests)
    assert n_requests == 8  # each file: a 404 from the first mirror, then the second
    load_mnist()
    assert len(server.requests) == n_requests  # the second call reads the cache only


def test_checksum_mismatch_leaves_no_cache_file(server, monkeypatch, tmp_path):
    _fake_mnist(server.root)
    sums = {name: _md5(server.root / name) for name in datasets.MNIST_FILES}
    sums["train-labels-idx1-ubyte.gz"] = "0" * 32
    monkeypatch.setattr(datasets, "MNIST_FILES", sums)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [server.url])
    with pytest.raises(OSError, match=r"could not download train-labels-idx1-ubyte.gz(.|\n)*md5 [0-9a-f]{32}, expected 0{32}"):
        load_mnist()
    cache = tmp_path / "cache" / "tinygrad_edu" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == ["train-images-idx3-ubyte.gz"]  # verified one kept, no .part


def test_interrupted_download_leaves_no_cache_file(server, monkeypatch, tmp_path):
    _fake_mnist(server.root)
    monkeypatch.setattr(datasets, "MNIST_FILES", {name: _md5(server.root / name) for name in datasets.MNIST_FILES})
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [server.url])
    server.cut.add("train-images-idx3-ubyte.gz")
    with pytest.raises(OSError, match=r"could not download train-images-idx3-ubyte.gz(.|\n)*cut after \d+ of \d+ bytes"):
        load_mnist()
    assert list((tmp_path / "cache" / "tinygrad_edu" / "mnist").iterdir()) == []
    server.cut.clear()  # the connection is back: the next call completes the cache
    assert load_mnist()[1][1].tolist() == [0, 1, 2]


@needs_mnist
def test_download_checks_the_official_checksums(server, monkeypatch, tmp_path):
    # the shared test files are byte-identical to the official ones, the shared training files are
    # a 24,345-image subset: the real md5 table must accept the first and refuse the second
    shutil.copytree(SHARED_MNIST, server.root)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [server.url])
    cache = tmp_path / "cache" / "tinygrad_edu" / "mnist"
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert datasets._download(name, cache, datasets.MNIST_FILES[name]) == cache / name
    with pytest.raises(OSError, match="md5 5df35b9729660fd185a9616eade667f6, expected f68b3c2dcbeaaa9fbdd348bbdeb94873"):
        load_mnist()
    assert sorted(p.name for p in cache.iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


# ----------------------------------------------------------------------------------------------
# load_csv
# ----------------------------------------------------------------------------------------------


def _csv(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_csv_categories_missing_values_and_string_labels(tmp_path, capsys):
    path = _csv(tmp_path, (
        "id,age,color,weight,label\n"
        "1,30,red,1.5,yes\n"
        "2,NA,blue,2.5,no\n"
        "3,50,?,3.5,yes\n"
        "4,40,red,,maybe\n"
        "5,20, red ,4.0,no\n"
    ))
    t = load_csv(path, target="label", drop=["id"])
    assert t.feature_names == ["age", "color_blue", "color_red", "weight"]
    assert t.class_names == ["maybe", "no", "yes"]
    assert t.y.tolist() == [2, 1, 2, 0, 1] and t.y.dtype == np.int64
    expected = np.array([
        [30, 0, 1, 1.5],
        [35, 1, 0, 2.5],   # age: median of 30, 50, 40, 20
        [50, 0, 1, 3.5],   # color: the mode, red
        [40, 1 - 1, 1, 3.0],  # weight: median of 1.5, 2.5, 3.5, 4.0
        [20, 0, 1, 4.0],
    ])
    np.testing.assert_array_equal(t.X, expected)
    assert t.imputed == {"age": (1, 35.0), "color": (1, "red"), "weight": (1, 3.0)}
    report = capsys.readouterr().out
    assert "imputed 1 missing value(s) in 'age' with the median 35.0" in report
    assert "imputed 1 missing value(s) in 'color' with the mode 'red'" in report
    load_csv(path, target="label", drop=["id"], verbose=False)
    assert capsys.readouterr().out == ""


def test_load_csv_numeric_target_dropped_rows_and_delimiter(tmp_path, capsys):
    path = _csv(tmp_path, "\ufeffx;y;class\n1;2;0\n3;4;1\n5;6;NA\n7;8;2\n", "semi.csv")  # Excel BOM
    t = load_csv(path, target="class", delimiter=";")
    assert t.class_names is None and t.y.tolist() == [0, 1, 2] and t.y.dtype == np.int64
    assert t.X.tolist() == [[1, 2], [3, 4], [7, 8]] and t.dropped_rows == 1
    assert "dropped 1 row(s) whose target 'class' is missing" in capsys.readouterr().out
    t = load_csv(_csv(tmp_path, "a,b\n1,0.5\n2,1.5\n"), target="b")
    assert t.y.dtype == np.float64 and t.y.tolist() == [0.5, 1.5]


def test_load_csv_reads_iris_like_load_iris():
    t = load_csv(Path(datasets.__file__).parent / "data" / "iris.csv", target="species")
    iris = load_iris()
    assert np.array_equal(t.X, iris.data) and np.array_equal(t.y, iris.target)
    assert t.class_names == list(iris.target_names) and t.feature_names == iris.feature_names


def test_load_csv_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file .*nope.csv"):
        load_csv(tmp_path / "nope.csv", target="y")
    path = _csv(tmp_path, "sepal,petal,species\n1,2,a\n")
    with pytest.raises(ValueError, match="no column 'label'; the columns are: sepal, petal, species"):
        load_csv(path, target="label")
    with pytest.raises(ValueError, match="no column 'idx'"):
        load_csv(path, target="species", drop=["idx"])
    with pytest.raises(ValueError, match="line 3: 2 values but the header has 3 columns"):
        load_csv(_csv(tmp_path, "a,b,c\n1,2,3\n4,5\n", "ragged.csv"), target="c")
    with pytest.raises(ValueError, match="is empty"):
        load_csv(_csv(tmp_path, "", "empty.csv"), target="c")
    with pytest.raises(ValueError, match="header but no data rows"):
        load_csv(_csv(tmp_path, "a,b\n", "header.csv"), target="b")
    with pytest.raises(ValueError, match="column 'b' has no values at all"):
        load_csv(_csv(tmp_path, "a,b,c\n1,?,x\n2,NA,y\n", "hole.csv"), target="c")
    with pytest.raises(ValueError, match="every value of the target column 'c' is missing"):
        load_csv(_csv(tmp_path, "a,c\n1,?\n", "notarget.csv"), target="c")


# ----------------------------------------------------------------------------------------------
# train_test_split and StandardScaler
# ----------------------------------------------------------------------------------------------


def test_split_sizes_follow_the_course_slide():
    X, y = load_iris(return_X_y=True)
    X_train, X_test, Y_train, Y_test = train_test_split(X, y, test_size=.10)
    X_train, X_val, Y_train, Y_val = train_test_split(X_train, Y_train, test_size=.2)
    assert (X_train.shape, X_val.shape, X_test.shape) == ((108, 4), (27, 4), (15, 4))
    assert len(Y_train) == 108 and len(Y_val) == 27 and len(Y_test) == 15


def test_split_pairs_rows_and_is_reproducible():
    X, y = np.arange(40).reshape(20, 2), np.arange(20)
    a = train_test_split(X, y, random_state=3)
    b = train_test_split(X, y, random_state=3)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    X_train, X_test, y_train, y_test = a
    assert len(y_test) == 5  # default test share: 25 %, rounded up
    assert np.array_equal(X_train[:, 0] // 2, y_train) and np.array_equal(X_test[:, 0] // 2, y_test)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    assert not np.array_equal(train_test_split(X, y, random_state=4)[3], y_test)
    first, rest = train_test_split(list("abcdef"), shuffle=False, test_size=2)
    assert first == list("abcd") and rest == list("ef")  # lists stay lists
    assert [len(p) for p in train_test_split(X, train_size=0.5, test_size=3)] == [10, 3]


def test_stratify_keeps_class_proportions():
    X, y = load_iris(return_X_y=True)
    _, _, y_train, y_test = train_test_split(X, y, test_size=.10, stratify=y, random_state=0)
    assert np.bincount(y_train).tolist() == [45, 45, 45] and np.bincount(y_test).tolist() == [5, 5, 5]
    y = np.array([0] * 80 + [1] * 20)
    for seed in range(5):
        _, y_test = train_test_split(y, test_size=0.25, stratify=y, random_state=seed)
        assert np.bincount(y_test).tolist() == [20, 5]
    Y = to_categorical(y)  # one-hot rows stratify too
    _, _, _, Y_test = train_test_split(np.zeros(100), Y, test_size=0.1, stratify=Y, random_state=1)
    assert Y_test.sum(axis=0).tolist() == [8, 2]


def test_split_matches_sklearn_row_for_row():
    sk = pytest.importorskip("sklearn.model_selection")
    X, y = load_iris(return_X_y=True)
    uneven = np.array([0] * 7 + [1] * 13 + [2] * 5)
    cases = [
        ((X, y), dict(test_size=.1, random_state=0)),
        ((X, y), dict(random_state=5)),
        ((X, y), dict(test_size=7, train_size=.5, random_state=2)),
        ((X, y), dict(test_size=.3, random_state=1, stratify=y)),
        ((np.arange(25), uneven), dict(test_size=.33, random_state=9, stratify=uneven)),
        ((X, y), dict(test_size=.2, shuffle=False)),
    ]
    for arrays, kw in cases:
        ours, theirs = train_test_split(*arrays, **kw), sk.train_test_split(*arrays, **kw)
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs)), kw


def test_split_errors():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"different lengths \[10, 9\]"):
        train_test_split(X, np.zeros(9))
    with pytest.raises(ValueError, match=r"test_size=1.5 should be a float in \(0, 1\)"):
        train_test_split(X, test_size=1.5)
    with pytest.raises(ValueError, match=r"test_size=10 should be an int in \[1, 9\]"):
        train_test_split(X, test_size=10)
    with pytest.raises(ValueError, match="more than the 10 there are"):
        train_test_split(X, test_size=6, train_size=6)
    with pytest.raises(ValueError, match="class 2 has only 1 member"):
        train_test_split(X, stratify=np.array([0] * 5 + [1] * 4 + [2]))
    with pytest.raises(ValueError, match="not implemented for shuffle=False"):
        train_test_split(X, stratify=np.zeros(10), shuffle=False)
    with pytest.raises(ValueError, match="arrays are empty"):
        train_test_split(np.zeros((0, 2)))


def test_standard_scaler():
    X_train = np.array([[1.0, 10.0, 5.0], [3.0, 20.0, 5.0], [5.0, 60.0, 5.0]])
    scaler = StandardScaler()
    Z = scaler.fit_transform(X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1)
    assert scaler.mean_.tolist() == [3.0, 30.0, 5.0]
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(8 / 3), np.sqrt(1400 / 3), 1.0])  # constant column: 1
    np.testing.assert_allclose(scaler.transform([[7.0, 30.0, 6.0]]), [[4 / np.sqrt(8 / 3), 0.0, 1.0]])
    np.testing.assert_allclose(scaler.inverse_transform(Z), X_train)
    assert np.array_equal(X_train[:, 0], [1.0, 3.0, 5.0])  # copy=True leaves the input alone
    with pytest.raises(ValueError, match="X has 2 features, but StandardScaler is expecting 3 features"):
        scaler.transform(np.zeros((1, 2)))
    with pytest.raises(RuntimeError, match="not fitted yet"):
        StandardScaler().transform(X_train)
    with pytest.raises(ValueError, match=r"expects a 2-D array .* reshape"):
        StandardScaler().fit(np.zeros(3))


def test_standard_scaler_matches_sklearn():
    sk = pytest.importorskip("sklearn.preprocessing")
    X, _ = load_iris(return_X_y=True)
    X = np.c_[X, np.full(150, 0.1)]
    for kw in ({}, {"with_mean": False}, {"with_std": False}):
        ours, theirs = StandardScaler(**kw).fit(X[:100]), sk.StandardScaler(**kw).fit(X[:100])
        np.testing.assert_allclose(ours.transform(X[100:]), theirs.transform(X[100:]))


# ----------------------------------------------------------------------------------------------
# to_categorical
# ----------------------------------------------------------------------------------------------


def test_to_categorical_keras_semantics():
    Y = to_categorical([0, 2, 1], 3)
    assert Y.dtype == np.float32 and Y.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert to_categorical(np.array([1, 3])).shape == (2, 4)  # num_classes = max + 1
    assert to_categorical(np.array([[1], [0]]), 2).shape == (2, 2)  # a trailing axis of 1 is dropped
    assert to_categorical(np.array([[1, 0], [0, 1]]), 2).shape == (2, 2, 2)
    assert to_categorical(np.array([2.0, 0.0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert to_categorical([], 3).shape == (0, 3)
    assert utils.to_categorical is to_categorical and preprocessing.train_test_split is train_test_split


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"label 3 at position 1 is out of range for num_classes=3; labels must be in 0..2"):
        to_categorical([0, 3], 3)
    with pytest.raises(ValueError, match="label -1 at position 0 is out of range"):
        to_categorical([-1, 0], 2)
    with pytest.raises(ValueError, match="whole-number class labels, got 1.5"):
        to_categorical([0.0, 1.5])
    with pytest.raises(ValueError, match=r"integer class labels, got dtype <U3 .*np.unique"):
        to_categorical(["cat", "dog"])
    with pytest.raises(ValueError, match="num_classes must be a positive integer, got 0"):
        to_categorical([0], 0)
    with pytest.raises(ValueError, match="y is empty; pass num_classes"):
        to_categorical([])


@pytest.mark.parametrize("module", ["nn.datasets", "nn.preprocessing", "nn.utils", "nn.metrics", "nn.plot", "nn"])
def test_importing_stays_light(module):
    import subprocess
    import sys

    # matplotlib only when a picture is drawn; the downloader's urllib only when a file is fetched
    heavy = ("matplotlib", "sklearn") if module == "nn" else ("matplotlib", "sklearn", "urllib.request")
    code = f"import sys, {module}; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1], env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert out.stdout.strip() == "[]"
