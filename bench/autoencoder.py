"""The autoencoder page held to its figures, in one run, on the shipped 8×8 digits (values 0–1).

1. Test reconstruction MSE of the page's default autoencoder (`autoencoder.train_default`, trained through
   dlviz's engine) against PCA with the same code size, at code sizes 2 and 8 (goals: ratio ≤ 0.6 and ≤ 0.5),
   and the wall time of each training (goal ≤ 60 s on 2 cores).
2. Training throughput of the engine (callbacks, snapshots, Stop) against a bare `model.fit` of the same
   model, data and settings, alternated runs (goal ≥ 0.95).
3. A click in the code plane to the decoded image, server side: the work the page's code-space fragment does
   for a click (plane point → code → decoder → figures → JSON for the browser), and a whole AppTest rerun of the
   page after the click for comparison (goal ≤ 150 ms).

Run:  python bench/autoencoder.py
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from dlviz.data import datasets, modelio  # noqa: E402
from dlviz.figures import autoencoder as figures  # noqa: E402
from dlviz.networks import autoencoder as ae  # noqa: E402
from dlviz.training import training  # noqa: E402

GOALS = {2: 0.6, 8: 0.5}
THROUGHPUT_EPOCHS = 10
ROUNDS = 6
CLICKS = 40


def quality(data) -> dict[int, object]:
    models = {}
    for code, goal in GOALS.items():
        pca = ae.pca_baseline(data.x_train, data.x_test, code)
        started = time.perf_counter()
        model = ae.train_default(data.x_train, code)
        seconds = time.perf_counter() - started
        mse = float(np.mean(ae.reconstruction_error(model, data.x_test)))
        config = ae.default_config(data.input_shape)
        print(f"code {code}: autoencoder test MSE {mse:.4f}  PCA {pca:.4f}  ratio {mse / pca:.2f} (goal <= {goal})  "
              f"trained in {seconds:.1f} s ({config.epochs} epochs; goal <= 60 s)", flush=True)
        models[code] = model
    return models


def throughput(data) -> None:
    design = ae.default_design(data.input_shape, 2)
    config = training.TrainConfig(**{**ae.default_config(data.input_shape).__dict__, "epochs": THROUGHPUT_EPOCHS})
    task = training.reconstruct(ae.DEFAULT_LOSS)

    def fresh():
        keras.utils.set_random_seed(0)
        return ae.build_design(data.input_shape, design)

    def bare() -> float:
        model = fresh()
        training.compile_model(model, config, task)
        started = time.perf_counter()
        model.fit(data.x_train, data.x_train, epochs=config.epochs, batch_size=config.batch_size,
                  validation_split=config.validation_split, shuffle=True, verbose=0)
        return time.perf_counter() - started

    def engine() -> float:
        model = fresh()
        started = time.perf_counter()
        training.train(model, training.Data(data.x_train, data.x_train), config, task,
                       on_epoch=lambda run: None, on_batch=lambda progress: None)
        return time.perf_counter() - started

    bare(), engine()  # warm-up: tracing and thread pools
    bare_times, engine_times = [], []
    for round_ in range(ROUNDS):  # alternate which goes first, so a drift in the machine's load favours neither
        if round_ % 2:
            engine_times.append(engine())
            bare_times.append(bare())
        else:
            bare_times.append(bare())
            engine_times.append(engine())
    ratio = np.median(bare_times) / np.median(engine_times)
    print(f"bare model.fit median {np.median(bare_times):.2f} s, dlviz engine median {np.median(engine_times):.2f} s "
          f"for {THROUGHPUT_EPOCHS} epochs: throughput ratio {ratio:.3f} (goal >= 0.95)", flush=True)


def click_work(model, found, plane_figure, uv) -> int:
    """What the code-space fragment does for one click; returns the bytes sent to the browser."""
    image = ae.decode(model, found.plane.to_code(uv))[0]
    decoded = figures.image_figure(image, f"decoded at ({uv[0]:.2f}, {uv[1]:.2f})", 240)
    chart = figures.move_marker(plane_figure, tuple(uv))
    return len(decoded.to_json()) + len(chart.to_json())


def click_latency(model, data) -> None:
    found = ae.analyse(model, data.x_test)  # the page does this once per model, as it shows the results
    art = [figures.image_art(image) for image in data.x_test]
    plane_figure = figures.code_plane_figure(found.plane.points, data.y_test, data.class_names, art,
                                             found.plane.extent(), ("code number 1", "code number 2"))
    (u_low, u_high), (v_low, v_high) = found.plane.extent()
    rng = np.random.default_rng(0)
    clicks = np.stack([rng.uniform(u_low, u_high, CLICKS), rng.uniform(v_low, v_high, CLICKS)], axis=1)
    click_work(model, found, plane_figure, clicks[0])  # warm-up
    times, sizes = [], []
    for uv in clicks:
        started = time.perf_counter()
        sizes.append(click_work(model, found, plane_figure, uv))
        times.append(time.perf_counter() - started)
    decode_times = []
    for uv in clicks:
        started = time.perf_counter()
        ae.decode(model, found.plane.to_code(uv))
        decode_times.append(time.perf_counter() - started)
    print(f"click in the code plane → decoded image (fragment work, server side): median {np.median(times) * 1000:.0f} ms, "
          f"p95 {np.percentile(times, 95) * 1000:.0f} ms (goal <= 150 ms); of which decoding {np.median(decode_times) * 1000:.1f} ms; "
          f"{np.median(sizes) / 1024:.0f} kB of figures", flush=True)
    page_rerun(model, data)


def page_rerun(model, data) -> None:
    from tests.app_support import open_page

    app = open_page("views/autoencoders.py")
    app.session_state["ae_current"] = modelio.CurrentModel(model, list(data.class_names), "bench", data.name, None, data)
    app.run()
    token = app.session_state["ae_derived"].token
    times = []
    for value in np.linspace(-1, 1, 8):
        started = time.perf_counter()
        app.number_input(key=f"ae_u_{token}").set_value(float(value)).run()
        times.append(time.perf_counter() - started)
    assert not app.exception, app.exception
    print(f"whole page rerun after a click (AppTest, every tab drawn; the browser reruns only the fragment): "
          f"median {np.median(times) * 1000:.0f} ms", flush=True)


def main() -> None:
    data = datasets.load("digits")
    print(f"shipped digits: {len(data.x_train)} training, {len(data.x_test)} test images of {data.input_shape}; "
          f"{os.cpu_count()} cores", flush=True)
    models = quality(data)
    throughput(data)
    click_latency(models[2], data)


if __name__ == "__main__":
    main()
