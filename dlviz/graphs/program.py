"""The playground's programs: text in, a `Program` out — and a `Program` back out as TensorFlow code.

`parse` reads either the playground's own little language (``y = relu(x @ W + b)``) or the
TensorFlow Python of the notes (``c = tf.multiply(a, b)`` in a ``with tf.compat.v1.Session()``
block); both become the same `Program`, which `dlviz.graphs.compgraph` runs in every mode.
Nothing is ever executed: the text is read with `ast` against a whitelist (`language`,
`tfcode` with `tfnames`, `tfvalues` and `tfruns`). `to_tensorflow` writes any program as runnable TensorFlow 2 or TensorFlow 1 code
(`codegen`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dlviz.graphs import codegen, language, tfcode
from dlviz.graphs.language import (  # noqa: F401 - the public names of a program live here
    ALL_OPS,
    BINARY_OPERATORS,
    DTYPES,
    GRADIENT,
    INITIALIZERS,
    KINDS,
    MAX_DEPTH,
    MAX_LITERAL_DEPTH,
    MAX_NODES,
    MAX_PROGRAM_CHARS,
    MAX_RANK,
    MAX_STATEMENTS,
    MAX_TENSOR_ELEMENTS,
    OPS,
    SOURCES,
    Node,
    Note,
    OpSpec,
    Printed,
    Program,
    ProgramError,
    available_names,
)

STYLES = codegen.STYLES


def parse(text: str) -> Program:
    """Turn program text (the playground's language or TensorFlow code) into a `Program`, refusing anything else."""
    tree = language.read_tree(text)
    try:
        return tfcode.Reader(text).program(tree)
    except RecursionError:  # a backstop: read_tree already bounds how deeply anything nests
        raise ProgramError(f"The program nests too deeply to read; the limit is {MAX_DEPTH} levels.") from None


def to_tensorflow(program: Program, style: str = "tf2", feeds: Mapping[str, Any] | None = None) -> str:
    """Python source that runs `program` by itself with TensorFlow and NumPy and ends with a dict `values`.

    `style` is "tf2" (eager TensorFlow 2), "function" (a `tf.function`) or "tf1" (a `tf.compat.v1` graph
    run in a session with a `feed_dict`). The feeds (given, else written in the program, else the
    playground's defaults) appear as literals; `values` maps every node to what `compgraph.run` gives."""
    return codegen.to_tensorflow(program, style, feeds)
