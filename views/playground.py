"""The computation-graph playground: type a program, run it three ways, click nodes to inspect them."""

import pandas as pd
import streamlit as st

from dlviz import explain, links
from dlviz.figures import graph as figures
from dlviz.figures import values
from dlviz.graphs import compgraph, playground, program
from dlviz.graphs.presets import DEFAULT_PRESET, PRESETS
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow

st.title("Computation-graph playground")
st.markdown(explain.GRAPH)
require_tensorflow()

if "program_text" not in st.session_state:
    st.session_state.program_text = PRESETS[DEFAULT_PRESET]
    st.session_state.preset = DEFAULT_PRESET
link = read_link("playground", {"preset": links.Param(list(PRESETS)), "program": links.Param(max_length=program.MAX_PROGRAM_CHARS),
                                "node": links.Param(max_length=40), "mode": links.Param(compgraph.MODES)})
if "preset" in link:
    st.session_state.preset = link["preset"]
    st.session_state.program_text = PRESETS[link["preset"]]
if "program" in link:
    st.session_state.program_text = link["program"]
for key in ("node", "mode"):
    if key in link:
        st.session_state[key] = link[key]
show_link_notices("playground")


def load_preset() -> None:
    st.session_state.program_text = PRESETS[st.session_state.preset]
    st.session_state.pop("node", None)
    for key in [key for key in st.session_state if key.startswith("feed_") and key != "feed_seed"]:
        del st.session_state[key]


def randomise_feeds() -> None:
    try:
        parsed = program.parse(st.session_state.program_text)
    except program.ProgramError:
        return
    for name, text in playground.default_feed_texts(parsed, int(st.session_state.feed_seed)).items():
        st.session_state[f"feed_{name}"] = text


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


def select_clicked_node() -> None:
    points = st.session_state.user_graph.selection.points
    if points and points[0].get("customdata"):
        st.session_state.node = points[0]["customdata"][0]


editor, side = st.columns([3, 2], gap="large")
with editor:
    st.selectbox("Start from a preset", list(PRESETS), key="preset", on_change=load_preset)
    st.text_area(
        "Program",
        key="program_text",
        height=190,
        help="One assignment per line. Available: " + ", ".join(program.available_names())
        + ". Operators: + - * / @ and unary minus. Nothing you type is run as Python.",
    )
    try:
        parsed = program.parse(st.session_state.program_text)
    except program.ProgramError:
        parsed = None
    with st.expander("Add a node without typing"):
        kind_column, op_column, name_column = st.columns(3)
        kind_column.selectbox("Kind", ["operation", "placeholder", "variable", "constant", "gradient"], key="new_kind")
        op_column.selectbox("Operation", list(program.OPS), key="new_op", disabled=st.session_state.new_kind != "operation")
        name_column.text_input("Name", value="z", key="new_name")
        st.multiselect("Inputs (in order)", parsed.names if parsed else [], key="new_inputs")
        st.text_input("Shape (for placeholders, variables, constants)", value="None, 3", key="new_shape")
        st.button("Add this node", on_click=add_node)
        if st.session_state.get("add_node_error"):
            st.error(st.session_state.add_node_error)

with side:
    st.subheader("Feeds")
    st.caption(explain.PLACEHOLDER)
    if parsed is not None and parsed.placeholders:
        seed_column, button_column = st.columns([1, 1], vertical_alignment="bottom")
        seed_column.number_input("Random seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="feed_seed")
        button_column.button("Random feeds", on_click=randomise_feeds)
        defaults = playground.default_feed_texts(parsed)
        for node in parsed.placeholders:
            key = f"feed_{node.name}"
            if key not in st.session_state:
                st.session_state[key] = defaults[node.name]
            shape = compgraph.format_shape(node.attrs["shape"])
            st.text_area(f"{node.name}  ·  shape {shape}", key=key, height=110, help="A number or a JSON list.")
    else:
        st.info("This program has no placeholders, so nothing needs feeding. Add one with  x = placeholder([None, 3]).")
    mode = st.radio(
        "Run it as",
        compgraph.MODES,
        format_func=compgraph.MODE_LABELS.get,
        key="mode",
        horizontal=True,
        help="All three run every time; this picks which one the inspector describes.",
    )
    st.caption({"eager": explain.EAGER, "graph": explain.GRAPH_MODE, "session": explain.SESSION}[mode])

feed_texts = {
    node.name: st.session_state.get(f"feed_{node.name}", "") for node in (parsed.placeholders if parsed else [])
}
cache_key = (st.session_state.program_text, tuple(sorted(feed_texts.items())))
if st.session_state.get("analysis_key") != cache_key:
    with st.spinner("Running with TensorFlow…"):
        st.session_state.analysis = playground.analyse(st.session_state.program_text, feed_texts)
    st.session_state.analysis_key = cache_key
analysis = st.session_state.analysis

if analysis.parse_error is not None:
    st.error(f"**The program has a mistake.** {analysis.parse_error}  \nYour text is kept above; fix it and the graph returns.")
    st.stop()
if analysis.run_error is not None:
    st.error(f"**The graph cannot run.** {analysis.run_error.message}")

names = analysis.program.names
if st.session_state.get("node") not in names:
    if st.session_state.get("node") and "node" in link:
        st.warning(f"The link's node '{st.session_state.node}' is not in this program; showing '{names[-1]}'.")
    st.session_state.node = names[-1]

your_tab, tf_tab, compare_tab = st.tabs(["Your graph", "TensorFlow's graph", "Eager vs. graph vs. session"])
with your_tab:
    graph_column, inspector_column = st.columns([3, 2], gap="large")
    with graph_column:
        st.plotly_chart(
            figures.graph_figure(
                analysis.graph,
                analysis.positions,
                selected=st.session_state.node,
                error_node=analysis.run_error.node if analysis.run_error else None,
            ),
            key="user_graph",
            on_select=select_clicked_node,
            selection_mode="points",
            config={"displaylogo": False},
        )
        st.caption("Click a node to inspect it. Solid edges carry tensors (labelled with their shape; all float32 unless marked); dotted edges feed gradients.")
    with inspector_column:
        st.selectbox("Inspect node", names, key="node")
        if analysis.ok:
            details = playground.node_details(analysis, st.session_state.node)
            st.markdown(f"**{details.name}** = `{details.description}` · {details.kind} · line {details.line}")
            st.markdown(
                f"Inputs: {', '.join(details.inputs) or '—'}  \nUsed by: {', '.join(details.outputs) or '—'}  \n"
                f"Shape {compgraph.format_shape(details.shape)} · dtype {details.dtype} · "
                f"in {compgraph.MODE_LABELS[mode]} it is a `{details.types.get(mode)}`"
            )
            kind_text = {"placeholder": explain.PLACEHOLDER, "variable": explain.VARIABLE, "constant": explain.CONSTANT, "gradient": explain.GRADIENT}
            if details.kind in kind_text:
                st.caption(kind_text[details.kind])
            value = analysis.results[mode].values[details.name]
            if value.ndim == 0:
                st.metric("Value", f"{float(value):.6g}")
            elif value.size <= 60 and value.ndim <= 2:
                st.dataframe(pd.DataFrame(value.reshape(value.shape[0], -1)), key="value_table")
            if value.ndim == 2 and value.size > 1:
                st.plotly_chart(values.value_heatmap(value, f"{details.name} as a heatmap"), key="value_heatmap")
            if value.size > 60:
                st.write({key: round(number, 5) for key, number in details.statistics.items()})
                st.plotly_chart(values.value_histogram(value, f"Values of {details.name}"), key="value_histogram")
        else:
            st.info("Fix the error above to see values.")

with tf_tab:
    st.markdown(explain.TF_GRAPH)
    if analysis.tf_graph is not None:
        st.caption(f"{analysis.tf_graph.number_of_nodes()} TensorFlow ops, {analysis.tf_graph.number_of_edges()} edges, traced by tf.function.")
        st.plotly_chart(
            analysis.tf_figure,
            key="tf_graph",
            config={"displaylogo": False},
        )
    else:
        st.info("TensorFlow's graph appears once the program runs.")

with compare_tab:
    if analysis.ok:
        st.markdown(
            "The same program, run three ways. The **type** column shows what Python object stood for each "
            "result: eager mode hands you values at once (`EagerTensor`); a graph hands you symbolic tensors "
            "that get values only when the graph runs."
        )
        rows = playground.comparison_rows(analysis)
        agree = all(row["values agree"] == "yes" for row in rows)
        st.markdown("All three modes computed the same values." if agree else "**Some values differ between modes** (see the last columns).")
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="comparison")
        timing = " · ".join(f"{compgraph.MODE_LABELS[m]} {r.seconds * 1000:.0f} ms" for m, r in analysis.results.items())
        st.caption(f"Time to build and run: {timing}")
    else:
        st.info("The comparison appears once the program runs.")

preset_text = PRESETS.get(st.session_state.preset)
write_link({"preset": st.session_state.preset, "node": st.session_state.node, "mode": mode,
            "program": None if st.session_state.program_text == preset_text else st.session_state.program_text})
