"""The playground page's widgets and panels: feeds, the add-a-node form, the output panel and the tracing report.

Session-state keys: `program_text`, `preset`, `mode`, `node`; `feed_<placeholder>` for each feed
(the prefix belongs to placeholders alone, so no placeholder name can collide with another widget);
`random_feed_seed`; `followed` (the feeds and mode the program's own text last set).
"""

import numpy as np
import pandas as pd
import streamlit as st

from dlviz import explain
from dlviz.figures import values
from dlviz.graphs import compgraph, playground, program, tracing
from dlviz.graphs.presets import PRESETS
from dlviz.text import markdown_safe
from views import _projector as projector

FEED_PREFIX = "feed_"


def parse_quietly(text: str) -> program.Program | None:
    try:
        return program.parse(text)
    except program.ProgramError:
        return None


def load_preset() -> None:
    st.session_state.program_text = PRESETS[st.session_state.preset]
    st.session_state.pop("node", None)
    st.session_state.pop("followed", None)
    for key in [key for key in st.session_state if key.startswith(FEED_PREFIX)]:
        del st.session_state[key]


def follow_program(parsed: program.Program | None, keep_mode: bool) -> None:
    """When the text brings its own feeds (feed_dict) or run mode (a Session, a tf.function), the widgets follow it once."""
    if parsed is None:
        return
    signature = (tuple((name, value.shape, value.tobytes()) for name, value in parsed.feeds.items()), parsed.mode)
    if st.session_state.get("followed") == signature:
        return
    st.session_state.followed = signature
    for name, value in parsed.feeds.items():
        st.session_state[FEED_PREFIX + name] = playground.format_feed(value)
    if parsed.mode and not keep_mode:
        st.session_state.mode = parsed.mode


def randomise_feeds() -> None:
    parsed = parse_quietly(st.session_state.program_text)
    if parsed is None:
        return
    for name, text in playground.default_feed_texts(parsed, int(st.session_state.random_feed_seed)).items():
        st.session_state[FEED_PREFIX + name] = text


def feeds_panel(parsed: program.Program | None) -> dict[str, str]:
    """A text box per placeholder (its value as JSON); returns the texts."""
    st.subheader("Feeds")
    st.caption(explain.PLACEHOLDER)
    if parsed is None:
        st.caption("The feeds appear once the program reads without mistakes.")
        return {}
    if not parsed.placeholders:
        example = "x = tf.compat.v1.placeholder(tf.float32, shape=[None, 3])" if parsed.mode else "x = placeholder([None, 3])"
        st.info(f"This program has no placeholders, so nothing needs feeding. Add one with  {example}.")
        return {}
    seed_column, button_column = st.columns([1, 1], vertical_alignment="bottom")
    seed_column.number_input("Random seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="random_feed_seed")
    button_column.button("Random feeds", on_click=randomise_feeds)
    defaults = playground.program_feed_texts(parsed)
    for node in parsed.placeholders:
        key = FEED_PREFIX + node.name
        if key not in st.session_state:
            st.session_state[key] = defaults[node.name]
        label = f"{markdown_safe(node.name)}  ·  shape {compgraph.format_shape(node.attrs['shape'])} · {node.dtype}"
        st.text_area(label, key=key, height=110, help="A number or a JSON list.")
    return {node.name: st.session_state.get(FEED_PREFIX + node.name, "") for node in parsed.placeholders}


def add_node() -> None:
    try:
        line = playground.node_line(
            st.session_state.new_name.strip(),
            st.session_state.new_kind,
            st.session_state.new_op,
            tuple(st.session_state.new_inputs),
            st.session_state.new_shape,
        )
    except program.ProgramError as error:
        st.session_state.add_node_error = error.message
        return
    st.session_state.add_node_error = None
    st.session_state.program_text = st.session_state.program_text.rstrip("\n") + "\n" + line + "\n"
    st.session_state.node = st.session_state.new_name.strip()


def add_node_form(parsed: program.Program | None) -> None:
    with st.expander("Add a node without typing"):
        kind_column, op_column, name_column = st.columns(3)
        kind_column.selectbox("Kind", ["operation", "placeholder", "variable", "constant", "gradient"], key="new_kind")
        op_column.selectbox("Operation", list(program.OPS), key="new_op", disabled=st.session_state.new_kind != "operation")
        name_column.text_input("Name", value="z", key="new_name")
        st.multiselect("Inputs (in order)", parsed.names if parsed else [], key="new_inputs")
        st.text_input("Shape (for placeholders, variables, constants)", value="None, 3", key="new_shape")
        st.button("Add this node", on_click=add_node)
        if st.session_state.get("add_node_error"):
            st.error(markdown_safe(st.session_state.add_node_error))


def analysis_for(text: str, feed_texts: dict[str, str]) -> playground.Analysis:
    """The analysis of this text and these feeds, recomputed only when one of them changed."""
    cache_key = (text, tuple(sorted(feed_texts.items())))
    if st.session_state.get("analysis_key") != cache_key:
        with st.spinner("Running with TensorFlow…"):
            st.session_state.analysis = playground.analyse(text, feed_texts)
        st.session_state.analysis_key = cache_key
    return st.session_state.analysis


def output_panel(analysis: playground.Analysis) -> None:
    """What print(...) shows, as a notebook running the code would, and notes on how the text was read."""
    if analysis.program is None:
        return
    lines = playground.output_lines(analysis)
    if lines:
        where = "a TF1 session" if analysis.own_mode == "session" else "eager TensorFlow 2"
        st.markdown(f"**Output** — what `print` shows when this code runs ({where}):")
        st.code("\n".join(lines), language=None)
    for note in analysis.program.notes:
        st.caption(f"Line {note.line}: {markdown_safe(note.text, limit=500)}", help=None)


def trace(analysis: playground.Analysis, dtype: str | None) -> tracing.TraceReport:
    """Call this session's tf.function of the program with the current feeds, once per change of feeds or dtype."""
    holder = st.session_state.get("retracer")
    if holder is None or holder["text"] != analysis.text:
        holder = {"text": analysis.text, "retracer": tracing.Retracer(analysis.program), "key": None, "report": None}
    key = (tuple((name, value.shape, str(value.dtype), value.tobytes()) for name, value in analysis.feeds.items()), dtype)
    if holder["key"] != key:
        holder["report"] = holder["retracer"].call(analysis.feeds, dtype)
        holder["key"] = key
    st.session_state.retracer = holder
    return holder["report"]


def tracing_report(report: tracing.TraceReport) -> None:
    passed = report.passed.describe()
    if report.plain_error:
        st.warning(markdown_safe(report.plain_error, limit=600))
    elif report.plain_traced:
        st.success(f"Call {report.calls} passed {markdown_safe(passed)}: a new input signature, so TensorFlow **traced a new "
                   f"graph** (graph {len(report.plain)} of this function).")
    else:
        st.info(f"Call {report.calls} passed {markdown_safe(passed)}: TensorFlow **reused** the graph it had traced for "
                "exactly these shapes and dtypes, without running your Python again.")
    plain_column, signed_column = st.columns(2, gap="large")
    with plain_column:
        st.markdown(f"**@tf.function** — {len(report.plain)} graph(s) traced (TensorFlow counts {report.counts['plain']})")
        st.dataframe({"graph": list(range(1, len(report.plain) + 1)), "traced for": [s.describe() for s in report.plain]},
                     hide_index=True, key="plain_traces")
    with signed_column:
        specs = ", ".join(f"tf.TensorSpec({compgraph.format_shape(shape)}, tf.{dtype})" for _, shape, dtype in report.declared.inputs)
        st.markdown(f"**@tf.function(input_signature=[…])** — {len(report.signed)} graph(s) (TensorFlow counts {report.counts['signed']})")
        st.code(f"input_signature=[{specs}]", language="python", wrap_lines=True)
        st.dataframe({"graph": list(range(1, len(report.signed) + 1)), "traced for": [s.describe() for s in report.signed]},
                     hide_index=True, key="signed_traces")
        if report.signed_error:
            st.warning(markdown_safe(report.signed_error, limit=600))


def value_view(value: np.ndarray, name: str, statistics: dict[str, float]) -> None:
    """A node's value: a number, a small table, a heatmap for a matrix, a histogram and statistics for many numbers."""
    if value.ndim == 0:
        st.metric("Value", f"{float(value):.6g}")
    elif value.size <= 60 and value.ndim <= 2:
        st.dataframe(pd.DataFrame(value.reshape(value.shape[0], -1)), key="value_table")
    if value.ndim == 2 and value.size > 1:
        projector.chart(values.value_heatmap(value, f"{name} as a heatmap"), "value_heatmap")
    if value.size > 60:
        st.write({key: round(number, 5) for key, number in statistics.items()})
        projector.chart(values.value_histogram(value, f"Values of {name}"), "value_histogram")
