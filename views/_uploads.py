"""A session's uploads (a .keras model, an image set): each read once per file, the last good one kept when a later
upload is refused."""

from collections.abc import Callable
from typing import Any

import streamlit as st

from dlviz.data import datasets, modelio
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
            st.error(f"**{markdown_safe(upload.name)}** cannot be used: {markdown_safe(error)}")
    return st.session_state.get(state_key)


IMAGE_SET_HELP = "A zip with one folder per class, or an .npz with arrays x and y"


def uploaded_images(state_key: str, convert: Callable[[datasets.Dataset], Any] = lambda dataset: dataset,
                    errors: tuple[type[Exception], ...] = ()) -> Any:
    """An image set uploaded as a zip of class folders or an .npz, read once (then `convert`ed) and kept in session
    state under `state_key`; a refused file shows its reason and leaves the last good set in place."""
    upload = st.file_uploader(IMAGE_SET_HELP, type=["zip", "npz"], key=f"{state_key}_upload")
    if upload is not None and st.session_state.get(f"{state_key}_file") != (upload.name, upload.size):
        try:
            reader = datasets.from_npz if upload.name.lower().endswith(".npz") else datasets.from_zip
            st.session_state[state_key] = convert(reader(upload.getvalue(), upload.name))
            st.session_state[f"{state_key}_file"] = (upload.name, upload.size)
        except (datasets.DatasetError, *errors) as error:
            st.error(f"**{markdown_safe(upload.name, 80)}** cannot be used: {markdown_safe(error)}")
    return st.session_state.get(state_key)
