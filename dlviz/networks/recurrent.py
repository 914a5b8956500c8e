"""Recurrent networks: build them, and compute what they carry from step to step from their own weights.

A recurrent layer reads a sequence one step at a time and keeps a hidden state h_t (an LSTM also a cell
state c_t). `hidden_states` and `gates` unroll the first recurrent layer of a model in NumPy with that
layer's own kernel, recurrent kernel and bias, in the order Keras stores them (LSTM: i, f, c, o; GRU:
z, r, h with `reset_after=True`), so every number on the page can be traced to an equation and checked
against the layer's own output. `input_gradients` asks TensorFlow how much the loss depends on each step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlviz.data import sequences
from dlviz.runtime import keras, tf
from dlviz.training import training

CELLS = {"simple": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
TASKS = ("forecast", "classify", "next_char")
GATES = {"simple": 1, "lstm": 4, "gru": 3}
MAX_UNITS = 512
MAX_LAYERS = 4
MAX_STEPS = 400
MAX_FEATURES = 1024
MAX_PARAMETERS = 5_000_000
EMBEDDING = 24  # size of a character's learned vector in a next-character model
ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),
}


class RecurrentError(ValueError):
    """Settings or a model that a recurrent view cannot use, with a sentence saying why."""


@dataclass(frozen=True)
class LayerRow:
    """One layer of a recurrent model: what it is, the tensors of one time step, its output and parameters."""

    name: str
    kind: str
    step_tensors: str  # e.g. "x_t (8) → h_t (32), c_t (32)"
    output_shape: tuple[int, ...]
    parameters: int
    formula: str


def _tokens(task: str, outputs: int, vocabulary: int | None) -> int | None:
    """How many different ids an integer input holds (characters or words), or None for real-valued steps."""
    return outputs if task == "next_char" else vocabulary


def _check(task: str, cell: str, units: int, input_shape: tuple[int, ...], outputs: int, layers: int,
           vocabulary: int | None = None) -> None:
    if task not in TASKS:
        raise RecurrentError(f"The task must be one of: {', '.join(TASKS)}.")
    if cell not in CELLS:
        raise RecurrentError(f"The cell must be one of: {', '.join(CELLS)} (SimpleRNN, LSTM, GRU).")
    if not 1 <= int(units) <= MAX_UNITS:
        raise RecurrentError(f"Units must be between 1 and {MAX_UNITS}.")
    if not 1 <= int(layers) <= MAX_LAYERS:
        raise RecurrentError(f"Stack between 1 and {MAX_LAYERS} recurrent layers.")
    tokens = _tokens(task, outputs, vocabulary)
    expected = 1 if tokens else 2
    if task == "forecast" and vocabulary:
        raise RecurrentError("A forecast reads real values, not word or character ids.")
    if len(input_shape) != expected:
        what = "(T,) ids" if tokens else "(T, features)"
        raise RecurrentError(f"The input of this {task} model is {what}; got {tuple(input_shape)}.")
    if tokens is not None and not 2 <= int(tokens) <= 100_000:
        raise RecurrentError("An id input needs between 2 and 100,000 different ids.")
    if not 1 <= int(input_shape[0]) <= MAX_STEPS:
        raise RecurrentError(f"Sequences must have between 1 and {MAX_STEPS} time steps.")
    if not tokens and not 1 <= int(input_shape[1]) <= MAX_FEATURES:
        raise RecurrentError(f"Each step may carry between 1 and {MAX_FEATURES} values.")
    if task != "forecast" and int(outputs) < 2:
        raise RecurrentError("A classifier needs at least 2 classes (a text at least 2 different characters).")
    if int(outputs) < 1:
        raise RecurrentError("The model needs at least one output.")


def cell_parameters(cell: str, units: int, inputs: int) -> tuple[int, str]:
    """A recurrent layer's parameter count and its formula: each gate has a kernel, a recurrent kernel and a bias."""
    core = units * (units + inputs) + units
    if cell == "simple":
        return core, f"{units} × ({units} + {inputs}) + {units}"
    if cell == "lstm":
        return 4 * core, f"4 × ({units} × ({units} + {inputs}) + {units})"
    # GRU with reset_after=True (Keras 3's default) keeps a second bias for the recurrent kernel.
    return 3 * (core + units), f"3 × ({units} × ({units} + {inputs}) + 2 × {units})"


def summarise(task: str, cell: str, units: int, input_shape: tuple[int, ...], outputs: int,
              layers: int = 1, vocabulary: int | None = None) -> list[LayerRow]:
    """Every layer with its per-step tensors, output shape and parameter formula, without building anything.

    `vocabulary` makes a classifier read (T,) word ids through a learned vector per word."""
    _check(task, cell, units, input_shape, outputs, layers, vocabulary)
    steps = int(input_shape[0])
    rows = []
    tokens = _tokens(task, outputs, vocabulary)
    inputs = EMBEDDING if tokens else int(input_shape[1])
    if tokens:
        noun = "character" if task == "next_char" else "word"
        rows.append(LayerRow("embedding", "Embedding", f"{noun} id → x_t ({EMBEDDING})", (steps, EMBEDDING),
                             tokens * EMBEDDING, f"{tokens} {noun}s × {EMBEDDING}"))
    for index in range(layers):
        sequences = index < layers - 1 or task == "next_char"
        count, formula = cell_parameters(cell, units, inputs)
        carried = f"h_t ({units})" + (f", c_t ({units})" if cell == "lstm" else "")
        rows.append(LayerRow(f"{cell}_{index + 1}", CELLS[cell], f"x_t ({inputs}) + h_t−1 → {carried}",
                             (steps, units) if sequences else (units,), count, formula))
        inputs = units
    activation = "linear" if task == "forecast" else "softmax"
    shape = (steps, outputs) if task == "next_char" else (outputs,)
    rows.append(LayerRow("output", f"Dense ({activation})", "at every step" if task == "next_char" else "after the last step",
                         shape, units * outputs + outputs, f"{units} × {outputs} + {outputs}"))
    total = sum(row.parameters for row in rows)
    if total > MAX_PARAMETERS:
        raise RecurrentError(f"This model would have {total:,} parameters; the limit here is {MAX_PARAMETERS:,}. "
                             "Use fewer units or layers.")
    return rows


def build(task: str, cell: str = "lstm", units: int = 32, input_shape: tuple[int, ...] = (12, 1), outputs: int = 1,
          layers: int = 1, seed: int = 0, vocabulary: int | None = None) -> Any:
    """A Keras model: recurrent layers then a Dense head (linear for a forecast, softmax for classes).

    A next-character model takes (T,) character ids, learns a vector per character, and predicts the next
    character at every step; the others read (T, features) and answer after the last step."""
    summarise(task, cell, units, input_shape, outputs, layers, vocabulary)
    keras.utils.set_random_seed(seed)
    layer_class = getattr(keras.layers, CELLS[cell])
    tokens = _tokens(task, outputs, vocabulary)
    stack: list[Any] = [keras.Input(tuple(int(d) for d in input_shape), dtype="int32" if tokens else "float32")]
    if tokens:
        stack.append(keras.layers.Embedding(tokens, EMBEDDING, name="embedding"))
    for index in range(layers):
        stack.append(layer_class(units, return_sequences=index < layers - 1 or task == "next_char",
                                 name=f"{cell}_{index + 1}"))
    stack.append(keras.layers.Dense(outputs, activation="linear" if task == "forecast" else "softmax", name="output"))
    return keras.Sequential(stack, name=f"{CELLS[cell].lower()}_{task}")


def keras_code(task: str, cell: str, units: int, input_shape: tuple[int, ...], outputs: int, layers: int = 1,
               vocabulary: int | None = None) -> str:
    """The same model as Keras code a student can paste into a notebook."""
    summarise(task, cell, units, input_shape, outputs, layers, vocabulary)
    tokens = _tokens(task, outputs, vocabulary)
    shape = ", ".join(str(int(d)) for d in input_shape) + ("," if len(input_shape) == 1 else "")
    lines = ["import keras", "", "model = keras.Sequential(["]
    dtype = ', dtype="int32"' if tokens else ""
    lines.append(f"    keras.Input(({shape}){dtype}),")
    if tokens:
        lines.append(f"    keras.layers.Embedding({tokens}, {EMBEDDING}),")
    for index in range(layers):
        sequences = index < layers - 1 or task == "next_char"
        lines.append(f"    keras.layers.{CELLS[cell]}({units}{', return_sequences=True' if sequences else ''}),")
    lines.append(f"    keras.layers.Dense({outputs}, activation=\"{'linear' if task == 'forecast' else 'softmax'}\"),")
    lines.append("])")
    loss = "mse" if task == "forecast" else "sparse_categorical_crossentropy"
    lines.append(f'model.compile(optimizer="adam", loss="{loss}")')
    return "\n".join(lines)


# -- what the layers compute, from their own weights ----------------------------------------------
def recurrent_layers(model: Any) -> list[Any]:
    """The model's recurrent layers in order (SimpleRNN, LSTM, GRU)."""
    return [layer for layer in model.layers if type(layer).__name__ in CELLS.values()]


def cell_of(layer: Any) -> str:
    return {name: key for key, name in CELLS.items()}[type(layer).__name__]


def _first_recurrent(model: Any) -> tuple[Any, int]:
    for index, layer in enumerate(model.layers):
        if type(layer).__name__ in CELLS.values():
            return layer, index
        if type(layer).__name__ not in ("Embedding", "InputLayer"):
            break
    raise RecurrentError("This model does not start with a recurrent layer (SimpleRNN, LSTM or GRU), "
                         "optionally after an Embedding.")


def _activation(layer: Any, attribute: str):
    function = getattr(layer.cell, attribute)
    name = getattr(function, "__name__", str(function))
    if name not in ACTIVATIONS:
        raise RecurrentError(f"Layer {layer.name} uses the {name} activation, which this view cannot unroll.")
    return ACTIVATIONS[name]


def layer_inputs(model: Any, sequence: np.ndarray) -> np.ndarray:
    """What the first recurrent layer reads at each step (T, features): the sequence itself, or the learned
    vectors of its characters."""
    layer, index = _first_recurrent(model)
    sequence = np.asarray(sequence)
    expected = tuple(model.input_shape[1:])
    if sequence.shape != expected and sequence.shape[1:] != expected[1:]:
        raise RecurrentError(f"The model reads sequences shaped {expected}; this one is {sequence.shape}.")
    if index == 0:
        return sequence.astype(np.float32)
    embedding = model.layers[index - 1].get_weights()[0]
    ids = sequence.astype(np.int64)
    if ids.min(initial=0) < 0 or ids.max(initial=0) >= len(embedding):
        raise RecurrentError("The sequence holds character ids the model does not know.")
    return embedding[ids].astype(np.float32)


def unroll(layer: Any, inputs: np.ndarray, state: tuple[np.ndarray, ...] | None = None) -> dict[str, np.ndarray]:
    """Run one recurrent layer over inputs (T, features) step by step with its own weights.

    Returns "hidden" (T, units) and, for an LSTM, "input", "forget", "candidate", "output" gates and "cell"
    state; for a GRU "update", "reset" and "candidate" — each (T, units) — plus "state", the state after
    the last step (pass it back as `state` to continue, as text generation does)."""
    cell = cell_of(layer)
    if getattr(layer, "go_backwards", False):
        raise RecurrentError(f"Layer {layer.name} reads its sequence backwards, which this view does not unroll.")
    weights = layer.get_weights()
    kernel, recurrent = weights[0].astype(np.float64), weights[1].astype(np.float64)
    bias = weights[2].astype(np.float64) if len(weights) > 2 else np.zeros((kernel.shape[1],))
    units = recurrent.shape[0]
    act = _activation(layer, "activation")
    x = np.asarray(inputs, dtype=np.float64)
    projected = x @ kernel  # every step's input projection at once: (T, gates × units)
    h = np.zeros(units) if state is None else np.asarray(state[0], dtype=np.float64)
    steps = len(x)
    out = {"hidden": np.empty((steps, units))}
    if cell == "simple":
        for t in range(steps):
            h = act(projected[t] + bias + h @ recurrent)
            out["hidden"][t] = h
        out["state"] = (h,)
    elif cell == "lstm":
        gate = _activation(layer, "recurrent_activation")
        c = np.zeros(units) if state is None else np.asarray(state[1], dtype=np.float64)
        for key in ("input", "forget", "candidate", "output", "cell"):
            out[key] = np.empty((steps, units))
        for t in range(steps):
            z = projected[t] + h @ recurrent + bias
            i, f, g, o = gate(z[:units]), gate(z[units:2 * units]), act(z[2 * units:3 * units]), gate(z[3 * units:])
            c = f * c + i * g
            h = o * act(c)
            out["input"][t], out["forget"][t], out["candidate"][t], out["output"][t] = i, f, g, o
            out["cell"][t], out["hidden"][t] = c, h
        out["state"] = (h, c)
    else:
        gate = _activation(layer, "recurrent_activation")
        reset_after = bool(getattr(layer.cell, "reset_after", True))
        input_bias, recurrent_bias = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros_like(bias))
        for key in ("update", "reset", "candidate"):
            out[key] = np.empty((steps, units))
        for t in range(steps):
            xz, xr, xh = np.split(projected[t] + input_bias, 3)
            if reset_after:
                rz, rr, rh = np.split(h @ recurrent + recurrent_bias, 3)
                z, r = gate(xz + rz), gate(xr + rr)
                candidate = act(xh + r * rh)
            else:
                rz, rr = np.split(h @ recurrent[:, :2 * units], 2)
                z, r = gate(xz + rz), gate(xr + rr)
                candidate = act(xh + (r * h) @ recurrent[:, 2 * units:])
            h = z * h + (1 - z) * candidate
            out["update"][t], out["reset"][t], out["candidate"][t], out["hidden"][t] = z, r, candidate, h
        out["state"] = (h,)
    return out


def hidden_states(model: Any, sequence: np.ndarray) -> np.ndarray:
    """The first recurrent layer's hidden state after each step, (T, units), for one sequence."""
    layer, _ = _first_recurrent(model)
    return unroll(layer, layer_inputs(model, sequence))["hidden"].astype(np.float32)


def gates(model: Any, sequence: np.ndarray) -> dict[str, np.ndarray]:
    """An LSTM first layer's input, forget and output gates and its cell state c_t, each (T, units)."""
    layer, _ = _first_recurrent(model)
    if cell_of(layer) != "lstm":
        raise RecurrentError(f"Gates are shown for an LSTM; this model's first recurrent layer is a {type(layer).__name__}.")
    steps = unroll(layer, layer_inputs(model, sequence))
    return {key: steps[name].astype(np.float32) for key, name in
            (("input", "input"), ("forget", "forget"), ("cell", "cell"), ("output", "output"))}


def layer_steps(model: Any, sequence: np.ndarray) -> dict[str, np.ndarray]:
    """Everything the first recurrent layer computes at each step (hidden state, and gates for LSTM and GRU)."""
    layer, _ = _first_recurrent(model)
    steps = unroll(layer, layer_inputs(model, sequence))
    steps.pop("state")
    return {key: value.astype(np.float32) for key, value in steps.items()}


def forward_steps(model: Any, sequence: np.ndarray) -> np.ndarray:
    """The model's output as if the sequence ended after each step: (T, outputs).

    For a classifier this is the network making up its mind as it reads; its last row is the model's answer.
    Computed by unrolling every recurrent layer with its weights and applying the Dense head to each step."""
    layers = recurrent_layers(model)
    if not layers:
        raise RecurrentError("This model has no recurrent layer.")
    values = layer_inputs(model, sequence)
    for layer in layers:
        values = unroll(layer, values)["hidden"]
    head = model.layers[-1]
    if type(head).__name__ != "Dense":
        raise RecurrentError("This view needs a model that ends with a Dense layer.")
    kernel, bias = (w.astype(np.float64) for w in head.get_weights())
    logits = values @ kernel + bias
    if getattr(head.activation, "__name__", "") == "softmax":
        logits = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (logits / logits.sum(axis=1, keepdims=True)).astype(np.float32)
    return logits.astype(np.float32)


def input_gradients(model: Any, sequence: np.ndarray, target: Any) -> np.ndarray:
    """‖∂loss/∂x_t‖ for each step t, (T,): how much the loss on the model's last answer depends on each input step.

    `target` is the true value (forecast) or class (classifier, or the character after the sequence); the
    loss is the model's own (squared error or cross-entropy) on the last step's output. For a text model
    x_t is the learned vector of the t-th character."""
    layer, index = _first_recurrent(model)
    inputs = tf.constant(layer_inputs(model, sequence)[None])
    tail = model.layers[index:]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        output = inputs
        for part in tail:
            output = part(output)
        last = output[:, -1] if len(output.shape) == 3 else output
        if type(tail[-1]).__name__ == "Dense" and getattr(tail[-1].activation, "__name__", "") == "softmax":
            label = int(np.ravel(target)[-1])
            if not 0 <= label < last.shape[-1]:
                raise RecurrentError(f"The target class {label} does not exist (the model has {last.shape[-1]} classes).")
            loss = -tf.math.log(tf.clip_by_value(last[0, label], 1e-7, 1.0))
        else:
            loss = tf.reduce_mean(tf.square(last[0] - tf.constant(np.ravel(target), dtype=last.dtype)))
    gradient = tape.gradient(loss, inputs)[0].numpy()
    return np.sqrt(np.sum(gradient.astype(np.float64) ** 2, axis=-1))


# -- what the page asks of a trained model ----------------------------------------------------------
def generate(model: Any, prompt_ids: np.ndarray, length: int, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
    """Character ids the model writes after `prompt_ids`, one at a time, each drawn from its predicted
    probabilities sharpened (temperature < 1) or flattened (> 1); the states carry on from step to step."""
    if not 0.05 <= float(temperature) <= 5:
        raise RecurrentError("The temperature must be between 0.05 and 5.")
    if len(prompt_ids) == 0:
        raise RecurrentError("Give the model at least one character to start from.")
    layers = recurrent_layers(model)
    head = model.layers[-1]
    kernel, bias = (w.astype(np.float64) for w in head.get_weights())
    states: list[Any] = [None] * len(layers)
    rng = np.random.default_rng(seed)
    written: list[int] = []
    step = np.asarray(prompt_ids)
    for _ in range(int(length)):
        values = layer_inputs(model, step)
        for index, layer in enumerate(layers):
            result = unroll(layer, values, states[index])
            values, states[index] = result["hidden"], result["state"]
        logits = (values[-1] @ kernel + bias) / float(temperature)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        written.append(int(rng.choice(len(probabilities), p=probabilities)))
        step = np.array(written[-1:])
    return np.array(written, dtype=np.int32)


def forecast(model: Any, window: np.ndarray, horizon: int) -> np.ndarray:
    """Multi-step forecast: predict the next value, append it to the window, drop the oldest, repeat."""
    window = np.asarray(window, dtype=np.float32).reshape(1, -1, 1)
    predictions = []
    predict = model.predict_on_batch if hasattr(model, "predict_on_batch") else model.predict
    for _ in range(int(horizon)):
        value = float(np.ravel(predict(window))[0])
        predictions.append(value)
        window = np.concatenate([window[:, 1:], np.full((1, 1, 1), value, np.float32)], axis=1)
    return np.array(predictions)


@dataclass(frozen=True)
class ForecastComparison:
    """One-step forecasts of the test part by the network and two baselines, with their errors, in series units."""

    truth: np.ndarray
    network: np.ndarray
    naive: np.ndarray  # tomorrow = today
    linear: np.ndarray  # least-squares autoregression on the same window
    errors: dict[str, dict[str, float]]  # {"network": {"MAE": …, "RMSE": …}, …}


def linear_autoregression(x_train: np.ndarray, y_train: np.ndarray) -> np.ndarray:
    """Least-squares weights (and a last bias term) predicting the next value from the window."""
    design = np.c_[x_train.reshape(len(x_train), -1), np.ones(len(x_train))]
    return np.linalg.lstsq(design, np.ravel(y_train), rcond=None)[0]


def compare_forecasts(model: Any, data: Any) -> ForecastComparison:
    """The network's one-step test forecasts against the naive last-value and the linear autoregressive ones."""
    x, y = data.x_test, data.y_test
    network = np.ravel(model.predict(x, verbose=0, batch_size=256))
    naive = x[:, -1, 0]
    weights = linear_autoregression(data.x_train, data.y_train)
    linear = np.c_[x.reshape(len(x), -1), np.ones(len(x))] @ weights
    truth = data.unscale(np.ravel(y))
    results = {name: data.unscale(values) for name, values in (("network", network), ("naive", naive), ("linear", linear))}
    errors = {name: {"MAE": float(np.mean(np.abs(values - truth))), "RMSE": float(np.sqrt(np.mean((values - truth) ** 2)))}
              for name, values in results.items()}
    return ForecastComparison(truth, results["network"], results["naive"], results["linear"], errors)


def bits_per_character(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    """Average −log₂ p(next character) over every position of held-out windows."""
    probabilities = model.predict(x, verbose=0, batch_size=batch_size)
    picked = np.take_along_axis(probabilities, y[..., None].astype(np.int64), axis=-1)[..., 0]
    return float(-np.mean(np.log2(np.clip(picked, 1e-12, 1.0))))


def top_units(states: np.ndarray, mask: np.ndarray, count: int = 8) -> list[tuple[int, float]]:
    """Units whose activation is highest where `mask` is true compared with where it is not: (unit, difference)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any() or mask.all():
        raise RecurrentError("The pattern must occur somewhere in the text, but not everywhere.")
    difference = states[mask].mean(axis=0) - states[~mask].mean(axis=0)
    order = np.argsort(-np.abs(difference))[:count]
    return [(int(unit), float(difference[unit])) for unit in order]


@dataclass(frozen=True)
class TextEvaluation:
    """How well a next-character model predicts held-out text, against knowing only letter frequencies."""

    bits_per_character: float
    unigram_bits: float
    accuracy: float


def evaluate(model: Any, data: sequences.SequenceDataset) -> Any:
    """The test-set verdict for the data's task: forecasts vs baselines, a classifier's accuracy, or bits per character."""
    if data.task == "forecast":
        return compare_forecasts(model, data)
    if data.task == "classify":
        return training.evaluate(model, data)
    probabilities = model.predict(data.x_test, verbose=0, batch_size=256)
    picked = np.take_along_axis(probabilities, data.y_test[..., None].astype(np.int64), axis=-1)[..., 0]
    return TextEvaluation(float(-np.mean(np.log2(np.clip(picked, 1e-12, 1.0)))), sequences.unigram_entropy(data),
                          float(np.mean(np.argmax(probabilities, axis=-1) == data.y_test)))


def task_for(data: sequences.SequenceDataset) -> training.Task:
    """What the training engine optimises for this data: squared error for a forecast, cross-entropy otherwise."""
    return training.regress("mse") if data.task == "forecast" else training.classify(data.num_classes)


# -- why LSTMs exist ---------------------------------------------------------------------------------
COMPARISON_CONFIG = training.TrainConfig(epochs=10, batch_size=32, learning_rate=1e-2)

@dataclass
class CellComparison:
    """SimpleRNN, LSTM and GRU trained on the same memory task: accuracy against delay, and gradient sizes."""

    delays: list[int]
    length: int
    accuracy: dict[str, dict[int, float]]
    gradients_before: dict[str, np.ndarray]  # ‖∂loss/∂x_t‖ at initialisation, for the longest delay's first test sequence
    gradients_after: dict[str, np.ndarray]  # the same after training
    chance: float


def compare_cells(delays: tuple[int, ...] = (2, 5, 10, 20), cells: tuple[str, ...] = ("simple", "lstm", "gru"),
                  units: int = 16, config: training.TrainConfig | None = None,
                  hooks: training.Hooks | None = None) -> tuple[CellComparison, training.TrainingRun]:
    """Train each cell on "repeat the symbol seen k steps ago" for each delay k (same data, sizes and seeds),
    and measure how much the loss depends on each input step before and after training."""
    delays = sorted({int(d) for d in delays})
    if not delays or delays[0] < 1 or delays[-1] >= MAX_STEPS:
        raise RecurrentError(f"Delays must be between 1 and {MAX_STEPS - 1}.")
    config = config or COMPARISON_CONFIG
    hooks = hooks or training.Hooks()
    total = len(delays) * len(cells)
    combined = training.TrainingRun(None, training.TrainConfig(**{**config.__dict__, "epochs": total * config.epochs}))
    comparison = CellComparison(delays, delays[-1] + 1, {cell: {} for cell in cells}, {}, {}, 0.0)
    for number, (cell, delay) in enumerate((cell, delay) for cell in cells for delay in delays):
        data = sequences.recall(delay, count=2000, seed=config.seed)  # the symbol to repeat comes first
        comparison.chance = 1 / data.num_classes
        model = build("classify", cell, units, data.input_shape, data.num_classes, seed=config.seed)
        probe = (data.x_test[0], int(data.y_test[0]))
        if delay == delays[-1]:
            comparison.gradients_before[cell] = input_gradients(model, *probe)

        def on_batch(progress: training.Progress, offset: int = number * config.epochs) -> None:
            if hooks.on_batch is not None:
                hooks.on_batch(training.Progress(offset + progress.epoch, total * config.epochs, progress.batch,
                                                 progress.batches))

        def on_epoch(run: training.TrainingRun, offset: int = number * config.epochs, label: str = f"{cell} k={delay}") -> None:
            row = {**run.history[-1], "epoch": offset + run.history[-1]["epoch"], "model": label}
            combined.history.append(row)
            if hooks.on_epoch is not None:
                hooks.on_epoch(combined)

        run = training.train(model, data, config, training.classify(data.num_classes), on_epoch=on_epoch,
                             on_batch=on_batch, stop=hooks.stop)
        combined.seconds += run.seconds
        if run.stopped:
            combined.stopped = run.stopped
            break
        comparison.accuracy[cell][delay] = training.evaluate(model, data).accuracy
        if delay == delays[-1]:
            comparison.gradients_after[cell] = input_gradients(model, *probe)
    return comparison, combined
