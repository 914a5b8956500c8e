"""Recurrent networks, measured: every figure issue 12 holds the page to, each against its baseline in the same run.

    python bench/recurrent.py              # everything (about 6–8 minutes on 2 quiet cores)
    python bench/recurrent.py forecast digits text engine heatmap   # any subset

- forecast: the page's default model on the shipped sunspots; one-step test MAE against the naive last-value and
  the linear autoregressive forecasts (goals: ≤ 0.8 × naive and ≤ linear);
- digits: the default LSTM reading the 8×8 digits row by row (goals: ≥ 95 % test accuracy in ≤ 60 s);
- text: next character on Python's documentation text, trained for at most 3 minutes; held-out bits per character
  against the unigram entropy (goal: ≤ 0.75 ×);
- engine: samples per second through dlviz.training.train against a bare model.fit of the same model (goal ≥ 0.95);
- heatmap: a new input → hidden state and gates → the heatmap figure as JSON, server side (goal ≤ 150 ms).
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dlviz import runtime  # noqa: E402
from dlviz.data import sequences  # noqa: E402
from dlviz.figures import recurrent as figures  # noqa: E402
from dlviz.networks import recurrent  # noqa: E402
from dlviz.training import training  # noqa: E402
from views._recurrent import DEFAULTS  # noqa: E402  (the page's defaults, so the bench measures what a visitor gets)

TEXT_BUDGET_SECONDS = 180.0


def default_config(task: str, **changes) -> training.TrainConfig:
    defaults = DEFAULTS[task]
    settings = {"epochs": defaults["rnn_epochs"], "batch_size": defaults["rnn_batch"], "learning_rate": defaults["rnn_lr"],
                **changes}
    return training.TrainConfig(**settings)


def default_model(task: str, data: sequences.SequenceDataset):
    defaults = DEFAULTS[task]
    outputs = 1 if task == "forecast" else data.num_classes
    return recurrent.build(task, defaults["rnn_cell"], defaults["rnn_units"], data.input_shape, outputs, defaults["rnn_layers"])


def bench_forecast() -> None:
    data = sequences.load("sunspots", DEFAULTS["forecast"]["rnn_window"])
    model = default_model("forecast", data)
    run = training.train(model, data, default_config("forecast"), recurrent.task_for(data))
    comparison = recurrent.compare_forecasts(model, data)
    network, naive, linear = (comparison.errors[name]["MAE"] for name in ("network", "naive", "linear"))
    print(f"forecast · sunspots, {model.name} {DEFAULTS['forecast']['rnn_units']} units, window {data.window}, "
          f"{run.finished_epochs} epochs in {run.seconds:.1f} s")
    print(f"  test MAE: network {network:.2f}, naive last value {naive:.2f}, linear autoregression {linear:.2f} "
          f"(sunspot numbers)")
    print(f"  network ÷ naive = {network / naive:.3f} (goal ≤ 0.8); network ÷ linear = {network / linear:.3f} (goal ≤ 1)")


def bench_digits() -> None:
    data = sequences.load("digits")
    model = default_model("classify", data)
    run = training.train(model, data, default_config("classify"), recurrent.task_for(data))
    accuracy = training.evaluate(model, data).accuracy
    print(f"digits row by row · LSTM {DEFAULTS['classify']['rnn_units']} units, {run.finished_epochs} epochs: "
          f"test accuracy {accuracy:.2%} (goal ≥ 95 %) in {run.seconds:.1f} s (goal ≤ 60 s)")


def bench_text() -> None:
    data = sequences.load("python_docs", DEFAULTS["next_char"]["rnn_window"])
    model = default_model("next_char", data)
    stop = threading.Event()
    started = time.perf_counter()

    def on_batch(progress: training.Progress) -> None:
        if time.perf_counter() - started > TEXT_BUDGET_SECONDS:
            stop.set()  # the engine's Stop: honoured at the next batch, the partly trained model kept

    run = training.train(model, data, default_config("next_char", epochs=50), recurrent.task_for(data),
                         on_batch=on_batch, stop=stop)
    evaluation = recurrent.evaluate(model, data)
    print(f"next character · Python docs ({len(data.text_parts[0]):,} training characters, {data.num_classes} symbols), "
          f"LSTM {DEFAULTS['next_char']['rnn_units']} units, window {data.window}")
    print(f"  trained {run.seconds:.0f} s ({run.finished_epochs} whole epochs, then stopped at the "
          f"{TEXT_BUDGET_SECONDS:.0f} s budget)")
    print(f"  held-out bits per character {evaluation.bits_per_character:.3f}; unigram entropy "
          f"{evaluation.unigram_bits:.3f}; ratio {evaluation.bits_per_character / evaluation.unigram_bits:.3f} "
          f"(goal ≤ 0.75); next character right {evaluation.accuracy:.1%}")


def bench_engine(epochs: int = 4, rounds: int = 3) -> None:
    from dlviz.runtime import keras

    data = sequences.load("digits")
    config = default_config("classify", epochs=epochs)
    samples = len(data.x_train) * epochs

    def bare() -> float:
        model = default_model("classify", data)
        keras.utils.set_random_seed(0)
        training.compile_model(model, config, recurrent.task_for(data))
        started = time.perf_counter()
        model.fit(data.x_train, data.y_train, epochs=epochs, batch_size=config.batch_size,
                  validation_data=(data.x_val, data.y_val), verbose=0)
        return time.perf_counter() - started

    def engine() -> float:
        return training.train(default_model("classify", data), data, config, recurrent.task_for(data)).seconds

    training.train(default_model("classify", data), data, default_config("classify", epochs=1), recurrent.task_for(data))
    times: dict = {bare: [], engine: []}
    for round_number in range(rounds):  # alternate which goes first, so neither always meets a colder machine
        for measure in ((bare, engine) if round_number % 2 == 0 else (engine, bare)):
            times[measure].append(measure())
    bare_seconds, engine_seconds = min(times[bare]), min(times[engine])
    print(f"engine throughput · digits LSTM, {epochs} epochs, best of {rounds} after a warm-up: bare model.fit "
          f"{samples / bare_seconds:,.0f} samples/s, dlviz.training.train {samples / engine_seconds:,.0f} samples/s; "
          f"ratio {bare_seconds / engine_seconds:.3f} (goal ≥ 0.95)")


def bench_heatmap(inputs: int = 20) -> None:
    for task, name in (("classify", "digits"), ("next_char", "python_docs")):
        data = sequences.load(name)
        model = default_model(task, data)
        times = []
        for index in range(inputs):
            sequence = data.x_test[index]
            started = time.perf_counter()
            steps = recurrent.layer_steps(model, sequence)
            panels = {key: value for key, value in steps.items() if key != "candidate"}
            labels = list(data.decode(sequence)) if task == "next_char" else None
            figures.state_heatmap(panels, sequence, labels).to_json()
            times.append(time.perf_counter() - started)
        print(f"heatmap · {name}, {model.name} ({data.window} steps, {DEFAULTS[task]['rnn_units']} units, "
              f"{len(panels)} panels): new input → figure JSON median {1000 * statistics.median(times):.0f} ms, "
              f"slowest {1000 * max(times):.0f} ms over {inputs} inputs (goal ≤ 150 ms)")


BENCHES = {"forecast": bench_forecast, "digits": bench_digits, "text": bench_text, "engine": bench_engine,
           "heatmap": bench_heatmap}


def main() -> None:
    wanted = sys.argv[1:] or list(BENCHES)
    runtime.require()
    print(f"{runtime.cores()} cores; TensorFlow threads per training: {runtime.threads_per_training()}")
    for name in wanted:
        BENCHES[name]()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
