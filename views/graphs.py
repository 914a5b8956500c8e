"""TensorFlow's real graphs, at any size: layer graph, inference op graph, training-step op graph."""

import streamlit as st

from dlviz import explain as explanations
from dlviz.figures import graph as figures
from dlviz.graphs import explorer
from views import _graph_node as panel
from views import _graph_parts as parts
from views._projector import chart, explain
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow

st.title("TensorFlow graphs")
explain(
    "The graphs TensorFlow really runs, for any model in the app. A big graph opens like a table of contents: "
    "layers grouped by their name scopes, or by the prefixes of their names (`conv3` → `conv3_block2` → "
    "`conv3_block2_1_conv`); click a group to open it. The **training-step** view shows one `tf.function` train "
    "step: the forward ops, the gradient ops TensorFlow derived from them, and the optimizer's variable updates — "
    "auto-differentiation made visible."
)
require_tensorflow()

link = read_link("graphs", parts.LINK)
options = parts.sources()
parts.apply_link(link, options)
show_link_notices("graphs")
if st.session_state.get("graph_source") not in options:
    st.session_state.pop("graph_source", None)  # a model of the session that is gone: start from the first

source_column, view_column = st.columns(2)
source = source_column.radio("Model", options, horizontal=True, key="graph_source")
views = ["op"] if source == parts.PLAYGROUND else list(explorer.VIEWS)
view = view_column.radio("View", views, format_func=explorer.VIEWS.get, horizontal=True, key="graph_view")
parts.prepare_builtins(view if view in ("layer", "op") else "layer")
chosen = parts.target(source, view)
state = parts.state_for(chosen)
built, token = chosen.built, chosen.token

options_row = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
fold = view != "layer" and options_row[1].toggle(
    "Fold plumbing", value=True, key=f"graph_fold_{view}",
    help="ReadVariableOp, Identity, Const and resource placeholders are drawn inside the op that uses them.")
graph = built.shown(fold)
collapsed = options_row[0].toggle("Group names", value=graph.number_of_nodes() > 15, key=f"graph_collapsed_{token}",
                                  help="A table of contents: name scopes and shared name prefixes fold into groups you "
                                       "open one by one.")
group_by = options_row[2].selectbox("Colour by", ["kind", "op", "scope"], key="graph_colour")
search = options_row[3].text_input("Search (regular expression over names and op types)", key="graph_search",
                                   max_chars=explorer.MAX_SEARCH_CHARS)
trace = st.radio("Highlight", ["none", "inputs", "outputs"], horizontal=True, key="graph_trace",
                 format_func={"none": "search hits (or the linked layer)", "inputs": "everything feeding the selected node",
                              "outputs": "everything the selected node feeds"}.get)
image = panel.activation_input(chosen)
focus = explorer.layer_nodes(built, state["focus"], fold) if state["focus"] else None
shown = explorer.prepare(built, fold=fold, collapsed=collapsed, expanded=set(state["expanded"]), search=search,
                         selected=state["selected"], trace=trace, focus=focus)
selected = state["selected"] if state["selected"] in shown.graph else None
layer = explorer.layer_at(built, state["selected"]) or state["focus"]
write_link({"model": chosen.model_name, "arch": chosen.arch, "view": chosen.view, "layer": layer,
            "class": image.label if image else None, "index": image.index if image else None})

if shown.search_error:
    st.error(shown.search_error)
elif search:
    st.caption(f"{len(shown.matches)} node(s) match.")


def group_name(group: str) -> str:
    data = shown.graph.nodes[group]
    return f"{data['label']} ({data['count']} {shown.graph.graph.get('unit', 'ops')})"


def open_group() -> None:
    group = st.session_state.get(f"graph_open_group_{token}")
    if group:
        state["expanded"].append(group)


def close_last() -> None:
    if state["expanded"]:
        state["expanded"].pop()


def collapse_all() -> None:
    state["expanded"].clear()
    st.session_state[f"graph_collapsed_{token}"] = True


def expand_all() -> None:
    st.session_state[f"graph_collapsed_{token}"] = False


def on_click() -> None:  # callbacks see this run's `state` and `shown`: those of the graph that was clicked
    points = st.session_state[f"graph_chart_{token}"].selection.points
    if points and points[0].get("customdata"):
        node = points[0]["customdata"][0]
        state.update(selected=node, focus=None)
        if node in shown.folded_groups:
            state["expanded"].append(node)  # clicking a folded group opens it


if collapsed and (shown.folded_groups or state["expanded"]):
    pick, open_column, close_column, all_column, none_column = st.columns([4, 1, 1, 1, 1], vertical_alignment="bottom")
    pick.selectbox("Open a group", shown.folded_groups, index=None, format_func=group_name,
                   placeholder="pick a folded group", key=f"graph_open_group_{token}")
    open_column.button("Open", on_click=open_group, key="graph_open")
    close_column.button("Close last", on_click=close_last, disabled=not state["expanded"], key="graph_close")
    all_column.button("Expand all", on_click=expand_all, key="graph_expand_all")
    none_column.button("Collapse all", on_click=collapse_all, key="graph_collapse_all")
unit = graph.graph.get("unit", "ops")
st.caption(f"{graph.number_of_nodes():,} {unit} and {graph.number_of_edges():,} edges in TensorFlow's graph; "
           f"showing {shown.graph.number_of_nodes():,} nodes"
           + (f", {len(shown.folded_groups)} of them folded groups (teal squares: click to open)." if shown.folded_groups else "."))
if view == "train" and built.loss:
    st.caption(f"The training step is traced with {built.loss} and Adam, so every weight gets its gradient and update.")
chart(
    figures.graph_figure(shown.graph, shown.positions, selected=selected, highlighted=shown.highlighted or None,
                         group_by=group_by, routes=shown.routes, direction=shown.direction,
                         label_steps=figures.LABELLED_STEPS if shown.direction == "right" else 0),
    key=f"graph_chart_{token}", export=True, on_select=on_click, selection_mode="points",
)

inspector, exports = st.columns([3, 2], gap="large")
with inspector:
    panel.node_panel(chosen, shown.graph, selected, layer, image)
    st.caption(explanations.TF_MODEL_GRAPH)
with exports:
    panel.exports(chosen, state, shown.graph)
