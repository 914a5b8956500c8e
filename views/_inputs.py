"""Choosing a model and an input picture, for every page that runs or explains a model on one image.

`model_picker` offers the session's own models that fit, the demo model and an uploaded `.keras`;
`input_picker` a test image of the model's dataset, an uploaded picture or a drawing. Both honour a
page's link (`model`, `class`, `index`) and keep their state per model, so switching leaves nothing stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from dlviz.data import datasets, images, modelio
from dlviz.text import markdown_safe
from views._models import session_models
from views._resources import demo_model, shipped_dataset
from views._uploads import uploaded_model

DEMO, UPLOAD = "demo", "upload"
ALIASES = {"Demo CNN": DEMO}  # the graphs page names the demo model so in its links
PICTURE_TYPES = [suffix[1:] for suffix in images.SUFFIXES]


@dataclass(frozen=True)
class ChosenModel:
    """A model from the picker and the stable key it is known by (in links and in state keys)."""

    key: str  # DEMO, UPLOAD or the name of one of the session's models
    current: modelio.CurrentModel


@dataclass(frozen=True)
class Picked:
    """The input picture and where it came from."""

    image: np.ndarray  # (H, W, C) in [0, 1]
    mode: str  # "sample", "upload" or "draw"
    dataset: datasets.Dataset | None
    test_index: int | None = None  # into dataset.x_test, for a dataset sample
    label: int | None = None  # its true class, for a dataset sample
    class_choice: int | None = None  # the link's `class` and `index` that give this sample
    index_choice: int | None = None
    steps: tuple[images.Step, ...] = ()  # how an upload or a drawing became the input, for the strip
    recipe: images.Recipe | None = None

    @property
    def digest(self) -> str:
        """A short fingerprint of the picture, for keying what is computed from it."""
        return hashlib.sha1(np.ascontiguousarray(self.image).tobytes()).hexdigest()[:16]


def model_picker(prefix: str, link: dict, fits: Callable[[Any], None], fits_error: type[Exception]) -> ChosenModel | None:
    """A radio of the models that fit (`fits(model)` raises `fits_error` for the others); None until one is there."""
    own = {}
    for name, current in session_models().items():
        try:
            fits(current.model)
            own[name] = current
        except fits_error:
            continue
    labels = {**{name: f"Your {name}" for name in own}, DEMO: "Demo model (digits)", UPLOAD: "Upload a .keras model"}
    key = f"{prefix}_model"
    wanted = link.get("model")
    wanted = ALIASES.get(wanted, wanted)
    if wanted is not None:
        if wanted in labels:
            st.session_state[key] = wanted
        else:
            st.warning(f"The link's model '{markdown_safe(wanted, 60)}' is not in this session; the demo model is shown.")
            st.session_state[key] = DEMO
    if st.session_state.get(key) not in labels:
        st.session_state.pop(key, None)
    choice = st.radio("Model", list(labels), format_func=lambda value: markdown_safe(labels[value]), horizontal=True, key=key)
    if choice == DEMO:
        return ChosenModel(DEMO, demo_model())
    if choice == UPLOAD:
        upload = st.file_uploader("A .keras file saved with model.save()", type=["keras", "h5"], key=f"{prefix}_model_upload")
        current = uploaded_model(upload, f"{prefix}_upload")
        return ChosenModel(UPLOAD, current) if current is not None else None
    return ChosenModel(choice, own[choice])


def dataset_for(current: modelio.CurrentModel, shape: tuple[int, ...]) -> datasets.Dataset | None:
    """The dataset the model was trained on, else a shipped one of the same picture size (or None)."""
    if current.dataset is not None and tuple(current.dataset.input_shape) == tuple(shape):
        return current.dataset
    if current.dataset_name in datasets.SHIPPED:
        dataset = shipped_dataset(current.dataset_name)
        if dataset.input_shape == tuple(shape):
            return dataset
    matching = [name for name in datasets.SHIPPED if shipped_dataset(name).input_shape == tuple(shape)]
    return shipped_dataset(matching[0]) if matching else None


def _clamp(key: str, high: int) -> None:
    """Keep a widget's remembered value inside its new range (another model may have fewer classes or images)."""
    value = st.session_state.get(key)
    if isinstance(value, int | np.integer) and not 0 <= value <= high:
        st.session_state[key] = 0


def input_picker(chosen: ChosenModel, shape: tuple[int, int, int], prefix: str, link: dict) -> Picked | None:
    """A dataset sample, an uploaded picture or a drawing, fitted to `shape`; None until there is one."""
    dataset = dataset_for(chosen.current, shape)
    modes = {"sample": "Dataset sample"} if dataset is not None else {}
    modes.update({"upload": "Upload an image", "draw": "Draw"})
    mode_key = f"{prefix}_input_mode"
    if st.session_state.get(mode_key) not in modes:
        st.session_state.pop(mode_key, None)
    mode = st.radio("Input", list(modes), format_func=modes.get, horizontal=True, key=mode_key)
    if mode == "sample":
        return _sample(dataset, prefix, link)
    state = f"{prefix}_image_{chosen.key}_{mode}"  # per model and per mode: nothing carries over
    recipe = images.recipe_for(chosen.current.dataset_name, shape)
    notices: list[str] = []
    if mode == "upload":
        picture = st.file_uploader("Any common image format", type=PICTURE_TYPES, key=f"{prefix}_picture")
        if picture is not None and st.session_state.get(f"{state}_file") != (picture.name, picture.size):
            try:
                st.session_state[state] = images.prepare_steps(picture.getvalue(), shape, recipe=recipe)
                st.session_state[f"{state}_file"] = (picture.name, picture.size)
                notices = st.session_state[state].notices
            except images.ImageError as error:
                st.error(f"**{markdown_safe(picture.name, 80)}**: {markdown_safe(error, 400)}")  # the last good picture stays
    else:
        st.session_state[state] = None  # a drawing lives in the canvas; an empty or reset canvas means no input
        try:
            from streamlit_drawable_canvas import st_canvas

            st.container(height=28, border=False)  # room for the canvas's own toolbar, which floats above it
            drawing = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", height=224, width=224,
                                drawing_mode="freedraw", key=f"{prefix}_canvas", return_image_data=True)
            if drawing is not None and drawing.image_data is not None and drawing.image_data[..., :3].max() > 0:
                st.session_state[state] = images.drawing_steps(drawing.image_data, shape, recipe=recipe)
                notices = st.session_state[state].notices
            else:
                st.caption("Draw a digit or a shape in white on the black square.")
        except images.ImageError as error:
            st.error(markdown_safe(error, 600))
        except Exception as error:  # the canvas is a third-party component; the page must survive without it
            st.warning(f"The drawing canvas is not available here ({type(error).__name__}); upload an image instead.")
    for notice in notices:
        st.caption(markdown_safe(notice))
    prepared = st.session_state.get(state)
    if prepared is None or prepared.array.shape != tuple(shape):
        return None
    return Picked(prepared.array, mode, dataset, steps=tuple(prepared.steps), recipe=recipe)


def _sample(dataset: datasets.Dataset, prefix: str, link: dict) -> Picked:
    class_key, index_key = f"{prefix}_class", f"{prefix}_index"
    if "class" in link:
        if link["class"] < dataset.num_classes:
            st.session_state[class_key] = link["class"]
        else:
            st.warning(f"The link's class {link['class']} does not exist here ({dataset.num_classes} classes); class 0 is shown.")
    _clamp(class_key, dataset.num_classes - 1)
    class_column, index_column, random_column = st.columns([2, 2, 1], vertical_alignment="bottom")
    label = class_column.selectbox("Class", range(dataset.num_classes), format_func=lambda i: dataset.class_names[i], key=class_key)
    candidates = np.flatnonzero(dataset.y_test == label)
    if "index" in link:
        if link["index"] < len(candidates):
            st.session_state[index_key] = link["index"]
        else:
            st.warning(f"The link's test image {link['index']} does not exist for this class; image 0 is shown.")
    _clamp(index_key, len(candidates) - 1)
    if random_column.button(":material/casino:", key=f"{prefix}_random", help="A random test image of this class"):
        st.session_state[index_key] = int(np.random.default_rng().integers(len(candidates)))
    index = int(index_column.number_input("Test image", 0, len(candidates) - 1, 0, key=index_key))
    test_index = int(candidates[index])
    return Picked(dataset.x_test[test_index], "sample", dataset, test_index, int(label), int(label), index)
