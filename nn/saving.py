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
import os
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


def load_model(path) -> Layer:
    """Read a model written by `model.save(path)`, an nn.Sequential making the same predictions."""
    path = Path(path)
    expected = f"a model saved by model.save() (an .npz with '__format__' = {FORMAT!r})"
    if not path.exists():
        raise FileNotFoundError(f"load_model: no file {str(path)!r}")
    _refuse_hdf5(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            files = dict(f.items())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise ValueError(f"load_model: {str(path)!r} is not {expected}: cannot read it as .npz ({e})") from None
    if not isinstance(files, dict) or "__format__" not in files or str(files["__format__"]) != FORMAT:
        found = str(files["__format__"]) if "__format__" in files else f"arrays {sorted(files)[:5]}"
        raise ValueError(f"load_model: {str(path)!r} is not {expected}; found {found}")
    try:
        architecture = json.loads(str(files["__architecture__"]))
        model = layer_from_config(architecture)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"load_model: {str(path)!r} has a damaged architecture record: {e}") from None
    for name, p in model.named_parameters():
        if name not in files:
            raise ValueError(f"load_model: {str(path)!r} lacks the weights {name!r} of shape {p.shape}")
        if files[name].shape != p.shape:
            raise ValueError(f"load_model: {str(path)!r} holds {name!r} of shape {files[name].shape}, "
                             f"the architecture needs {p.shape}")
        p.data[...] = files[name]
    if "compile" in architecture:
        c = architecture["compile"]
        model.compile(optimizers.from_config(c["optimizer"]), losses.from_config(c["loss"]), c["metrics"])
    return model



HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


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
