"""A session's uploads (a .keras model, an image set): each read once per file, kept when a later upload is refused."""

import streamlit as st

from dlviz import text
from dlviz.data import datasets, modelio


def uploaded_model(upload, state_key: str) -> modelio.CurrentModel | None:
    """The model from `upload`, read once and kept in session state under `state_key`.

    A refused file shows its reason and leaves the last good model in place."""
    if upload is not None and st.session_state.get(f"{state_key}_file") != (upload.name, upload.size):
        try:
            model = modelio.load_model(upload.getvalue(), upload.name)
            st.session_state[state_key] = modelio.describe_upload(model, upload.name)
            st.session_state[f"{state_key}_file"] = (upload.name, upload.size)
        except modelio.ModelFileError as error:
            st.error(f"**{upload.name}** cannot be used: {error}")
    return st.session_state.get(state_key)


def uploaded_dataset(upload, state_key: str) -> datasets.Dataset | None:
    """The image set from an uploaded zip (one folder per class) or .npz, read once and kept under `state_key`.

    A refused file shows its reason and leaves the last good image set in place."""
    if upload is not None and st.session_state.get(f"{state_key}_file") != (upload.name, upload.size):
        try:
            reader = datasets.from_npz if upload.name.lower().endswith(".npz") else datasets.from_zip
            st.session_state[state_key] = reader(upload.getvalue(), upload.name)
            st.session_state[f"{state_key}_file"] = (upload.name, upload.size)
        except datasets.DatasetError as error:
            st.error(f"**{text.markdown_safe(upload.name)}** cannot be used: {text.markdown_safe(error)}")
    return st.session_state.get(state_key)
