"""A session's uploaded .keras model: loaded once per file, kept when a later upload is refused."""

import streamlit as st

from dlviz.data import modelio
from dlviz.text import markdown_safe


def uploaded_model(upload, state_key: str) -> modelio.CurrentModel | None:
    """The model from `upload`, read once and kept in session state under `state_key`.

    A refused file shows its reason and leaves the last good model in place."""
    if upload is not None and st.session_state.get(f"{state_key}_file") != (upload.name, upload.size):
        try:
            model = modelio.load_model(upload.getvalue(), upload.name)
            st.session_state[state_key] = modelio.describe_upload(model, upload.name)
            st.session_state[f"{state_key}_file"] = (upload.name, upload.size)
        except modelio.ModelFileError as error:
            st.error(f"**{markdown_safe(upload.name, 120)}** cannot be used: {error}")
    return st.session_state.get(state_key)
