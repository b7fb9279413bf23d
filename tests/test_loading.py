"""load_model reads only what the architecture expects, checked from the .npy headers before any data."""

import io
import json
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import nn
from nn.saving import FORMAT


def _model():
    nn.manual_seed(0)
    return nn.Sequential([nn.Dense(4, input_dim=3, activation="relu"), nn.Dense(2)])


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=True)
    return buffer.getvalue()


def _write(path, model, replace=None, extra=None):
    """A model file as save() writes it, with some members replaced (bytes) or added."""
    members = {"__format__": _npy(np.array(FORMAT)),
               "__architecture__": _npy(np.array(json.dumps({"class_name": "Sequential",
                                                             "config": model.get_config()})))}
    members.update({name: _npy(p.data) for name, p in model.named_parameters()})
    members.update(replace or {})
    members.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(f"{name}.npy", data)
    return path


def _bomb_member(z: zipfile.ZipFile, name: str, shape, zeros: int) -> None:
    """A member whose header declares `shape` float32, followed by `zeros` zero bytes, streamed."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    with z.open(f"{name}.npy", "w", force_zip64=True) as f:
        f.write(header.getvalue())
        chunk = bytes(1 << 22)
        for _ in range(zeros // len(chunk)):
            f.write(chunk)
        f.write(bytes(zeros % len(chunk)))


def test_a_saved_model_loads_back(tmp_path):
    model = _model()
    loaded = nn.load_model(_write(tmp_path / "m.npz", model))
    x = np.random.rand(5, 3).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_a_decompression_bomb_is_refused_with_bounded_memory(tmp_path):
    model = _model()
    path = tmp_path / "bomb.npz"
    first = next(name for name, _ in model.named_parameters())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in {"__format__": _npy(np.array(FORMAT)),
                           "__architecture__": _npy(np.array(json.dumps({"class_name": "Sequential",
                                                                         "config": model.get_config()})))}.items():
            z.writestr(f"{name}.npy", data)
        _bomb_member(z, first, (500_000_000,), 2_000_000_000)     # declares 2 GB, unpacks to 2 GB of zeros
    assert path.stat().st_size < 2_500_000                         # ≈ 1.9 MB on disk
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=rf"holds {first!r} of shape \(500000000,\), the architecture needs"):
            nn.load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000 and time.perf_counter() - start < 5


def test_unknown_members_are_refused_before_reading_them(tmp_path):
    path = tmp_path / "extra.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        model = _model()
        for name, data in {"__format__": _npy(np.array(FORMAT)),
                           "__architecture__": _npy(np.array(json.dumps({"class_name": "Sequential",
                                                                         "config": model.get_config()}))),
                           **{n: _npy(p.data) for n, p in model.named_parameters()}}.items():
            z.writestr(f"{name}.npy", data)
        _bomb_member(z, "payload", (25_000_000,), 100_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="members the architecture has no place for: payload.npy"):
            nn.load_model(path)
        assert tracemalloc.get_traced_memory()[1] < 10_000_000
    finally:
        tracemalloc.stop()


def test_a_member_whose_size_disagrees_with_its_header_is_refused(tmp_path):
    model = _model()
    name, p = next(iter(model.named_parameters()))
    data = _npy(p.data) + bytes(1000)                  # trailing bytes beyond the declared array
    with pytest.raises(ValueError, match=f"{name!r} declares .* but unpacks to"):
        nn.load_model(_write(tmp_path / "long.npz", model, replace={name: data}))


@pytest.mark.parametrize("bad, message", [
    (lambda w: w.astype(np.complex64), "complex numbers"),
    (lambda w: np.where(np.arange(w.size).reshape(w.shape) == 1, np.nan, w).astype(np.float32), "hold nan at index"),
    (lambda w: np.full(w.shape, np.inf, dtype=np.float32), "hold inf"),
    (lambda w: w.astype(np.int64), "dtype int64"),
])
def test_complex_nan_and_integer_weights_are_refused(tmp_path, bad, message):
    model = _model()
    name, p = next(iter(model.named_parameters()))
    with pytest.raises(ValueError, match=message):
        nn.load_model(_write(tmp_path / "bad.npz", model, replace={name: _npy(bad(p.data))}))


def test_no_message_suggests_allow_pickle(tmp_path):
    model = _model()
    name, p = next(iter(model.named_parameters()))
    objects = np.empty(p.shape, dtype=object)
    objects[...] = 1.0
    for path in (_write(tmp_path / "objects.npz", model, replace={name: _npy(objects)}),
                 _write(tmp_path / "format.npz", model, replace={"__format__": _npy(np.array([FORMAT], dtype=object))})):
        with pytest.raises(ValueError) as caught:
            nn.load_model(path)
        assert "pickle" not in str(caught.value) and "Python objects" in str(caught.value) or "short text" in str(caught.value)


def test_a_huge_architecture_record_is_refused(tmp_path):
    model = _model()
    text = np.array("x" * (2 << 20))                  # a 2-million-character "architecture"
    with pytest.raises(ValueError, match="'__architecture__' should be one short text"):
        nn.load_model(_write(tmp_path / "long_record.npz", model, replace={"__architecture__": _npy(text)}))


def test_not_a_zip_and_missing_weights(tmp_path):
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="cannot read it as .npz"):
        nn.load_model(tmp_path / "text.npz")
    model = _model()
    path = tmp_path / "short.npz"
    name = next(iter(dict(model.named_parameters())))
    _write(path, model)
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(tmp_path / "lacking.npz", "w") as out:
        for info in z.infolist():
            if info.filename != f"{name}.npy":
                out.writestr(info, z.read(info))
    with pytest.raises(ValueError, match=f"lacks the weights {name!r}"):
        nn.load_model(tmp_path / "lacking.npz")


def test_an_architecture_declaring_huge_layers_is_refused_before_anything_is_built(tmp_path):
    import json
    import tracemalloc
    import zipfile
    import numpy as np
    import nn
    model = nn.Sequential([nn.Dense(3, input_dim=4)])
    path = tmp_path / "model.npz"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    record = np.load(path, allow_pickle=False)["__architecture__"]
    architecture = json.loads(str(record))
    text = json.dumps(architecture).replace('"units": 3', '"units": 3000000000')
    assert text != json.dumps(architecture)
    import io
    buffer = io.BytesIO()
    np.save(buffer, np.array(text))
    members["__architecture__.npy"] = buffer.getvalue()
    bomb = tmp_path / "huge.npz"
    with zipfile.ZipFile(bomb, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"declares a Dense layer with sizes .* refusing to build it"):
            nn.load_model(bomb)
        assert tracemalloc.get_traced_memory()[1] < 50_000_000
    finally:
        tracemalloc.stop()
