"""Everything the playground page shows, computed from the text and feeds the user typed.

The page calls `analyse` once per change of its inputs and draws what comes back; it holds
no maths of its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from dlviz.figures import graph as figures
from dlviz.graphs import compgraph, program, tfgraph
from dlviz.graphs.compgraph import GraphRunError, RunResult
from dlviz.graphs.program import ProgramError
from dlviz.text import markdown_safe

MAX_FEED_CHARS = 200_000
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")
AGREE = 1e-5


@dataclass
class Analysis:
    """A program's parse, its runs in every mode, and its graphs laid out for drawing."""

    text: str
    program: program.Program | None = None
    parse_error: ProgramError | None = None
    run_error: GraphRunError | None = None
    results: dict[str, RunResult] = field(default_factory=dict)
    disagreement: dict[str, float] = field(default_factory=dict)
    graph: nx.DiGraph | None = None
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    tf_graph: nx.DiGraph | None = None
    tf_positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    tf_figure: go.Figure | None = None  # built once: it does not change with the selected node
    feeds: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.program is not None and self.parse_error is None and self.run_error is None

    @property
    def own_mode(self) -> str:
        """The mode the program's own code runs in: a TF1 session for session code, else eager."""
        return "session" if self.program is not None and self.program.mode == "session" else "eager"


def parse_feed(text: str, name: str, dtype: str = "float64") -> np.ndarray:
    """A feed typed as a number or a JSON list such as [[1, 2, 3]]; never evaluated as Python."""
    if len(text) > MAX_FEED_CHARS:
        raise GraphRunError(f"The value typed for '{name}' is too long.", name)
    depth = _bracket_depth(text)
    if depth > program.MAX_RANK:
        raise GraphRunError(f"The value for '{name}' nests {depth:,} brackets deep; a tensor here has at most "
                            f"{program.MAX_RANK} dimensions.", name)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise GraphRunError(
            f"The value for '{name}' is not a number or a list like [[1, 2, 3]] (line {error.lineno}, "
            f"column {error.colno}: {error.msg}).",
            name,
        ) from None
    if not isinstance(value, int | float | list) or isinstance(value, bool):
        raise GraphRunError(
            f"The value for '{name}' must be a number or a rectangular list of numbers, e.g. [[1, 2], [3, 4]].", name)
    return compgraph.as_array(value, dtype, name)


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for character in text:
        if character == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif character == "]":
            depth -= 1
    return deepest


def format_feed(value: np.ndarray) -> str:
    """A feed as editable JSON text, one row per line for matrices."""
    value = np.asarray(value)
    if value.dtype.kind not in "iu":
        value = np.round(value.astype(np.float64), 4)
    if value.ndim == 2:
        return "[\n" + ",\n".join("  " + json.dumps(row.tolist()) for row in value) + "\n]"
    return json.dumps(value.tolist())


def default_feed_texts(parsed: program.Program, seed: int = 0) -> dict[str, str]:
    """Editable text for every placeholder's random default value."""
    return {name: format_feed(value) for name, value in compgraph.default_feeds(parsed, seed).items()}


def program_feed_texts(parsed: program.Program) -> dict[str, str]:
    """Editable text for every placeholder: the value the program's own feed_dict gives it, else a random one."""
    return {**default_feed_texts(parsed), **{name: format_feed(value) for name, value in parsed.feeds.items()}}


def analyse(text: str, feed_texts: dict[str, str]) -> Analysis:
    """Parse, run in every mode and lay out the graphs; every user mistake lands in the result."""
    analysis = Analysis(text)
    try:
        analysis.program = program.parse(text)
    except ProgramError as error:
        analysis.parse_error = error
        return analysis
    analysis.graph = compgraph.to_networkx(analysis.program)
    analysis.positions = tfgraph.layout(analysis.graph)
    try:
        missing = [node.name for node in analysis.program.placeholders if node.name not in feed_texts]
        defaults = program_feed_texts(analysis.program) if missing else {}
        analysis.feeds = {
            node.name: parse_feed(feed_texts.get(node.name, defaults.get(node.name, "")), node.name, node.dtype)
            for node in analysis.program.placeholders
        }
        analysis.results = compgraph.run_all(analysis.program, analysis.feeds)
    except GraphRunError as error:
        analysis.run_error = error
        return analysis
    analysis.disagreement = compgraph.disagreement(analysis.results)
    analysis.graph = compgraph.to_networkx(analysis.program, analysis.results["eager"])
    analysis.tf_graph = tfgraph.from_graph_def(analysis.results["graph"].graph_def)
    analysis.tf_positions = tfgraph.layout(analysis.tf_graph)
    analysis.tf_figure = figures.graph_figure(analysis.tf_graph, analysis.tf_positions)
    return analysis


@dataclass(frozen=True)
class NodeDetails:
    """What the inspector shows for one node."""

    name: str
    kind: str
    description: str
    line: int
    inputs: list[str]
    outputs: list[str]
    shape: tuple[int, ...] | None
    dtype: str | None
    value: np.ndarray | None
    types: dict[str, str]
    statistics: dict[str, float]


def node_details(analysis: Analysis, name: str) -> NodeDetails:
    """The op, neighbours, value and per-mode result types of one node."""
    node = analysis.program.node(name)
    value = analysis.results["eager"].values.get(name) if analysis.results else None
    statistics = {}
    if value is not None and value.size:
        statistics = {
            "min": float(np.min(value)),
            "max": float(np.max(value)),
            "mean": float(np.mean(value)),
            "std": float(np.std(value)),
            "elements": float(value.size),
        }
    return NodeDetails(
        name=name,
        kind=node.kind,
        description=node.describe(),
        line=node.line,
        inputs=list(node.inputs),
        outputs=list(analysis.graph.successors(name)) if analysis.graph is not None else [],
        shape=None if value is None else tuple(value.shape),
        dtype=None if value is None else str(value.dtype),
        value=value,
        types={mode: result.tensor_types.get(name, "") for mode, result in analysis.results.items()},
        statistics=statistics,
    )


def comparison_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """One row per node: the Python type of its result in each mode, whether values agree, and NaN or infinity in them."""
    rows = []
    unusual = non_finite(analysis)
    for name in analysis.program.names:
        row: dict[str, Any] = {"node": name, "computes": analysis.program.node(name).describe()}
        for mode, result in analysis.results.items():
            row[compgraph.MODE_LABELS[mode]] = result.tensor_types.get(name, "")
        gap = analysis.disagreement.get(name, 0.0)
        row["largest difference"] = gap
        row["values agree"] = "yes" if gap <= AGREE else "no"
        row["note"] = unusual.get(name, "")
        rows.append(row)
    return rows


def non_finite(analysis: Analysis) -> dict[str, str]:
    """Nodes whose value holds NaN or infinity, and whether every mode has them in the same places."""
    found = {}
    for name, value in (analysis.results["eager"].values.items() if analysis.results else []):
        if value.dtype.kind != "f" or np.all(np.isfinite(value)):
            continue
        kinds = " and ".join(kind for kind, present in (("NaN", np.isnan(value).any()), ("infinity", np.isinf(value).any())) if present)
        everywhere = analysis.disagreement.get(name, 0.0) <= AGREE
        found[name] = f"{kinds} in every mode" if everywhere else f"{kinds}, not in every mode"
    return found


def agreement_sentence(analysis: Analysis) -> str:
    """One honest sentence about the comparison: agreement, NaN or infinity everywhere, or real differences."""
    differing = [name for name, gap in analysis.disagreement.items() if gap > AGREE]
    unusual = non_finite(analysis)
    if differing:
        return f"**Some values differ between modes**: {_names(differing)} (see the last columns)."
    if unusual:
        first = next(iter(unusual))
        return (f"All three modes computed the same values, including NaN or infinity in {_names(list(unusual))} "
                f"(for example {markdown_safe(first)}: {unusual[first]}). That comes from the maths (such as log of a negative number "
                "or a division by zero), not from the mode.")
    return "All three modes computed the same values."


def _names(names: list[str]) -> str:
    return ", ".join(markdown_safe(name) for name in names[:8]) + (" …" if len(names) > 8 else "")


def output_lines(analysis: Analysis) -> list[str]:
    """What the program's print(...) calls show, as they would in a notebook, in the program's own mode."""
    if not analysis.ok:
        return []
    result = analysis.results[analysis.own_mode]
    lines = []
    for printed in analysis.program.outputs:
        lines.append("".join(_shown(how, payload, result) for how, payload in printed.parts))
    return lines


def _shown(how: str, payload: str, result: RunResult) -> str:
    if how == "text":
        return payload
    if how in ("str", "repr"):
        return result.texts.get((payload, how), "")
    values = [_numpy_object(result.values[name]) for name in payload.split(",")]
    if how == "numpy_list":
        return "[" + ", ".join(repr(value) for value in values) + "]"
    return repr(values[0]) if how == "numpy_repr" else str(values[0])


def _numpy_object(value: np.ndarray) -> Any:
    """What NumPy hands back for a fetched value: a NumPy scalar for a single number, else the array."""
    return value[()] if value.ndim == 0 else value


def node_line(name: str, kind: str, op: str = "", inputs: tuple[str, ...] = (), shape: str = "") -> str:
    """One program line for the add-a-node form, validated so a bad form never breaks the text."""
    if not NAME_PATTERN.match(name):
        raise ProgramError("A node name starts with a letter and holds only letters, digits and _ (at most 31).")
    sizes = _parse_shape(shape, allow_none=kind == "placeholder") if kind in ("placeholder", "variable", "constant") else []
    if kind == "placeholder":
        return f'{name} = placeholder({_shape_literal(sizes)}, name="{name}")'
    if kind == "variable":
        return f"{name} = variable(random_normal({_shape_literal(sizes)}, seed=0))"
    if kind == "constant":
        return f"{name} = constant(ones({_shape_literal(sizes)}))"
    if kind == "gradient":
        if len(inputs) != 2:
            raise ProgramError("A gradient needs two inputs: the tensor to differentiate, then the one to differentiate by.")
        return f"{name} = grad({inputs[0]}, [{inputs[1]}])"
    spec = program.OPS.get(op)
    if spec is None:
        raise ProgramError(f"Choose an operation from the list, not {op!r}.")
    if spec.tensor_args == -1:
        if not inputs:
            raise ProgramError(f"{op} needs at least one input.")
        return f"{name} = {op}([{', '.join(inputs)}], axis=0)"
    if len(inputs) != spec.tensor_args:
        raise ProgramError(f"{op} takes {spec.tensor_args} input(s); {len(inputs)} chosen.")
    return f"{name} = {op}({', '.join(inputs)})"


def _parse_shape(text: str, allow_none: bool) -> list[int | None]:
    sizes: list[int | None] = []
    for part in [part.strip() for part in text.replace("[", "").replace("]", "").split(",") if part.strip()]:
        if allow_none and part.lower() == "none":
            sizes.append(None)
        elif part.isdigit() and int(part) > 0:
            sizes.append(int(part))
        else:
            raise ProgramError(f"Shape sizes are positive whole numbers{' or None' if allow_none else ''}; got {part!r}.")
    return sizes


def _shape_literal(sizes: list[int | None]) -> str:
    return "[" + ", ".join("None" if size is None else str(size) for size in sizes) + "]"
