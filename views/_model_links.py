"""Links that carry one layer of one model from page to page; the URL keeps each linked view shareable.

A model is named as the session names it (`views._models.session_models()`: "CNN", "Autoencoder"…) or "Demo CNN";
the model itself stays in the visitor's own session, only its name travels.
"""

import streamlit as st

from dlviz.text import markdown_safe

INSPECTOR = "views/inspect.py"
GRAPHS = "views/graphs.py"
DEMO = "Demo CNN"


def layer_links(model: str | None, layer: str | None, *, inspector: bool = True, graphs: bool = True,
                extra: dict | None = None) -> None:
    """Links to this layer of this model in the inspector (its feature maps) and in TensorFlow graphs (its ops)."""
    if not model or not layer:
        return
    params = {"model": model, "layer": layer, **{name: str(value) for name, value in (extra or {}).items() if value is not None}}
    shown = markdown_safe(layer, 60)
    if inspector:
        st.page_link(INSPECTOR, label=f"{shown}: its outputs in the inspector", icon=":material/visibility:",
                     query_params=params)
    if graphs:
        st.page_link(GRAPHS, label=f"{shown}: its ops in TensorFlow graphs", icon=":material/account_tree:",
                     query_params={**params, "view": "op"})
