"""`save_model` / `load_model`: a model as one NumPy .npz file, architecture as JSON plus weights.

The file holds `__format__` ("tinygrad_edu.nn/1"), `__architecture__` (the JSON of
`model.get_config()` and, if compiled, the loss and optimizer) and one array per parameter,
keyed by its dotted name. It is read with `allow_pickle=False`: loading a file never runs code.

>>> import nn
>>> model = nn.Sequential([nn.Dense(3, input_dim=4)])
>>> model.save("/tmp/model.npz"); nn.load_model("/tmp/model.npz").count_params()
15
"""

from __future__ import annotations

import json
import math
import os
import stat
import zipfile
from pathlib import Path

import numpy as np

from . import losses, optimizers
from .module import Layer, layer_from_config

FORMAT = "tinygrad_edu.nn/1"


def save_model(model: Layer, path) -> None:
    """Write `model`, an nn.Sequential, to exactly `path`, whatever its extension: 'model.npz', or the
    handout's 'my_model2.h5' / '.keras' (still this .npz format inside, not HDF5: load_model reads it back)."""
    if not hasattr(model, "layers"):     # read by its attributes: Sequential imports this module
        raise TypeError(f"save_model: expected an nn.Sequential, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"save_model: model '{model.name}' has no weights yet; build it (fit, or input_dim) first")
    architecture = {"class_name": "Sequential", "config": model.get_config()}
    if model.loss is not None and type(model.loss) in losses.CLASSES.values():   # a user's own loss class cannot be rebuilt
        architecture["compile"] = {"loss": model.loss.get_config(), "optimizer": model.optimizer.get_config(),
                                   "metrics": model.metric_names}
    arrays = {"__format__": np.array(FORMAT), "__architecture__": np.array(json.dumps(architecture))}
    for name, p in model.named_parameters():
        arrays[name] = p.data
    path = str(path)
    tmp = path + ".tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)                # never a half-written model file


MAX_RECORD_BYTES = 1 << 20       # __format__ and __architecture__: a JSON record, not data
MAX_MODEL_BYTES = 1 << 32        # all the weights together (4 GiB): a cap, whatever a file declares
MAX_MEMBERS = 10_000


def load_model(path) -> Layer:
    """Read a model written by `model.save(path)`, an nn.Sequential making the same predictions.

    Nothing is unpacked before it is checked: the .npz's member list and each member's .npy
    header (its declared shape and dtype) are read first and compared with the architecture, so
    an unknown member, a wrong shape or dtype, or a size beyond the caps is refused without
    decompressing its data (a 2 MB file can declare gigabytes). Weights must be finite reals.
    """
    path = Path(path)
    expected = f"a model saved by model.save() (an .npz with '__format__' = {FORMAT!r})"
    if not path.exists():
        raise FileNotFoundError(f"load_model: no file {str(path)!r}")
    _refuse_non_file(path)
    _refuse_hdf5(path)
    where = f"load_model: {str(path)!r}"
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_model(archive, where, expected)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"{where} is not {expected}: cannot read it as .npz ({_plain(e)})") from None


def _read_model(archive: zipfile.ZipFile, where: str, expected: str) -> Layer:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ValueError(f"{where} holds {len(infos):,} members; a model file has one per parameter (at most "
                         f"{MAX_MEMBERS:,}): it is not {expected}")
    members = {info.filename: info for info in infos}
    names = [name[:-len(".npy")] for name in members if name.endswith(".npy")]
    if "__format__.npy" not in members:
        raise ValueError(f"{where} is not {expected}; found arrays {sorted(names)[:5]}")
    fmt = _read_member(archive, members["__format__.npy"], where, "__format__", record=True)
    if str(fmt) != FORMAT:
        raise ValueError(f"{where} is not {expected}; found {str(fmt)[:100]!r}")
    if "__architecture__.npy" not in members:
        raise ValueError(f"{where} has a damaged architecture record: no '__architecture__'")
    record = _read_member(archive, members["__architecture__.npy"], where, "__architecture__", record=True)
    try:
        architecture = json.loads(str(record))
    except ValueError as e:
        raise ValueError(f"{where} has a damaged architecture record: {e}") from None
    _refuse_huge_layers(architecture, where)
    try:
        model = layer_from_config(architecture)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"{where} has a damaged architecture record: {e}") from None
    params = dict(model.named_parameters())
    expected_members = {f"{name}.npy" for name in params} | {"__format__.npy", "__architecture__.npy"}
    unknown = sorted(set(members) - expected_members)
    if unknown:
        raise ValueError(f"{where} holds members the architecture has no place for: {', '.join(unknown[:5])}"
                         f"{' ...' if len(unknown) > 5 else ''}; refusing to read it (was it edited, or written by "
                         f"another program?)")
    # every header first: nothing is decompressed until the whole file is known to fit the model
    for name, p in params.items():
        member = members.get(f"{name}.npy")
        if member is None:
            raise ValueError(f"{where} lacks the weights {name!r} of shape {p.shape}")
        shape, dtype = _header(archive, member, where, name)
        if shape != p.shape:
            raise ValueError(f"{where} holds {name!r} of shape {shape}, the architecture needs {p.shape}")
        if dtype.kind != "f":
            what = "complex numbers" if dtype.kind == "c" else f"dtype {dtype}"
            raise ValueError(f"{where}: the weights {name!r} are {what}; a model's weights are real floating-point "
                             f"numbers (float32 or float64)")
    if sum(p.data.nbytes for p in params.values()) > MAX_MODEL_BYTES:
        raise ValueError(f"{where}: the model's weights would take more than {MAX_MODEL_BYTES >> 30} GiB")
    for name, p in params.items():
        values = _read_member(archive, members[f"{name}.npy"], where, name)
        if not np.isfinite(values).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
            raise ValueError(f"{where}: the weights {name!r} hold {values[bad]} at index {bad}; a model that "
                             f"diverged cannot be loaded (train it again with a lower learning rate)")
        p.data[...] = values
    if "compile" in architecture:
        c = architecture["compile"]
        model.compile(optimizers.from_config(c["optimizer"]), losses.from_config(c["loss"]), c["metrics"])
    return model


def _refuse_huge_layers(entry, where: str) -> None:
    """Refuse, before any layer is built (building allocates its weights), a layer whose settings
    multiply past what MAX_MODEL_BYTES holds: the product of a layer's numbers (units × inputs ×
    kernel sizes × ...) bounds its weights from above, so a file cannot make us allocate gigabytes."""
    if isinstance(entry, list):
        for item in entry:
            _refuse_huge_layers(item, where)
        return
    if not isinstance(entry, dict):
        return
    config = entry.get("config")
    if isinstance(config, dict) and "class_name" in entry:
        numbers = [v for v in _numbers(config) if v > 0]
        if math.prod(numbers) * 4 > MAX_MODEL_BYTES:
            raise ValueError(f"{where}: its architecture declares a {entry['class_name']} layer with sizes "
                             f"{numbers}, more than {MAX_MODEL_BYTES >> 30} GiB of weights; refusing to build it")
    for value in entry.values():
        _refuse_huge_layers(value, where)


def _numbers(config) -> list[int]:
    """Every whole number in a layer's settings (nested lists included; not flags)."""
    if isinstance(config, bool):
        return []
    if isinstance(config, int):
        return [config]
    if isinstance(config, dict):
        if "class_name" in config:        # a layer inside this one (a Sequential's): counted on its own
            return []
        config = list(config.values())
    if isinstance(config, list):
        return [n for item in config for n in _numbers(item)]
    return []


def _header(archive: zipfile.ZipFile, member: zipfile.ZipInfo, where: str, name: str) -> tuple[tuple, np.dtype]:
    """The declared (shape, dtype) of one .npy member, read from its first bytes only."""
    try:
        with archive.open(member) as f:
            version = np.lib.format.read_magic(f)
            read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if read is None:
                raise ValueError(f"unsupported .npy version {version}")
            shape, _, dtype = read(f, max_header_size=10_000)
            header_bytes = f.tell()
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as e:
        raise ValueError(f"{where}: the member {name!r} is not a readable .npy array ({_plain(e)})") from None
    if dtype.hasobject:
        raise ValueError(f"{where}: the member {name!r} holds Python objects, which a model file never does; "
                         f"refusing to read it")
    size = math.prod(shape) * dtype.itemsize
    if member.file_size != header_bytes + size:     # the zip's own count must agree with the header's
        raise ValueError(f"{where}: the member {name!r} declares {shape} {dtype} ({size:,} bytes) but unpacks to "
                         f"{member.file_size - header_bytes:,} bytes; the file is damaged")
    return shape, dtype


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, where: str, name: str,
                 record: bool = False) -> np.ndarray:
    """One member's array, once its header has been checked (records: a small string)."""
    shape, dtype = _header(archive, member, where, name)
    if record and (shape != () or dtype.kind != "U" or dtype.itemsize > MAX_RECORD_BYTES):
        raise ValueError(f"{where}: {name!r} should be one short text, got shape {shape}, dtype {dtype}")
    try:
        with archive.open(member) as f:
            return np.lib.format.read_array(f, allow_pickle=False, max_header_size=10_000)
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as e:
        raise ValueError(f"{where}: cannot read the member {name!r} ({_plain(e)})") from None


def _plain(error: Exception) -> str:
    """NumPy's message without its advice to load the file unsafely."""
    text = str(error)
    if "allow_pickle" in text or "pickle" in text:
        return "it holds Python objects, which a model file never does"
    return text

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


# what os.stat calls each kind of path that is not a regular file
_NOT_FILES = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
              (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _refuse_non_file(path: Path) -> None:
    """Only a regular file is read: a device (/dev/zero never ends), a FIFO (blocks until someone
    writes) or a directory is refused by name, before it is opened; a symlink is judged by its target."""
    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode):
        return
    what = next((name for test, name in _NOT_FILES if test(mode)), "something other than a regular file")
    link = f" (a symlink to {os.path.realpath(path)!r})" if path.is_symlink() else ""
    raise ValueError(f"load_model: {str(path)!r}{link} is {what}, not a model file; give the path of the "
                     f".npz file that model.save() wrote")


def _refuse_hdf5(path: Path) -> None:
    """A real Keras .h5 file (HDF5) cannot be read here: say so, and how to move its weights."""
    with open(path, "rb") as f:
        if f.read(8) != HDF5_MAGIC:
            return
    raise ValueError(
        f"load_model: {str(path)!r} is an HDF5 file written by Keras; nn cannot read Keras files (only what "
        f"nn's model.save() writes, whatever its extension). To move the weights: build the same layers in nn, "
        f"then in Keras `np.savez('w.npz', *keras_model.get_weights())` and in nn "
        f"`w = np.load('w.npz'); model.set_weights([w[k] for k in w.files])` (same order: kernel, bias per layer)")
