"""The models this session has trained or opened, by name, so every page can offer them (each session its own)."""

import streamlit as st

from dlviz.data import modelio


def keep(name: str, current: modelio.CurrentModel) -> None:
    """Remember a model under a name such as "CNN" or "Autoencoder"; the newest one of a name replaces the older."""
    st.session_state.setdefault("session_models", {})[name] = current


def session_models() -> dict[str, modelio.CurrentModel]:
    """Every model this session has, newest last; the CNN trained or uploaded on the train page included."""
    models = dict(st.session_state.get("session_models", {}))
    if "current_model" in st.session_state and st.session_state.current_model not in models.values():
        models = {"CNN": st.session_state.current_model, **models}
    return models
