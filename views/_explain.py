"""What the "Why this prediction?" page's tabs share: the explained case, remembered results, progress bars."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from dlviz.cnn import attribution
from dlviz.cnn.attribution import METHODS
from views._inputs import ChosenModel, Picked

REMEMBERED = 64  # results kept per session (maps, curves, randomisation rows), oldest dropped first

EXPLANATIONS = {
    "gradient": "How fast the class score changes when one pixel changes: the size of the gradient, "
                "the steepest colour channel per pixel. Quick, but noisy: it measures sensitivity, not evidence.",
    "gradient_x_input": "The gradient times the pixel itself: a black pixel (0) gets no credit however sensitive the "
                        "score is to it, so the map keeps to where the picture has ink.",
    "smoothgrad": "The gradient map averaged over many copies of the picture with a little random noise added: "
                  "the speckle of a single gradient averages out and the shape that matters stays.",
    "integrated_gradients": "Walk in small steps from a baseline (a picture with no signal) to the input and add up "
                            "the gradient along the way, times how far each pixel moved. The credits sum to the change "
                            "in score between baseline and input, which a plain gradient never promises.",
    "gradcam": "Take a convolution layer's feature maps, weigh each by how much the class score rises with it "
               "(its average gradient), add them up and keep the positive part, then stretch the coarse map "
               "to the picture's size. It shows where, at that layer's resolution, not which exact pixels.",
    "occlusion": "Paint a square patch grey or black, slide it over the picture, and record how much the score "
                 "drops with each position covered. No gradients at all: a direct experiment, but slow and "
                 "blurred by the patch size.",
}


@dataclass
class Case:
    """One explanation request: a model, an input and the class (or two) to explain."""

    chosen: ChosenModel
    picked: Picked
    class_index: int
    contrast: int | None
    names: list[str]
    probabilities: np.ndarray
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # the options chosen for each method

    @property
    def model(self) -> Any:
        return self.chosen.current.model

    @property
    def image(self) -> np.ndarray:
        return self.picked.image

    def key(self, *parts: Any) -> tuple:
        """What a derived result depends on: the model object, the picture, the classes and the settings."""
        return (id(self.model), self.picked.digest, self.class_index, self.contrast, *parts)


def remember(key: tuple, model: Any, compute: Callable[[], Any]) -> Any:
    """A result kept in this session under what it came from (the model is held too, so its id stays unique)."""
    store: OrderedDict = st.session_state.setdefault("why_results", OrderedDict())
    if key in store:
        store.move_to_end(key)
        return store[key][1]
    value = compute()
    store[key] = (model, value)
    while len(store) > REMEMBERED:
        store.popitem(last=False)
    return value


def initial(key: str, value: Any) -> None:
    """A widget's first value, given through session state: a widget in a closed tab is not drawn, and the page
    keeps its value for when the tab opens again (see TAB_WIDGETS in views/attribution.py)."""
    st.session_state.setdefault(key, value)


def with_progress(text: str, compute: Callable[[Callable[[float], None]], Any]) -> Any:
    """Run `compute(on_progress)` under a progress bar that it moves; the bar disappears when it is done."""
    bar = st.progress(0.0, text=text)
    try:
        return compute(lambda fraction: bar.progress(min(1.0, float(fraction)), text=text))
    finally:
        bar.empty()


def options_key(options: dict[str, Any]) -> tuple:
    return tuple(sorted((name, value if np.isscalar(value) else str(value)) for name, value in options.items()))


def saliency_map(case: Case, method: str, class_index: int | None = None, contrast: int | None = None,
                 progress: bool = True) -> np.ndarray:
    """The method's map for the case (or for another class of the same input), with its chosen options."""
    options = dict(case.options.get(method, {}))
    class_index = case.class_index if class_index is None else class_index
    key = (id(case.model), case.picked.digest, class_index, contrast, "map", method, options_key(options))

    def compute() -> np.ndarray:
        if method == "integrated_gradients" and options.get("baseline") == "mean" and case.picked.dataset is not None:
            options["mean_image"] = case.picked.dataset.x_train.mean(axis=0)
        if method in ("smoothgrad", "integrated_gradients", "occlusion") and progress:
            return with_progress(f"Computing {METHODS[method]}…", lambda report: attribution.saliency(
                case.model, case.image, class_index, method, contrast=contrast, on_progress=report, **options))
        return attribution.saliency(case.model, case.image, class_index, method, contrast=contrast, **options)

    return remember(key, case.model, compute)


def integrated_gradients_check(case: Case) -> tuple[float, float]:
    """(sum of the IG attributions, score difference to the baseline) with the chosen IG options."""
    options = case.options["integrated_gradients"]
    mean = case.picked.dataset.x_train.mean(axis=0) if case.picked.dataset is not None else None

    def compute() -> tuple[float, float]:
        start = attribution.baseline_image(case.image, options["baseline"], mean)
        return attribution.completeness(case.model, case.image, case.class_index, start, options["steps"])

    return remember(case.key("completeness", options_key(options)), case.model, compute)


def class_label(case: Case, index: int) -> str:
    return f"{case.names[index]} ({case.probabilities[index]:.1%})"
