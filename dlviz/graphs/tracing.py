"""tf.function, honestly: when TensorFlow traces a new graph for a function, and when it reuses one.

A `Retracer` holds one program as two real `tf.function`s. The first is written as most code writes
it, without an input signature: TensorFlow traces a new graph for every new combination of input
shapes and dtypes it is called with. The second has an `input_signature` built from the
placeholders' declared shapes, where a None size matches any size, so one graph serves every batch
size (and a call with another dtype is refused). Calling both with the page's feeds shows, call by
call, which one traced: the Python body runs only while TensorFlow traces, so it records each trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlviz.graphs import compgraph
from dlviz.graphs.compgraph import GraphRunError
from dlviz.graphs.language import Program
from dlviz.runtime import tf

MAX_TRACES = 12  # graphs one function may trace here (TensorFlow itself warns after five retraces)


@dataclass(frozen=True)
class Signature:
    """The inputs a graph was traced for: (placeholder, shape with None for any size, dtype) each."""

    inputs: tuple[tuple[str, tuple[int | None, ...], str], ...]

    def describe(self) -> str:
        if not self.inputs:
            return "no inputs"
        return ", ".join(f"{name}: {dtype} {compgraph.format_shape(shape)}" for name, shape, dtype in self.inputs)


@dataclass
class TraceReport:
    """After one call: what was passed, which function traced, and every graph each has traced so far."""

    passed: Signature
    plain: list[Signature]
    signed: list[Signature]
    plain_traced: bool
    signed_traced: bool
    declared: Signature
    calls: int
    plain_error: str = ""
    signed_error: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # TensorFlow's own tracing counts


class Retracer:
    """One program as a tf.function without and with an input_signature, called again on every change of the feeds."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.names = [node.name for node in program.placeholders]
        initial = compgraph.initial_values(program)
        variables = compgraph.make_variables(program, initial)
        body = compgraph.python_function(program, initial, variables)
        self.plain_traces: list[Signature] = []
        self.signed_traces: list[Signature] = []
        self.calls = 0

        def plain(**arguments):
            outputs = body(**arguments)  # a trace that fails makes no graph, so it is recorded only once it worked
            self.plain_traces.append(_traced(self.names, arguments))
            return outputs

        def signed(*arguments):
            named = dict(zip(self.names, arguments))
            outputs = body(**named)
            self.signed_traces.append(_traced(self.names, named))
            return outputs

        self.declared = Signature(tuple((node.name, tuple(node.attrs["shape"]), node.dtype) for node in program.placeholders))
        specs = [tf.TensorSpec(shape, dtype, name=name) for name, shape, dtype in self.declared.inputs]
        self.plain = tf.function(plain, autograph=False)
        self.signed = tf.function(signed, input_signature=specs, autograph=False)

    def call(self, feeds: Mapping[str, np.ndarray], dtype: str | None = None) -> TraceReport:
        """Call both functions with `feeds` (float feeds cast to `dtype` when given) and report what traced."""
        self.calls += 1
        arrays = {name: np.asarray(feeds[name]) for name in self.names}
        if dtype is not None:
            arrays = {name: value.astype(dtype) if value.dtype.kind == "f" else value for name, value in arrays.items()}
        passed = Signature(tuple((name, tuple(value.shape), str(value.dtype)) for name, value in arrays.items()))
        before = (len(self.plain_traces), len(self.signed_traces))
        plain_error = signed_error = ""
        if passed not in self.plain_traces and len(self.plain_traces) >= MAX_TRACES:
            plain_error = (f"This function has already traced {MAX_TRACES} graphs, one per new input signature; the page "
                           "stops here (every graph stays in memory). That cost is why retracing matters.")
        else:
            plain_error = _attempt(lambda: self.plain(**{name: tf.constant(value) for name, value in arrays.items()}))
        signed_error = _attempt(lambda: self.signed(*[tf.constant(arrays[name]) for name in self.names]))
        return TraceReport(
            passed, list(self.plain_traces), list(self.signed_traces),
            len(self.plain_traces) > before[0], len(self.signed_traces) > before[1], self.declared, self.calls,
            plain_error, signed_error,
            {"plain": self.plain.experimental_get_tracing_count(), "signed": self.signed.experimental_get_tracing_count()},
        )


def _traced(names: list[str], arguments: Mapping[str, Any]) -> Signature:
    """While tracing, the arguments are symbolic tensors: their shapes are those the graph is built for."""
    return Signature(tuple((name, tuple(arguments[name].shape.as_list()), arguments[name].dtype.name) for name in names))


def _attempt(call) -> str:
    try:
        call()
    except GraphRunError as error:
        return error.message
    except (TypeError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"TensorFlow refused the call: {first[:300]}"
    except tf.errors.OpError as error:
        return f"TensorFlow could not run it: {error.message.splitlines()[0][:300]}"
    return ""
