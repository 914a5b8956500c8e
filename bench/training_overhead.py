"""How much dlviz's training wrapper costs over a bare `model.fit`, and what the default reaches.

Prints the throughput ratio (bare time / dlviz time, alternated runs, same model and data;
goal >= 0.95), then the default preset's test accuracy and wall time on shipped digits for seeds 0–4
(goals >= 98% and <= 20 s on 2 cores, each seed).  Run:  python bench/training_overhead.py
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from dlviz.cnn import architecture  # noqa: E402
from dlviz.data import datasets  # noqa: E402
from dlviz.training import training  # noqa: E402

ROUNDS = 3
EPOCHS = 5


def fresh_model(data):
    keras.utils.set_random_seed(0)
    return architecture.build_model(architecture.default_layers(), data.input_shape, data.num_classes)


def bare_fit(data, config) -> float:
    model = fresh_model(data)
    training.compile_model(model, config)
    started = time.perf_counter()
    model.fit(data.x_train, data.y_train, epochs=config.epochs, batch_size=config.batch_size,
              validation_split=config.validation_split, verbose=0)
    return time.perf_counter() - started


def dlviz_train(data, config) -> float:
    model = fresh_model(data)
    started = time.perf_counter()
    training.train(model, data, config, on_epoch=lambda run: None, on_batch=lambda progress: None)
    return time.perf_counter() - started


def main() -> None:
    data = datasets.load("digits")
    config = training.TrainConfig(epochs=EPOCHS)
    bare_fit(data, config), dlviz_train(data, config)  # warm-up: tracing and thread pools
    bare, ours = [], []
    for _ in range(ROUNDS):
        bare.append(bare_fit(data, config))
        ours.append(dlviz_train(data, config))
    ratio = np.median(bare) / np.median(ours)
    print(f"bare model.fit      median {np.median(bare):6.2f} s for {EPOCHS} epochs")
    print(f"dlviz.training.train median {np.median(ours):6.2f} s for {EPOCHS} epochs (callbacks, snapshots)")
    print(f"throughput ratio (bare / dlviz): {ratio:.3f}   goal >= 0.95")

    for seed in range(5):  # the page builds with the run's seed and trains with it: the same seed, the same run
        default = training.TrainConfig(seed=seed)
        model = architecture.build_model(architecture.default_layers(), data.input_shape, data.num_classes, seed=seed)
        started = time.perf_counter()
        training.train(model, data, default)
        seconds = time.perf_counter() - started
        accuracy = training.evaluate(model, data).accuracy
        print(f"default preset on digits, seed {seed}, {default.epochs} epochs: test accuracy {accuracy:.2%} "
              f"(goal >= 98%), wall time {seconds:.1f} s (goal <= 20 s)")


if __name__ == "__main__":
    main()
