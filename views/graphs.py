"""TensorFlow's real graphs, at any size: layer graph, inference op graph, training-step op graph."""

import streamlit as st

from dlviz import explain, links
from dlviz.figures import graph as figures
from dlviz.graphs import explorer
from views._resources import builtin_graph, demo_model
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow
from views._uploads import uploaded_model

st.title("TensorFlow graphs")
st.markdown(
    "The graphs TensorFlow really runs, for any model in the app. The **training-step** view shows one "
    "`tf.function` train step: the forward ops, the gradient ops TensorFlow derived from them, and the "
    "optimizer's variable updates — auto-differentiation made visible."
)
require_tensorflow()


link = read_link("graphs", {"arch": links.Param(list(explorer.BUILTIN)), "view": links.Param(list(explorer.VIEWS))})
for key, state in (("arch", "graph_builtin"), ("view", "graph_view")):
    if key in link:
        st.session_state[state] = link[key]
show_link_notices("graphs")

sources = ["Built-in architecture", "Demo CNN"]
if "current_model" in st.session_state:
    sources.insert(0, "Your current CNN")
analysis = st.session_state.get("analysis")
if analysis is not None and analysis.ok:
    sources.append("Your playground program")
sources.append("Upload a .keras model")
source_column, view_column = st.columns(2)
source = source_column.radio("Source", sources, horizontal=True, key="graph_source")
views = ["op"] if source == "Your playground program" else list(explorer.VIEWS)
view = view_column.radio("View", views, format_func=explorer.VIEWS.get, horizontal=True, key="graph_view")

built = None
if source == "Built-in architecture":
    name = st.selectbox("Architecture", list(explorer.BUILTIN), key="graph_builtin")
    built = builtin_graph(name, view)
elif source == "Your playground program":
    built = explorer.BuiltGraph(analysis.tf_graph, "op", analysis.results["graph"].graph_def)
else:
    if source == "Your current CNN":
        model = st.session_state.current_model.model
    elif source == "Demo CNN":
        model = demo_model().model
    else:
        upload = st.file_uploader("A .keras file", type=["keras", "h5"], key="graph_upload")
        uploaded = uploaded_model(upload, "graph_upload_model")  # read once, not on every rerun
        if uploaded is None:
            st.info("Upload a Keras model (.keras) to see its graphs.")
            st.stop()
        model = uploaded.model
    cache = st.session_state.setdefault("graph_cache", {})
    key = (id(model), view)
    if key not in cache:
        with st.spinner("Tracing the graph with TensorFlow…"):
            cache.clear()
            cache[key] = explorer.build(model, view)
    built = cache[key]

write_link({"view": view, "arch": st.session_state.get("graph_builtin") if source == "Built-in architecture" else None})
graph = built.graph
big = graph.number_of_nodes() > 150
options = st.columns([1, 1, 1, 2])
fold = options[0].toggle("Fold variable plumbing", value=view != "layer", key=f"graph_fold_{view}",
                         help="ReadVariableOp, Identity, Const and resource placeholders are drawn inside the op that uses them.")
collapsed = options[1].toggle("Collapse scopes", value=big, key=f"graph_collapsed_{view}")
group_by = options[2].selectbox("Colour by", ["kind", "op", "scope"], key="graph_colour")
search = options[3].text_input("Search (regular expression over names and op types)", key="graph_search")
expanded = st.session_state.setdefault("graph_expanded", set())


def on_click() -> None:
    points = st.session_state.graph_chart.selection.points
    if points and points[0].get("customdata"):
        node = points[0]["customdata"][0]
        st.session_state.graph_node = node
        if st.session_state.get("graph_shown_scopes") and node in st.session_state.graph_shown_scopes:
            st.session_state.graph_expanded.add(node)  # clicking a scope opens it


selected = st.session_state.get("graph_node")
trace = st.radio("Highlight", ["none", "inputs", "outputs"], horizontal=True, key="graph_trace",
                 format_func={"none": "search hits", "inputs": "everything feeding the selected node",
                              "outputs": "everything the selected node feeds"}.get)
shown = explorer.prepare(graph, fold=fold, collapsed=collapsed, expanded=expanded, search=search,
                         selected=selected, trace=trace)
st.session_state.graph_shown_scopes = {n for n, d in shown.graph.nodes(data=True) if d.get("op") == "scope"}
if shown.search_error:
    st.error(shown.search_error)
elif search:
    st.caption(f"{len(shown.matches)} node(s) match.")
def open_scope() -> None:
    if st.session_state.get("graph_open_scope"):
        st.session_state.graph_expanded.add(st.session_state.graph_open_scope)


def expand_all() -> None:
    st.session_state[f"graph_collapsed_{view}"] = False


def collapse_all() -> None:
    st.session_state.graph_expanded.clear()
    st.session_state[f"graph_collapsed_{view}"] = True


if collapsed and (st.session_state.graph_shown_scopes or expanded):
    scope_column, open_column, all_column, none_column = st.columns([4, 1, 1, 1], vertical_alignment="bottom")
    scope_column.selectbox("Open a scope", sorted(st.session_state.graph_shown_scopes), index=None,
                           placeholder="pick a folded scope", key="graph_open_scope")
    open_column.button("Open", on_click=open_scope, key="graph_open")
    all_column.button("Expand all", on_click=expand_all, key="graph_expand_all")
    none_column.button("Collapse all", on_click=collapse_all, key="graph_collapse_all")
st.caption(f"{graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} edges in TensorFlow's graph; "
           f"showing {shown.graph.number_of_nodes():,} nodes. "
           + ("Click a scope (teal square) to open it." if st.session_state.graph_shown_scopes else ""))
st.plotly_chart(
    figures.graph_figure(shown.graph, shown.positions, selected=selected, highlighted=shown.highlighted or None, group_by=group_by),
    key="graph_chart", on_select=on_click, selection_mode="points", config={"displaylogo": False},
)

inspector, exports = st.columns([3, 2], gap="large")
with inspector:
    st.subheader("Node")
    if selected in shown.graph:
        st.json(explorer.node_details(shown.graph, selected), expanded=True)
    else:
        st.caption("Click a node to see its op, attributes, inputs and outputs.")
    st.caption(explain.TF_MODEL_GRAPH)
with exports:
    st.subheader("Export")
    st.download_button("GraphML", explorer.to_graphml(shown.graph), "dlviz_graph.graphml", key="export_graphml")
    st.download_button("DOT (Graphviz)", explorer.to_dot(shown.graph), "dlviz_graph.dot", key="export_dot")
    st.download_button("Node-link JSON", explorer.to_json(shown.graph), "dlviz_graph.json", key="export_json")
    if built.graph_data is not None:
        if st.button("Prepare a TensorBoard log directory", key="export_tb_prepare"):
            st.session_state.tensorboard_zip = explorer.tensorboard_zip(built.graph_data)
        if st.session_state.get("tensorboard_zip"):
            st.download_button("TensorBoard logs (.zip)", st.session_state.tensorboard_zip, "dlviz_tensorboard.zip",
                               key="export_tb")
            st.caption("Unzip, then run `tensorboard --logdir dlviz_logs` to compare with TensorBoard's own drawing.")
    st.caption("PNG: use the camera icon on the graph.")
