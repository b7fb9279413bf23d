"""Embedding: integer token ids to learned vectors, a table lookup (Keras's Embedding).

>>> import numpy as np
>>> layer = Embedding(10000, 32)
>>> layer(np.array([[4, 20, 7]])).shape, layer.count_params()
((1, 3, 32), 320000)

Row i of `embeddings` (input_dim, output_dim) is the vector of id i. The forward pass is an
index, embeddings[ids]; its gradient scatters ∂L/∂out back into the rows that were used (an id
used twice gets both shares), so only those rows change in a step.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor

from .. import initializers
from ..module import Layer, Parameter


class Embedding(Layer):
    """Map each integer id in (N, T) to a row of `embeddings`, giving (N, T, output_dim).

    >>> Embedding(5, 2).get_weights()[0].shape
    (5, 2)

    Initialised as Keras's: U(−0.05, 0.05). The layer is built at once, since its table does not
    depend on the input's shape, so `summary()` shows it before any data is seen.
    """

    takes_ids = True     # nn keeps integer batches as integers for a model starting with this layer

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: str = "uniform",
                 input_shape: tuple | None = None, name: str | None = None):
        super().__init__(name)
        for what, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Embedding({what}): {what} must be a positive integer (input_dim = vocabulary "
                                 f"size, output_dim = vector length), got {value!r}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = embeddings_initializer
        init = initializers.get(embeddings_initializer)
        self.embeddings = Parameter(init((self.input_dim, self.output_dim)), label=f"{self.name}.embeddings")
        self.embeddings.group = self.name
        self.build((None,) + (tuple(input_shape) if input_shape is not None else (None,)))

    def build(self, input_shape: tuple) -> None:
        super().build(input_shape)      # the table exists already: only the input shape is recorded

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def ids(self, x: Tensor) -> np.ndarray:
        """x's data as integer ids, checked: whole numbers in 0 .. input_dim − 1."""
        ids = x.data
        who = f"Embedding '{self.name}'"
        if ids.dtype.kind == "f":
            fraction = ids != np.round(ids)
            if fraction.any():
                where = tuple(int(i) for i in np.argwhere(fraction)[0])
                raise ValueError(f"{who} takes integer token ids, got {ids[where]} at index {where} of input shape "
                                 f"{ids.shape}: ids are row numbers of the table, not features; give integers "
                                 f"(e.g. from nn.datasets.text_to_ids), or feed real-valued data to a recurrent "
                                 f"layer directly, as (N, T, F)")
            ids = ids.astype(np.int64)
        elif ids.dtype.kind == "b":
            ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            bad = ids.max() if ids.max() >= self.input_dim else ids.min()
            where = tuple(int(i) for i in np.argwhere(ids == bad)[0])
            raise ValueError(f"{who} has input_dim={self.input_dim}, so ids must be in 0..{self.input_dim - 1}; got "
                             f"{bad} at index {where} of input shape {ids.shape}: make input_dim at least "
                             f"{max(int(ids.max()) + 1, self.input_dim)} (the vocabulary size, padding id 0 included)")
        return ids

    def forward(self, x: Tensor) -> Tensor:
        return self.embeddings[self.ids(x)]          # row ids[n, t] for every (n, t)

    def get_config(self) -> dict:
        return {"input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": self.embeddings_initializer, "name": self.name,
                "input_shape": list(self.input_shape[1:]) if self.input_shape[1:] != (None,) else None}

    def extra_repr(self) -> str:
        return f"{self.input_dim}, {self.output_dim}"
