"""Example tensors of rank 0 to 4, made with real `tf.constant`, for the home page."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlviz.runtime import tf


@dataclass(frozen=True)
class TensorExample:
    """One example tensor and what TensorFlow says about it."""

    title: str
    meaning: str
    code: str
    value: np.ndarray
    rank: int
    shape: tuple[int, ...]
    dtype: str
    type_name: str


def rank_recipes() -> list[tuple[str, str, str, np.ndarray]]:
    """(title, meaning, code, NumPy value) for ranks 0 to 4: the values the tf.constant examples hold."""
    return [
        ("rank 0 · scalar", "a single number: a point", "tf.constant(7.0)", np.float32(7.0)),
        ("rank 1 · vector", "a row of numbers: a line", "tf.constant([1., 2., 3., 4.])", np.arange(1, 5, dtype=np.float32)),
        (
            "rank 2 · matrix",
            "rows and columns: a surface, like a grayscale image",
            "tf.constant(np.arange(12.).reshape(3, 4))",
            np.arange(12, dtype=np.float32).reshape(3, 4),
        ),
        (
            "rank 3 · volume",
            "height × width × channels: a colour image",
            "tf.constant(np.arange(27.).reshape(3, 3, 3))",
            np.arange(27, dtype=np.float32).reshape(3, 3, 3),
        ),
        (
            "rank 4 · batch",
            "a batch of volumes: several images, or a volume changing in time",
            "tf.constant(np.arange(54.).reshape(2, 3, 3, 3))",
            np.arange(54, dtype=np.float32).reshape(2, 3, 3, 3),
        ),
    ]


def rank_examples() -> list[TensorExample]:
    """A scalar, a vector, a matrix, a volume and a batch of volumes, each a `tf.constant`."""

    examples = []
    for title, meaning, code, array in rank_recipes():
        tensor = tf.constant(array)
        examples.append(
            TensorExample(
                title=title,
                meaning=meaning,
                code=code,
                value=tensor.numpy(),
                rank=int(tf.rank(tensor)),
                shape=tuple(tensor.shape.as_list()),
                dtype=tensor.dtype.name,
                type_name=type(tensor).__name__,
            )
        )
    return examples
