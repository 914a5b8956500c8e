"""Restricted Boltzmann machines and deep belief networks, trained by contrastive divergence in TensorFlow.

An RBM has a layer of visible units (the pixels) and a layer of hidden units, every visible unit joined
to every hidden one and no unit joined to another of its own layer. Its energy
E(v, h) = −v·b − h·c − v·W·h scores a picture and a hidden pattern together; low energy is likely.
Training lowers the energy of the data (the positive phase) and raises the energy of what the model
itself dreams up by Gibbs sampling (the negative phase): CD-k starts that chain at the data and runs k
steps, persistent CD keeps one chain running across updates. The update is written out directly as a
`tf.function`, no gradient tape: ΔW = lr · (⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model).

An `RBM` is a `training.Learner`, so the shared engine trains it (Stop, snapshots, the queue). Its random
numbers are inputs of the update step, so a test can hand the same ones to a NumPy implementation. A
`DBN` stacks RBMs greedily and becomes a Keras network (`to_keras`) whose dense layers start from them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from dlviz.runtime import keras, tf
from dlviz.training import training

MAX_VISIBLE = 64 * 64 * 3  # the largest uploaded images: 64×64 colour
MAX_HIDDEN = 4096
MAX_PARAMETERS = 16_000_000
MAX_K = 25
MAX_GIBBS_STEPS = 10_000
MAX_LAYERS = 5
MAX_EPOCHS = training.MAX_EPOCHS
MONITOR_ROWS = 500  # rows the per-epoch curves are computed on (a fixed, evenly spread subset)
PSEUDO_LIKELIHOOD_PIXELS = 64  # more pixels than this: estimated from this many, picked at random
CALL_FLOPS = 2e8  # work per call of the compiled update loop: enough to hide the call, small enough to Stop fast
MAX_BATCHES_PER_CALL = 256


class RBMError(ValueError):
    """Settings or data an RBM cannot use, explained in a sentence."""


# -- checking what comes in ---------------------------------------------------------------------
def as_rows(x: Any, n_visible: int | None = None, what: str = "The images") -> np.ndarray:
    """Images (N, H, W[, C]) or rows (N, n_visible) in [0, 1] as float32 rows (N, n_visible); anything else refused."""
    try:
        array = np.asarray(x)
    except (ValueError, TypeError):
        raise RBMError(f"{what} are not an array of numbers.") from None
    if array.dtype.kind not in "biuf":
        raise RBMError(f"{what} must be numbers (pixel values between 0 and 1); got {array.dtype.name} values.")
    if array.ndim < 2 or array.ndim > 4:
        raise RBMError(f"{what} must be a set of images (N, height, width[, channels]) or of rows (N, pixels); "
                       f"the array has shape {array.shape}.")
    if len(array) == 0:
        raise RBMError(f"{what} are an empty set: there is nothing to work on.")
    rows = array.reshape(len(array), -1)
    if rows.shape[1] == 0:
        raise RBMError(f"{what} have no pixels.")
    if n_visible is not None and rows.shape[1] != n_visible:
        raise RBMError(f"{what} have {rows.shape[1]} pixels each but this RBM has {n_visible} visible units; "
                       "use images of the size it was built for.")
    rows = rows.astype(np.float32, copy=False)
    if not np.all(np.isfinite(rows)):
        raise RBMError(f"{what} contain NaN or infinite values.")
    low, high = float(rows.min()), float(rows.max())
    if low < 0 or high > 1:
        raise RBMError(f"An RBM's visible units are probabilities, so pixel values must lie between 0 and 1; "
                       f"these run from {low:g} to {high:g}. Scale them first (for 8-bit images, divide by 255).")
    return rows


def binarise(x: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Black-and-white images: each pixel 1 where it is above `threshold`, else 0."""
    return (np.asarray(x) > threshold).astype(np.float32)


def _check_settings(n_visible: int, n_hidden: int, k: int, learning_rate: float, momentum: float,
                    weight_decay: float) -> None:
    for name, value, top in (("visible units", n_visible, MAX_VISIBLE), ("hidden units", n_hidden, MAX_HIDDEN)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 1 <= value <= top:
            raise RBMError(f"The number of {name} must be a whole number from 1 to {top:,}; got {value!r}.")
    if n_visible * n_hidden > MAX_PARAMETERS:
        raise RBMError(f"{n_visible:,} visible × {n_hidden:,} hidden units is {n_visible * n_hidden:,} weights; "
                       f"the limit is {MAX_PARAMETERS:,}. Use fewer hidden units or smaller images.")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= MAX_K:
        raise RBMError(f"CD-k needs k from 1 to {MAX_K} Gibbs steps; got {k!r}.")
    if not isinstance(learning_rate, int | float) or not math.isfinite(learning_rate) or not 0 < learning_rate <= 10:
        raise RBMError(f"The learning rate must be a positive number up to 10 (typical: 0.01 to 0.1); got {learning_rate!r}.")
    if not isinstance(momentum, int | float) or not 0 <= momentum < 1:
        raise RBMError(f"The momentum must be at least 0 and below 1 (typical: 0.5 to 0.9); got {momentum!r}.")
    if not isinstance(weight_decay, int | float) or not 0 <= weight_decay < 1:
        raise RBMError(f"The weight decay must be at least 0 and below 1 (typical: 0.0001); got {weight_decay!r}.")


# -- the TensorFlow functions (built on first use: TensorFlow loads lazily) --------------------------
_functions: SimpleNamespace | None = None
_functions_lock = threading.Lock()


def _tf() -> SimpleNamespace:
    global _functions
    with _functions_lock:
        if _functions is None:
            _functions = _build_functions()
        return _functions


def _bernoulli(noise, probabilities):
    """A sample of 0/1 units: each is 1 where its uniform random number falls below its probability."""
    return tf.cast(noise < probabilities, tf.float32)


def _cd_update(params, v0, mask, hidden_noise, visible_noise, hyper, persistent: bool):
    """One contrastive-divergence update from one batch, in place; returns the batch's reconstruction error.

    params: weights W (V, H), visible bias b, hidden bias c, their velocities, and the persistent chain's
    hidden states (B, H). v0: the batch (B, V); mask (B,): 1 for real rows, 0 for padding. The k Gibbs
    steps draw their samples with hidden_noise (k, B, H) and visible_noise (k, B, V), uniform in [0, 1).
    hyper: [learning rate, momentum, weight decay]."""
    weights, visible_bias, hidden_bias, weights_velocity, visible_velocity, hidden_velocity, chain = params
    with tf.name_scope("settings"):
        learning_rate, momentum, decay = tf.unstack(hyper)
    with tf.name_scope("batch"):  # each real row's share of an average; an all-padding batch changes nothing
        count = tf.reduce_sum(mask)
        active = tf.cast(count > 0, tf.float32)
        rows = mask[:, None] / tf.maximum(count, 1.0)
    w = weights.read_value()
    with tf.name_scope("positive_phase"):  # what the data says: hidden probabilities given the pictures
        h_data = tf.sigmoid(tf.matmul(v0, w) + hidden_bias)
        positive = tf.matmul(v0 * rows, h_data, transpose_a=True)
    with tf.name_scope("reconstruction_error"):  # one pass up and down, before this update
        reconstruction = tf.sigmoid(tf.matmul(h_data, w, transpose_b=True) + visible_bias)
        loss = tf.reduce_sum(mask * tf.reduce_mean(tf.square(v0 - reconstruction), 1)) / tf.maximum(count, 1.0)
    with tf.name_scope("negative_phase"):  # what the model dreams: k steps of Gibbs sampling
        k = hidden_noise.shape[0]
        if persistent:
            h, model_rows = chain.read_value(), tf.fill(tf.shape(mask[:, None]), 1.0 / tf.cast(tf.size(mask), tf.float32))
        else:
            h, model_rows = _bernoulli(hidden_noise[0], h_data), rows
        for step in range(k):
            v_model = _bernoulli(visible_noise[step], tf.sigmoid(tf.matmul(h, w, transpose_b=True) + visible_bias))
            h_model = tf.sigmoid(tf.matmul(v_model, w) + hidden_bias)
            if persistent:
                h = _bernoulli(hidden_noise[step], h_model)
            elif step + 1 < k:
                h = _bernoulli(hidden_noise[step + 1], h_model)
        negative = tf.matmul(v_model * model_rows, h_model, transpose_a=True)
    with tf.name_scope("update"):  # positive − negative phase, with momentum and weight decay; no gradient tape
        new_velocity_w = momentum * weights_velocity + learning_rate * (positive - negative - decay * w)
        new_velocity_b = momentum * visible_velocity + learning_rate * (
            tf.reduce_sum(v0 * rows, 0) - tf.reduce_sum(v_model * model_rows, 0))
        new_velocity_c = momentum * hidden_velocity + learning_rate * (
            tf.reduce_sum(h_data * rows, 0) - tf.reduce_sum(h_model * model_rows, 0))
        for variable, new in ((weights_velocity, new_velocity_w), (visible_velocity, new_velocity_b),
                              (hidden_velocity, new_velocity_c)):
            variable.assign(active * new + (1.0 - active) * variable)
        weights.assign_add(active * new_velocity_w)
        visible_bias.assign_add(active * new_velocity_b)
        hidden_bias.assign_add(active * new_velocity_c)
        if persistent:
            chain.assign(active * h + (1.0 - active) * chain)
    return loss


def _cd_loop(params, batches, masks, hidden_noise, visible_noise, hyper, persistent: bool):
    """Many updates in one call (a loop inside the graph), so tiny batches are not slowed by Python."""
    n = tf.shape(batches)[0]
    losses = tf.TensorArray(tf.float32, size=n)
    for i in tf.range(n):
        losses = losses.write(i, _cd_update(params, batches[i], masks[i], hidden_noise[i], visible_noise[i], hyper,
                                            persistent))
    return losses.stack()


def _build_functions() -> SimpleNamespace:
    def hidden(weights, hidden_bias, v):
        return tf.sigmoid(tf.matmul(v, weights) + hidden_bias)

    def visible(weights, visible_bias, h):
        return tf.sigmoid(tf.matmul(h, weights, transpose_b=True) + visible_bias)

    def free_energy(weights, visible_bias, hidden_bias, v):
        return -tf.linalg.matvec(v, visible_bias) - tf.reduce_sum(tf.nn.softplus(tf.matmul(v, weights) + hidden_bias), 1)

    def pseudo_likelihood(weights, visible_bias, hidden_bias, v, pixels, scale):
        # log P(v_i | all other pixels) = −softplus(F(v) − F(v with pixel i flipped)), summed over pixels.
        x = tf.matmul(v, weights) + hidden_bias  # (N, H)
        flips = 1.0 - 2.0 * tf.gather(v, pixels, axis=1)  # (N, P): +1 turns a 0 into 1, −1 a 1 into 0
        flipped = x[:, None, :] + flips[:, :, None] * tf.gather(weights, pixels)[None]  # (N, P, H)
        change = -flips * tf.gather(visible_bias, pixels) - tf.reduce_sum(
            tf.nn.softplus(flipped) - tf.nn.softplus(x)[:, None, :], 2)  # F(flipped) − F(v)
        return -scale * tf.reduce_sum(tf.nn.softplus(-change), 1)

    def gibbs(weights, visible_bias, hidden_bias, v, first, last, seed):
        # Steps first+1 … last; each step's random numbers depend on the seed and the step number alone, so a
        # chain run in pieces is the same chain.
        probabilities = v
        for step in tf.range(first, last):
            h = _bernoulli(tf.random.stateless_uniform(tf.concat([tf.shape(v)[:1], tf.shape(hidden_bias)], 0),
                                                       [seed, 2 * step]),
                           tf.sigmoid(tf.matmul(v, weights) + hidden_bias))
            probabilities = tf.sigmoid(tf.matmul(h, weights, transpose_b=True) + visible_bias)
            v = _bernoulli(tf.random.stateless_uniform(tf.shape(v), [seed, 2 * step + 1]), probabilities)
        return v, probabilities

    def loop(params, batches, masks, hidden_noise, visible_noise, hyper, persistent):
        return _cd_loop(params, batches, masks, hidden_noise, visible_noise, hyper, persistent)

    def function(python):  # any number of images without a new trace for each
        return tf.function(python, reduce_retracing=True)

    return SimpleNamespace(
        hidden=function(hidden), visible=function(visible), free_energy=function(free_energy),
        pseudo_likelihood=function(pseudo_likelihood), gibbs=function(gibbs),
        update=tf.function(_cd_update),  # one step, as the graph view draws it
        loop=tf.function(loop, jit_compile=True),  # the same step in a loop, compiled by XLA for speed
        loop_plain=tf.function(loop),  # used if XLA is unavailable
        jit=[True],
    )


# -- the machine ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class GibbsChain:
    """A Gibbs chain's visible probabilities at the recorded steps: visible[s] is (N, n_visible) at steps[s]."""

    steps: list[int]
    visible: np.ndarray


class RBM:
    """A Bernoulli–Bernoulli restricted Boltzmann machine trained by CD-k or persistent CD."""

    def __init__(self, n_visible: int, n_hidden: int, k: int = 1, learning_rate: float = 0.1,
                 persistent: bool = False, seed: int = 0, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        _check_settings(n_visible, n_hidden, k, learning_rate, momentum, weight_decay)
        self.n_visible, self.n_hidden, self.k = int(n_visible), int(n_hidden), int(k)
        self.learning_rate, self.momentum, self.weight_decay = float(learning_rate), float(momentum), float(weight_decay)
        self.persistent, self.seed = bool(persistent), int(seed)
        rng = np.random.default_rng(seed)
        self._weights = tf.Variable(rng.normal(0, 0.01, (n_visible, n_hidden)).astype(np.float32), name="W")
        self._visible_bias = tf.Variable(np.zeros(n_visible, np.float32), name="b")
        self._hidden_bias = tf.Variable(np.zeros(n_hidden, np.float32), name="c")
        self._velocities = [tf.Variable(tf.zeros_like(v), name=f"velocity_{v.name.split(':')[0]}")
                            for v in (self._weights, self._visible_bias, self._hidden_bias)]
        self._chain = tf.Variable(np.zeros((1, n_hidden), np.float32), shape=tf.TensorShape([None, n_hidden]),
                                  name="persistent_chain")
        self._noise = np.random.default_rng([seed, 1])  # the Gibbs samples' uniform random numbers (NumPy: fast, seeded)
        self._hyper = tf.constant([learning_rate, momentum, weight_decay], tf.float32)
        self._monitor_pixels = np.sort(np.random.default_rng(seed + 1).choice(
            n_visible, min(n_visible, PSEUDO_LIKELIHOOD_PIXELS), replace=False))
        self._per_call = 1  # batches per compiled call, planned by `batches_per_call`
        self.monitor = True  # compute the curves after each epoch

    @classmethod
    def from_parameters(cls, weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray, **settings) -> RBM:
        """An RBM with given parameters (e.g. scikit-learn's `components_.T`, `intercept_visible_`, `intercept_hidden_`)."""
        weights = np.asarray(weights, np.float32)
        if weights.ndim != 2 or np.shape(visible_bias) != weights.shape[:1] or np.shape(hidden_bias) != weights.shape[1:]:
            raise RBMError("The weights must be (visible, hidden) with one visible bias per row and one hidden bias per column.")
        machine = cls(weights.shape[0], weights.shape[1], **settings)
        machine.set_weights([weights, visible_bias, hidden_bias])
        return machine

    # -- parameters --
    @property
    def weights(self) -> np.ndarray:
        return self._weights.numpy()

    @property
    def visible_bias(self) -> np.ndarray:
        return self._visible_bias.numpy()

    @property
    def hidden_bias(self) -> np.ndarray:
        return self._hidden_bias.numpy()

    def get_weights(self) -> list[np.ndarray]:
        """[weights, visible bias, hidden bias] as NumPy arrays (for snapshots)."""
        return [self.weights, self.visible_bias, self.hidden_bias]

    def set_weights(self, parameters: Sequence[np.ndarray]) -> None:
        for variable, value in zip((self._weights, self._visible_bias, self._hidden_bias), parameters):
            variable.assign(np.asarray(value, np.float32).reshape(variable.shape))

    def _params(self) -> tuple:
        return (self._weights, self._visible_bias, self._hidden_bias, *self._velocities, self._chain)

    # -- training --
    def cd_steps(self, batches: np.ndarray, hidden_noise: np.ndarray, visible_noise: np.ndarray,
                 masks: np.ndarray | None = None) -> np.ndarray:
        """Updates from consecutive batches (n, B, V) with the given uniform random numbers, hidden (n, k, B, H)
        and visible (n, k, B, V); `masks` (n, B) marks real rows (1) and padding (0). Returns each batch's
        reconstruction error."""
        batches = np.asarray(batches, np.float32)
        n, size = batches.shape[:2]
        if tuple(hidden_noise.shape) != (n, self.k, size, self.n_hidden) or tuple(visible_noise.shape) != (n, self.k, size, self.n_visible):
            raise RBMError(f"CD-{self.k} on {n} batch(es) of {size} needs hidden noise {(n, self.k, size, self.n_hidden)} "
                           f"and visible noise {(n, self.k, size, self.n_visible)}.")
        masks = np.ones((n, size), np.float32) if masks is None else np.asarray(masks, np.float32)
        if self.persistent and self._chain.shape[0] != size:
            self._chain.assign(np.zeros((size, self.n_hidden), np.float32))  # a chain per row of the batch, from h = 0
        functions = _tf()
        arguments = (self._params(), batches, masks, tf.convert_to_tensor(hidden_noise, tf.float32),
                     tf.convert_to_tensor(visible_noise, tf.float32), self._hyper, self.persistent)
        if functions.jit[0]:
            try:
                return functions.loop(*arguments).numpy()
            except (tf.errors.UnimplementedError, tf.errors.NotFoundError):  # no XLA on this machine
                functions.jit[0] = False
        return functions.loop_plain(*arguments).numpy()

    def cd_step(self, v0: np.ndarray, hidden_noise: np.ndarray, visible_noise: np.ndarray) -> float:
        """One update from one batch (B, V) with the given uniform random numbers (k, B, H) and (k, B, V)."""
        v0 = as_rows(v0, self.n_visible, "The batch")
        return float(self.cd_steps(v0[None], np.asarray(hidden_noise)[None], np.asarray(visible_noise)[None])[0])

    def batches_per_call(self, batch_size: int, batches: int) -> int:
        """How many batches one compiled call trains on (the engine hands over that many at once): enough tiny
        batches to hide the cost of a call, few enough big ones that Stop answers quickly; spread evenly over
        an epoch's `batches`, so the padding of the last call is small."""
        flops = 2 * batch_size * self.n_visible * self.n_hidden * (2 * self.k + 3)
        most = int(np.clip(CALL_FLOPS // max(flops, 1), 1, MAX_BATCHES_PER_CALL))
        calls = math.ceil(max(1, batches) / most)
        self._per_call = math.ceil(max(1, batches) / calls)
        return self._per_call

    def train_batches(self, rows: np.ndarray, batch_size: int) -> list[float]:
        """Consecutive batches of `batch_size` rows (the last may be short), `batches_per_call` of them per
        compiled call, padded to that shape (so XLA compiles once); random numbers from this RBM's own
        seeded generator. Returns each batch's reconstruction error."""
        rows = np.asarray(rows, np.float32).reshape(len(rows), -1)
        per_call = max(1, getattr(self, "_per_call", 1))
        losses = []
        for start in range(0, len(rows), per_call * batch_size):
            part = rows[start:start + per_call * batch_size]
            count = math.ceil(len(part) / batch_size)
            batches = np.zeros((per_call, batch_size, self.n_visible), np.float32)
            masks = np.zeros((per_call, batch_size), np.float32)
            batches.reshape(-1, self.n_visible)[:len(part)] = part
            masks.reshape(-1)[:len(part)] = 1.0
            hidden_noise = self._noise.random((per_call, self.k, batch_size, self.n_hidden), dtype=np.float32)
            visible_noise = self._noise.random((per_call, self.k, batch_size, self.n_visible), dtype=np.float32)
            losses.extend(self.cd_steps(batches, hidden_noise, visible_noise, masks)[:count].tolist())
        return losses

    def train_batch(self, batch: np.ndarray) -> float:
        """One update from one batch; its reconstruction error."""
        self._per_call = 1
        return self.train_batches(batch, len(batch))[0]

    def epoch_metrics(self, x_train: np.ndarray, x_val: np.ndarray | None) -> dict[str, float]:
        """Reconstruction error, pseudo-likelihood and mean free energy on training and held-out images."""
        metrics: dict[str, float] = {}
        if not self.monitor:
            return metrics
        for prefix, x in (("", x_train), ("val_", x_val)):
            if x is None or len(x) == 0:
                continue
            rows = _monitor(np.asarray(x, np.float32).reshape(len(x), -1))
            metrics[prefix + "loss"] = self.reconstruction_error(rows)
            metrics[prefix + "pseudo_likelihood"] = float(np.mean(self.pseudo_likelihood(rows)))
            metrics[prefix + "free_energy"] = float(np.mean(self.free_energy(rows)))
        return metrics

    def fit(self, x: Any, epochs: int = 10, batch_size: int = 10, *, x_val: Any = None,
            on_epoch: Callable[[training.TrainingRun], None] | None = None,
            on_batch: Callable[[training.Progress], None] | None = None, stop: threading.Event | None = None,
            shuffle_seed: int | None = None, monitor: bool = True) -> training.TrainingRun:
        """Train on images in [0, 1] through the shared engine (shuffled batches, Stop, snapshots).

        With `monitor=False` no curves are computed after each epoch (for timing the training alone)."""
        self.monitor = monitor
        rows = as_rows(x, self.n_visible)
        val = as_rows(x_val, self.n_visible, "The held-out images") if x_val is not None else None
        config = self.train_config(epochs, batch_size, shuffle_seed)
        return training.train_learner(self, rows, config, x_val=val, on_epoch=on_epoch, on_batch=on_batch, stop=stop)

    def train_config(self, epochs: int, batch_size: int, shuffle_seed: int | None = None) -> training.TrainConfig:
        """The engine's settings for this RBM (its own learning rate; no validation split: held-out images are given)."""
        config = training.TrainConfig(int(epochs), int(batch_size), self.learning_rate,
                                      "momentum" if self.momentum else "sgd", 0.0,
                                      self.seed if shuffle_seed is None else int(shuffle_seed))
        try:
            config.check()
        except training.TrainingError as error:
            raise RBMError(str(error)) from None
        return config

    # -- what it computes --
    def transform(self, x: Any) -> np.ndarray:
        """Hidden probabilities P(h = 1 | v) for each image: (N, n_hidden). These are the RBM's features."""
        rows = as_rows(x, self.n_visible)
        return _tf().hidden(self._weights, self._hidden_bias, rows).numpy()

    def reconstruct(self, x: Any) -> np.ndarray:
        """One pass up and down with probabilities: P(v = 1 | h = P(h | v)), (N, n_visible)."""
        hidden = self.transform(x)
        return _tf().visible(self._weights, self._visible_bias, hidden).numpy()

    def reconstruction_error(self, x: Any) -> float:
        """Mean squared difference between the images and their reconstructions, over every pixel."""
        rows = as_rows(x, self.n_visible)
        return float(np.mean(np.square(rows - self.reconstruct(rows))))

    def free_energy(self, x: Any) -> np.ndarray:
        """F(v) = −v·b − Σ_j softplus(c_j + (vW)_j) for each image: (N,). Lower means more probable."""
        rows = as_rows(x, self.n_visible)
        return _tf().free_energy(self._weights, self._visible_bias, self._hidden_bias, rows).numpy()

    def pseudo_likelihood(self, x: Any) -> np.ndarray:
        """Σ_i log P(v_i | every other pixel) for each image: (N,). Exact for up to 64 pixels; for larger images
        it is estimated from 64 pixels picked at random (the same ones every epoch) and scaled up, like
        scikit-learn's one-pixel estimate but steadier. Meant for black-and-white images; on grey values a proxy."""
        rows = as_rows(x, self.n_visible)
        pixels = self._monitor_pixels
        scale = self.n_visible / len(pixels)
        chunk = max(1, int(8_000_000 // (len(pixels) * self.n_hidden)))
        parts = [_tf().pseudo_likelihood(self._weights, self._visible_bias, self._hidden_bias, rows[start:start + chunk],
                                         tf.constant(pixels), tf.constant(scale, tf.float32)).numpy()
                 for start in range(0, len(rows), chunk)]
        return np.concatenate(parts)

    def gibbs(self, v: Any, steps: int, seed: int = 0) -> np.ndarray:
        """Run `steps` Gibbs steps (sample h from v, then v from h) from the images `v`; the last step's
        visible probabilities (N, n_visible): what the model believes these images drift towards."""
        return self.gibbs_chain(v, [steps], seed).visible[-1]

    def gibbs_chain(self, v: Any, record: Sequence[int], seed: int = 0) -> GibbsChain:
        """One Gibbs chain from `v`, its visible probabilities kept at each step in `record` (0 is the start)."""
        rows = as_rows(v, self.n_visible, "The starting images")
        steps = sorted({int(step) for step in record})
        if not steps or steps[0] < 0 or steps[-1] > MAX_GIBBS_STEPS:
            raise RBMError(f"Gibbs steps must be between 0 and {MAX_GIBBS_STEPS:,}.")
        if len(rows) > 1000:
            raise RBMError("Run a Gibbs chain from at most 1,000 images at once.")
        functions, state, done, frames = _tf(), tf.constant(rows), 0, []
        probabilities = rows
        for step in steps:
            if step > done:
                state, probabilities = functions.gibbs(self._weights, self._visible_bias, self._hidden_bias, state,
                                                       tf.constant(done), tf.constant(step), tf.constant(int(seed)))
                probabilities = probabilities.numpy()
                done = step
            frames.append(np.array(probabilities, np.float32))
        return GibbsChain(steps, np.stack(frames))

    def firing_rates(self, x: Any) -> np.ndarray:
        """How often each hidden unit fires on these images: its mean probability, (n_hidden,)."""
        return self.transform(x).mean(axis=0)

    def update_graph_function(self, batch_size: int = 10) -> Any:
        """The concrete `tf.function` of one CD-k update (the step the training loop repeats), for drawing."""
        spec = tf.TensorSpec
        return _tf().update.get_concrete_function(
            self._params(), spec([batch_size, self.n_visible], tf.float32, name="v_data"),
            spec([batch_size], tf.float32, name="mask"),
            spec([self.k, batch_size, self.n_hidden], tf.float32, name="hidden_noise"),
            spec([self.k, batch_size, self.n_visible], tf.float32, name="visible_noise"),
            spec([3], tf.float32, name="lr_momentum_decay"), self.persistent)

    def describe(self) -> str:
        kind = "persistent CD" if self.persistent else "CD"
        return f"RBM {self.n_visible}→{self.n_hidden}, {kind}-{self.k}, learning rate {self.learning_rate:g}"


def firing_rates(parameters: Sequence[np.ndarray], x: Any) -> np.ndarray:
    """How often each hidden unit fires on these images under saved parameters [W, b, c] (a snapshot): (n_hidden,)."""
    weights, _, hidden_bias = (np.asarray(p, np.float32) for p in parameters)
    rows = _monitor(as_rows(x, weights.shape[0]))
    return _tf().hidden(weights, hidden_bias, rows).numpy().mean(axis=0)


def _monitor(rows: np.ndarray) -> np.ndarray:
    """At most MONITOR_ROWS rows, spread evenly over the set (the same ones every epoch)."""
    if len(rows) <= MONITOR_ROWS:
        return rows
    return rows[np.linspace(0, len(rows) - 1, MONITOR_ROWS).astype(int)]


# -- deep belief networks ----------------------------------------------------------------------------
class DBN:
    """RBMs stacked greedily: each learns the hidden probabilities of the one below; then a Keras network."""

    def __init__(self, layer_sizes: Sequence[int], k: int = 1, learning_rate: float = 0.1, persistent: bool = False,
                 seed: int = 0, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        sizes = list(layer_sizes)
        if not 2 <= len(sizes) <= MAX_LAYERS + 1:
            raise RBMError(f"A deep belief network needs its visible size then 1 to {MAX_LAYERS} hidden layer sizes, "
                           f"e.g. (64, 100, 100); got {sizes}.")
        self.layer_sizes = sizes
        self.rbms = [RBM(a, b, k, learning_rate, persistent, seed + index, momentum, weight_decay)
                     for index, (a, b) in enumerate(zip(sizes, sizes[1:]))]
        self.runs: list[training.TrainingRun] = []
        self.input_shape: tuple[int, ...] = (sizes[0],)

    def fit(self, x: Any, epochs: int = 10, batch_size: int = 10, *, x_val: Any = None,
            on_epoch: Callable[[training.TrainingRun], None] | None = None,
            on_batch: Callable[[training.Progress], None] | None = None,
            stop: threading.Event | None = None) -> training.TrainingRun:
        """Train the RBMs one after the other, each on the hidden probabilities of the one below.

        Returns one run for the whole stack: its history has a row per epoch of every layer (with "layer")."""
        rows = as_rows(x, self.layer_sizes[0])
        self.input_shape = tuple(np.shape(x)[1:])
        val = as_rows(x_val, self.layer_sizes[0], "The held-out images") if x_val is not None else None
        config = self.rbms[0].train_config(epochs, batch_size)
        stack = training.TrainingRun(self, training.TrainConfig(epochs * len(self.rbms), batch_size,
                                                                config.learning_rate, config.optimizer, 0.0, config.seed))
        self.runs = []
        for index, machine in enumerate(self.rbms):
            def epoch_done(run: training.TrainingRun, index=index) -> None:
                row = dict(run.history[-1])
                stack.history.append({**row, "epoch": index * epochs + row["epoch"], "layer": index + 1})
                if on_epoch is not None:
                    on_epoch(stack)

            def batch_done(progress: training.Progress, index=index) -> None:
                if on_batch is not None:
                    on_batch(training.Progress(index * epochs + progress.epoch, epochs * len(self.rbms), progress.batch,
                                               progress.batches))

            run = training.train_learner(machine, rows, config, x_val=val, on_epoch=epoch_done, on_batch=batch_done,
                                         stop=stop)
            self.runs.append(run)
            stack.seconds += run.seconds
            if run.stopped:
                stack.stopped = run.stopped
                break
            rows = machine.transform(rows)
            val = machine.transform(val) if val is not None else None
        return stack

    def transform(self, x: Any) -> np.ndarray:
        """The top layer's hidden probabilities (N, last size), passing each layer's probabilities up."""
        rows = as_rows(x, self.layer_sizes[0])
        for machine in self.rbms:
            rows = machine.transform(rows)
        return rows

    def layer_outputs(self, x: Any) -> list[np.ndarray]:
        """Each layer's hidden probabilities, bottom to top."""
        rows, outputs = as_rows(x, self.layer_sizes[0]), []
        for machine in self.rbms:
            rows = machine.transform(rows)
            outputs.append(rows)
        return outputs

    def to_keras(self, n_classes: int, input_shape: Sequence[int] | None = None) -> Any:
        """A Keras classifier: (Flatten,) one sigmoid Dense layer per RBM starting from its weights and hidden
        biases, then a softmax Dense layer of `n_classes` (random start). Fine-tune it with backprop."""
        if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) or not 2 <= n_classes <= 1000:
            raise RBMError(f"A classifier needs 2 to 1,000 classes; got {n_classes!r}.")
        shape = tuple(input_shape or self.input_shape)
        if int(np.prod(shape)) != self.layer_sizes[0]:
            raise RBMError(f"An input of shape {shape} has {int(np.prod(shape))} values; this network takes {self.layer_sizes[0]}.")
        layers = [keras.Input(shape, name="images")]
        if len(shape) > 1:
            layers.append(keras.layers.Flatten(name="flatten"))
        for index, size in enumerate(self.layer_sizes[1:], start=1):
            layers.append(keras.layers.Dense(size, activation="sigmoid", name=f"rbm_{index}"))
        layers.append(keras.layers.Dense(int(n_classes), activation="softmax", name="classifier"))
        model = keras.Sequential(layers, name="deep_belief_network")
        for index, machine in enumerate(self.rbms, start=1):
            model.get_layer(f"rbm_{index}").set_weights([machine.weights, machine.hidden_bias])
        return model


def same_network_from_scratch(model: Any, seed: int = 0) -> Any:
    """The same Keras architecture with fresh random weights (Keras' default initialisers): the baseline
    a pretrained network is compared with."""
    keras.utils.set_random_seed(seed)
    fresh = keras.models.clone_model(model)
    fresh.name = f"{model.name}_from_scratch"
    return fresh
