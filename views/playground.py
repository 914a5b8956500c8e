"""The computation-graph playground: type a program or paste TensorFlow code, run it three ways, inspect any node."""

import pandas as pd
import streamlit as st

from dlviz import explain, links
from dlviz.figures import graph as figures
from dlviz.graphs import codegen, compgraph, playground, program
from dlviz.graphs.presets import DEFAULT_PRESET, PRESETS
from dlviz.text import markdown_safe
from views import _playground as panels
from views import _projector as projector
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow

st.title("Computation-graph playground")
projector.explain(explain.GRAPH)
require_tensorflow()

if "program_text" not in st.session_state:
    st.session_state.program_text = PRESETS[DEFAULT_PRESET]
    st.session_state.preset = DEFAULT_PRESET
link = read_link("playground", {"preset": links.Param(list(PRESETS)), "program": links.Param(max_length=program.MAX_PROGRAM_CHARS),
                                "node": links.Param(max_length=70), "mode": links.Param(compgraph.MODES)})
if "preset" in link:
    st.session_state.preset = link["preset"]
    st.session_state.program_text = PRESETS[link["preset"]]
if "program" in link:
    st.session_state.program_text = link["program"]
for key in ("node", "mode"):
    if key in link:
        st.session_state[key] = link[key]
show_link_notices("playground")


def select_clicked_node() -> None:
    points = st.session_state.user_graph.selection.points
    if points and points[0].get("customdata"):
        st.session_state.node = points[0]["customdata"][0]


editor, side = st.columns([3, 2], gap="large")
with editor:
    st.selectbox("Start from a preset", list(PRESETS), key="preset", on_change=panels.load_preset)
    st.text_area("Program", key="program_text", height=230, help="One assignment per line. Available: "
                 + ", ".join(program.available_names()) + ". Operators: + - * / @ and unary minus. " + explain.TF_READING)
    parsed = panels.parse_quietly(st.session_state.program_text)
    panels.follow_program(parsed, keep_mode="mode" in link)
    panels.add_node_form(parsed)
with side:
    feed_texts = panels.feeds_panel(parsed)
    mode = st.radio("Run it as", compgraph.MODES, format_func=compgraph.MODE_LABELS.get, key="mode", horizontal=True,
                    help="All three run every time; this picks which one the inspector describes.")
    st.caption({"eager": explain.EAGER, "graph": explain.GRAPH_MODE, "session": explain.SESSION}[mode])

analysis = panels.analysis_for(st.session_state.program_text, feed_texts)
if analysis.parse_error is not None:
    st.error(f"**The program has a mistake.** {markdown_safe(analysis.parse_error, limit=600)}  \n"
             "Your text is kept above; fix it and the graph returns.")
    st.stop()
if analysis.run_error is not None:
    st.error(f"**The graph cannot run.** {markdown_safe(analysis.run_error.message, limit=600)}")
with editor:
    panels.output_panel(analysis)

names = analysis.program.names
if st.session_state.get("node") not in names:
    if st.session_state.get("node") and "node" in link:
        st.warning(f"The link's node '{markdown_safe(st.session_state.node, limit=70)}' is not in this program; "
                   f"showing '{markdown_safe(names[-1])}'.")
    st.session_state.node = names[-1]


def your_graph_tab() -> None:
    """The program's own data-flow graph, and the inspector for one node."""
    graph_column, inspector_column = projector.columns([3, 2], gap="large")
    with graph_column:
        projector.chart(
            figures.graph_figure(analysis.graph, analysis.positions, selected=st.session_state.node,
                                 error_node=analysis.run_error.node if analysis.run_error else None),
            "user_graph", export=True, on_select=select_clicked_node, selection_mode="points",
        )
        st.caption("Click a node to inspect it. Solid edges carry tensors (labelled with their shape; all float32 unless "
                   "marked); dotted edges feed gradients. Nodes of a function you call are named after it (f/h).")
    with inspector_column:
        st.selectbox("Inspect node", names, key="node")
        if not analysis.ok:
            st.info("Fix the error above to see values.")
            return
        details = playground.node_details(analysis, st.session_state.node)
        st.markdown(f"**{markdown_safe(details.name)}** = `{details.description}` · {details.kind} · line {details.line}")
        st.markdown(
            f"Inputs: {markdown_safe(', '.join(details.inputs)) or '—'}  \nUsed by: {markdown_safe(', '.join(details.outputs)) or '—'}  \n"
            f"Shape {compgraph.format_shape(details.shape)} · dtype {details.dtype} · "
            f"in {compgraph.MODE_LABELS[mode]} it is a `{details.types.get(mode)}`"
        )
        kind_text = {"placeholder": explain.PLACEHOLDER, "variable": explain.VARIABLE, "constant": explain.CONSTANT,
                     "gradient": explain.GRADIENT}
        if details.kind in kind_text:
            st.caption(kind_text[details.kind])
        panels.value_view(analysis.results[mode].values[details.name], details.name, details.statistics)


def tensorflow_graph_tab() -> None:
    """The op-level graph TensorFlow traced from the program."""
    projector.explain(explain.TF_GRAPH)
    if analysis.tf_graph is None:
        st.info("TensorFlow's graph appears once the program runs.")
        return
    st.caption(f"{analysis.tf_graph.number_of_nodes()} TensorFlow ops, {analysis.tf_graph.number_of_edges()} edges, traced by tf.function.")
    projector.chart(analysis.tf_figure, "tf_graph", export=True)


def comparison_tab() -> None:
    """The same program in every mode: the Python type of each result, and whether the values agree."""
    if not analysis.ok:
        st.info("The comparison appears once the program runs.")
        return
    projector.explain(
        "The same program, run three ways. The **type** column shows what Python object stood for each "
        "result: eager mode hands you values at once (`EagerTensor`); a graph hands you symbolic tensors "
        "that get values only when the graph runs."
    )
    st.markdown(playground.agreement_sentence(analysis))
    st.dataframe(pd.DataFrame(playground.comparison_rows(analysis)), hide_index=True, key="comparison")
    timing = " · ".join(f"{compgraph.MODE_LABELS[m]} {r.seconds * 1000:.0f} ms" for m, r in analysis.results.items())
    st.caption(f"Time to build and run: {timing}")


def code_tab() -> None:
    """The program written as TensorFlow code, in three styles, to copy or download."""
    projector.explain(explain.TF_CODE)
    if not analysis.ok:
        st.info("The code appears once the program runs.")
        return
    style = st.radio("Write it as", program.STYLES, format_func=codegen.STYLE_LABELS.get, horizontal=True, key="code_style")
    code = program.to_tensorflow(analysis.program, style, analysis.feeds)
    st.code(code, language="python", line_numbers=True, wrap_lines=True)
    st.download_button("Download this code (.py)", code, file_name=f"playground_{style}.py", mime="text/x-python",
                       key="code_download")


def tracing_tab() -> None:
    """The program as a real tf.function, called with the feeds: when it traces a new graph and when it reuses one."""
    projector.explain(explain.RETRACING)
    if not analysis.ok:
        st.info("Tracing appears once the program runs.")
        return
    dtype = st.radio("Call it with float feeds as", ["declared", "float32", "float64"], horizontal=True, key="trace_dtype",
                     help="A dtype other than the placeholder's makes a different input signature.")
    panels.tracing_report(panels.trace(analysis, None if dtype == "declared" else dtype))


tabs = {"Your graph": your_graph_tab, "TensorFlow's graph": tensorflow_graph_tab, "Eager vs. graph vs. session": comparison_tab,
        "As TensorFlow code": code_tab, "tf.function tracing": tracing_tab}
for tab, show in zip(st.tabs(list(tabs)), tabs.values()):
    with tab:
        show()

preset_text = PRESETS.get(st.session_state.preset)
write_link({"preset": st.session_state.preset, "node": st.session_state.node, "mode": mode,
            "program": None if st.session_state.program_text == preset_text else st.session_state.program_text})
