"""Time from a new input image to every layer output plus every figure of the inspector, demo model.

Prints the median over many images (goal <= 150 ms), with the bare forward pass of the model as
the baseline measured in the same run, and the AppTest rerun time of the inspector page.
Run:  python bench/inspect_latency.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dlviz.cnn import inspect  # noqa: E402
from dlviz.data import datasets, modelio  # noqa: E402
from dlviz.figures import inspect as figures  # noqa: E402

SAMPLES = 30


def all_views(model, image, class_names) -> None:
    passed = inspect.forward(model, image)
    layers = inspect.inspectable_layers(model)
    figures.overview_figure([(layer.name, passed.outputs[layer.name]) for layer in layers], passed.probabilities, class_names)
    for layer in layers:
        output = passed.outputs[layer.name]
        if output.ndim == 3:
            figures.feature_maps_figure(output, "layer")
        else:
            figures.vector_figure(output, layer.name)
        if inspect.is_conv(layer):
            figures.filters_figure(inspect.conv_filters(model, layer.name))
            figures.feature_maps_figure(inspect.pre_activation(model, layer.name, passed.conv_inputs[layer.name]), "layer", diverging=True)
            pixel = inspect.conv_pixel(model, image, layer.name, 1, 1, 0, passed)
            figures.pixel_figure(pixel, 0)
        if inspect.is_pool(layer):
            source = inspect.pooling_input(model, layer.name, passed)
            pool, strides, _ = inspect.pool_settings(model, layer.name)
            figures.pooling_figure(source[..., 0], inspect.max_pool_windows(source[..., 0], pool, strides), output[..., 0])


def median_ms(function, images) -> float:
    times = []
    for image in images:
        started = time.perf_counter()
        function(image)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    demo = modelio.load_demo(ROOT / "assets")
    data = datasets.load(demo.dataset_name)
    images = data.x_test[:SAMPLES]
    all_views(demo.model, images[0], demo.class_names)  # warm-up: traces and caches
    bare = median_ms(lambda image: demo.model(image[None], training=False), images)
    full = median_ms(lambda image: all_views(demo.model, image, demo.class_names), images)
    forward_only = median_ms(lambda image: inspect.forward(demo.model, image), images)
    print(f"bare model call (baseline)          median {bare:7.1f} ms")
    print(f"one forward pass, every layer       median {forward_only:7.1f} ms  ({forward_only / bare:.1f}× the bare call)")
    print(f"new image -> all outputs + figures  median {full:7.1f} ms  (goal <= 150 ms)")

    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.switch_page("views/inspect.py")
    app.run()
    reruns = []
    for label in range(1, 8):
        started = time.perf_counter()
        app.selectbox(key="inspect_class").set_value(label).run()
        reruns.append((time.perf_counter() - started) * 1000)
    print(f"AppTest rerun of the inspector page on a new sample: median {statistics.median(reruns):.0f} ms "
          f"({np.min(reruns):.0f}–{np.max(reruns):.0f})")


if __name__ == "__main__":
    main()
