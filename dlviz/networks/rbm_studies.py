"""What RBMs are good for, measured: against scikit-learn's BernoulliRBM, as features for a classifier, and
with few labels (the claim that pretraining a deep belief network helps when labels are scarce).

Each study takes plain arrays and reports plain rows (dicts), so a page, a bench script and a test read the
same numbers. Long studies report progress through `training.Hooks` and stop when asked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from dlviz import runtime
from dlviz.graphs import tfgraph
from dlviz.networks import rbm
from dlviz.runtime import keras
from dlviz.training import training

RAW_C = 100.0  # logistic regression's inverse regularisation on raw pixels, as in scikit-learn's RBM example
RBM_C = 6000.0  # ... and on RBM features (their grid-searched values)
DENSE_GRAPH_WEIGHTS = 2_000_000
LABEL_COUNTS = (1, 3, 5, 10, 20, None)  # labelled images per class; None: every training label
METHODS = ("raw pixels + logistic regression", "RBM features + logistic regression", "DBN fine-tuned",
           "same network from scratch")


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """scikit-learn's linear algebra on one thread: on a shared machine its spinning BLAS threads slowed a
    logistic regression 25-fold (282 s against 11 s measured here under load), and TensorFlow needs the cores too."""
    with runtime.imported("threadpoolctl").threadpool_limits(1):
        yield


def shifted(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The images and four copies moved by one pixel (down, up, right, left; the edge filled with 0): five
    times the data, the augmentation of scikit-learn's RBM example. Apply to train and test separately."""
    images = np.asarray(x, np.float32)
    if images.ndim != 4:
        raise rbm.RBMError(f"Shifting needs images (N, height, width, channels); got shape {images.shape}.")
    copies = [images]
    for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        moved = np.zeros_like(images)
        height, width = images.shape[1:3]
        moved[:, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
            images[:, max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
        copies.append(moved)
    return np.concatenate(copies), np.tile(np.asarray(y), 5)


def logistic_accuracy(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray,
                      c: float) -> float:
    """Test accuracy of scikit-learn's logistic regression (newton-cg, at most 1,000 iterations) on these features."""
    linear_model = runtime.imported("sklearn.linear_model")
    with one_blas_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a ConvergenceWarning at the iteration limit: the accuracy is still measured
        classifier = linear_model.LogisticRegression(C=c, solver="newton-cg", max_iter=1000)
        classifier.fit(train.reshape(len(train), -1), y_train)
        return float(classifier.score(test.reshape(len(test), -1), y_test))


# -- against scikit-learn -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """One row per implementation: reconstruction error and pseudo-likelihood on held-out images, and times."""

    rows: list[dict[str, Any]]
    settings: dict[str, Any]


def compare_with_sklearn(x_train: np.ndarray, x_test: np.ndarray, n_hidden: int = 100, learning_rate: float = 0.06,
                         batch_size: int = 10, epochs: int = 10, seed: int = 0, k: int = 1,
                         stop: Any = None) -> Comparison:
    """Train scikit-learn's `BernoulliRBM` (persistent CD-1) and dlviz's RBM (persistent CD-1, the same algorithm,
    and plain CD-k) with the same data, hidden units, learning rate, batch size and epochs, and measure all three
    with the same functions. Times are training only (no curves): the first epoch of dlviz includes XLA compiling
    its update loop (once per shape and server), so the steady epochs are reported apart."""
    train, test = rbm.as_rows(x_train), rbm.as_rows(x_test, None, "The held-out images")
    settings = {"hidden units": n_hidden, "learning rate": learning_rate, "batch size": batch_size, "epochs": epochs}
    neural_network = runtime.imported("sklearn.neural_network")
    rows = []
    with one_blas_thread():
        started = time.perf_counter()
        theirs = neural_network.BernoulliRBM(n_components=n_hidden, learning_rate=learning_rate, batch_size=batch_size,
                                             n_iter=epochs, random_state=seed).fit(train)
        seconds = time.perf_counter() - started
    as_ours = rbm.RBM.from_parameters(theirs.components_.T, theirs.intercept_visible_, theirs.intercept_hidden_)
    rows.append(_comparison_row("scikit-learn BernoulliRBM (persistent CD-1, NumPy)", as_ours, test, seconds / epochs,
                                seconds / epochs, seconds, float(np.mean(theirs.score_samples(test)))))
    for persistent, steps in ((True, 1), (False, k)):
        if stop is not None and stop.is_set():
            break
        machine = rbm.RBM(train.shape[1], n_hidden, steps, learning_rate, persistent, seed)
        ends: list[float] = []
        started = time.perf_counter()
        machine.fit(train, epochs, batch_size, monitor=False, stop=stop,
                    on_epoch=lambda run, ends=ends: ends.append(time.perf_counter()))
        total = time.perf_counter() - started
        epochs_seconds = np.diff([started, *ends])
        steady = float(np.median(epochs_seconds[1:])) if len(epochs_seconds) > 1 else total
        name = f"dlviz RBM ({'persistent ' if persistent else ''}CD-{steps}, TensorFlow)"
        rows.append(_comparison_row(name, machine, test, steady, float(epochs_seconds[0]) if len(ends) else total, total))
    return Comparison(rows, settings)


def _comparison_row(name: str, machine: rbm.RBM, test: np.ndarray, steady: float, first: float, total: float,
                    own_score: float | None = None) -> dict[str, Any]:
    return {
        "implementation": name,
        "reconstruction error (held-out)": machine.reconstruction_error(test),
        "pseudo-likelihood (held-out)": float(np.mean(machine.pseudo_likelihood(test))),
        "scikit-learn's own estimate": own_score,
        "seconds per epoch": steady,
        "first epoch (s)": first,
        "total (s)": total,
    }


# -- features for a classifier -------------------------------------------------------------------------
def features_for_classifier(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                            machine: rbm.RBM | None, settings: dict[str, Any], epochs: int, batch_size: int,
                            hooks: training.Hooks | None = None) -> list[dict[str, Any]]:
    """Logistic regression on raw pixels against on an RBM's hidden probabilities, on the images and on the
    images shifted by one pixel each way (the RBM for those is trained anew on the shifted training images,
    with `settings`). `machine` is an RBM already trained on `x_train` (None: train one here)."""
    hooks = hooks or training.Hooks()
    shifted_train, shifted_y = shifted(x_train, y_train)
    shifted_test, shifted_y_test = shifted(x_test, y_test)
    rows = []
    for label, train, labels, test, test_labels in (
            ("the images", x_train, y_train, x_test, y_test),
            ("shifted by one pixel (5×)", shifted_train, shifted_y, shifted_test, shifted_y_test)):
        if hooks.stop is not None and hooks.stop.is_set():
            break
        started = time.perf_counter()
        raw = logistic_accuracy(train, labels, test, test_labels, RAW_C)
        raw_seconds = time.perf_counter() - started
        if machine is None or label != "the images":
            machine = rbm.RBM(int(np.prod(train.shape[1:])), **settings)
            machine.fit(train, epochs, batch_size, monitor=False, stop=hooks.stop)
        started = time.perf_counter()
        features = logistic_accuracy(machine.transform(train), labels, machine.transform(test), test_labels, RBM_C)
        rows.append({"data": label, "training images": len(train), "raw pixels": raw,
                     "RBM features": features, "seconds": raw_seconds + time.perf_counter() - started})
    return rows


# -- few labels --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FineTune:
    """How the Keras networks are trained on the labelled images: Adam, `updates` steps whatever the number of
    labels, in `epochs` passes over the labelled images repeated as often as needed (ten images, or a thousand,
    get the same number of updates without hundreds of tiny epochs)."""

    learning_rate: float = 1e-3
    batch_size: int = 32
    updates: int = 500
    epochs: int = 10

    def config(self, seed: int) -> training.TrainConfig:
        return training.TrainConfig(self.epochs, self.batch_size, self.learning_rate, "adam", 0.0, seed)

    def repeats(self, labelled: int) -> int:
        """How many copies of the labelled images make one epoch of about updates ÷ epochs steps."""
        rows = math.ceil(self.updates / self.epochs) * self.batch_size
        return max(1, math.ceil(rows / max(1, labelled)))


@dataclass
class Labelled:
    """A labelled subset as the training engine takes it."""

    x_train: np.ndarray
    y_train: np.ndarray
    num_classes: int


@dataclass
class FewLabels:
    """Test accuracy of each method for each number of labels per class, averaged over random draws."""

    rows: list[dict[str, Any]] = field(default_factory=list)  # one per (labels, method): mean, std, draws
    seconds: float = 0.0
    stopped: bool = False


def labelled_subset(y: np.ndarray, per_class: int | None, rng: np.random.Generator) -> np.ndarray:
    """Indices of `per_class` images of each class, drawn at random (every index when None)."""
    if per_class is None:
        return np.arange(len(y))
    picked = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) < per_class:
            raise rbm.RBMError(f"Class {label} has only {len(members)} training images; ask for at most that many labels.")
        picked.extend(rng.choice(members, per_class, replace=False))
    return np.sort(np.array(picked))


def few_labels(dbn: rbm.DBN, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
               counts: Sequence[int | None] = LABEL_COUNTS, draws: int = 3, fine_tune: FineTune = FineTune(),
               c: float = 1.0, seed: int = 0, on_step: Callable[[int, int, FewLabels], None] | None = None,
               stop: Any = None) -> FewLabels:
    """For each number of labels per class: logistic regression on raw pixels and on the DBN's first RBM's
    features, the DBN turned into a network and fine-tuned, and the same network from random weights, each
    trained on the same random labelled images and tested on the whole test set; `draws` draws (one when
    every label is used: there is nothing to draw). The RBMs saw every training image, without labels."""
    if not 1 <= draws <= 20:
        raise rbm.RBMError("Use 1 to 20 random draws of the labelled images.")
    if not counts:
        raise rbm.RBMError("Choose at least one number of labels per class.")
    if not dbn.runs:
        raise rbm.RBMError("Train the deep belief network first: its RBMs learn from the images without labels.")
    classes = int(np.max(y_train)) + 1
    features_train, features_test = dbn.rbms[0].transform(x_train), dbn.rbms[0].transform(x_test)
    pretrained = dbn.to_keras(classes, x_train.shape[1:])
    start_weights = pretrained.get_weights()
    scratch = rbm.same_network_from_scratch(pretrained, seed)
    scratch_weights = scratch.get_weights()
    plan = [(count, draw) for count in counts for draw in range(1 if count is None else draws)]
    result, accuracies, started = FewLabels(), {}, time.perf_counter()
    for step, (count, draw) in enumerate(plan):
        if stop is not None and stop.is_set():
            result.stopped = True
            break
        rng = np.random.default_rng([seed, draw, count or 0])
        chosen = labelled_subset(y_train, count, rng)
        x, y = x_train[chosen], y_train[chosen]
        scores = accuracies.setdefault(count, {method: [] for method in METHODS})
        scores[METHODS[0]].append(logistic_accuracy(x, y, x_test, y_test, c))
        scores[METHODS[1]].append(logistic_accuracy(features_train[chosen], y, features_test, y_test, c))
        for method, model, weights in ((METHODS[2], pretrained, start_weights), (METHODS[3], scratch, scratch_weights)):
            model.set_weights(weights)
            copies = fine_tune.repeats(len(x))
            data = Labelled(np.concatenate([x] * copies), np.tile(y, copies), classes)
            training.train(model, data, fine_tune.config(seed + draw), training.classify(classes))
            predictions = np.argmax(np.asarray(model(x_test, training=False)), axis=1)  # one call: no predict loop to retrace
            scores[method].append(float(np.mean(predictions == y_test)))
        result.rows = _few_label_rows(accuracies)
        result.seconds = time.perf_counter() - started
        if on_step is not None:
            on_step(step + 1, len(plan), result)
    result.seconds = time.perf_counter() - started
    return result


def _few_label_rows(accuracies: dict[int | None, dict[str, list[float]]]) -> list[dict[str, Any]]:
    rows = []
    for count, scores in accuracies.items():
        for method, values in scores.items():
            if values:
                rows.append({"labels per class": "all" if count is None else count, "method": method,
                             "accuracy": float(np.mean(values)), "std": float(np.std(values)), "draws": len(values)})
    return rows


def few_labels_plan(counts: Sequence[int | None], draws: int) -> int:
    """How many steps (label counts × draws) a few-labels study takes, for a progress bar."""
    return sum(1 if count is None else draws for count in counts)


# -- the update as a graph ----------------------------------------------------------------------------
def update_graphs(machine: rbm.RBM, batch_size: int = 10) -> tuple[nx.DiGraph, nx.DiGraph]:
    """TensorFlow's op graph of one CD-k update of `machine` (positive − negative phase, no gradient ops) and of
    one backprop training step of a dense layer of the same size (forward, gradient tape, Adam), plumbing folded.
    Past DENSE_GRAPH_WEIGHTS weights the dense layer gets fewer units: the same ops, without allocating a big
    layer and its optimizer just to draw them."""
    update = tfgraph.from_function_graph(machine.update_graph_function(batch_size).graph)
    units = min(machine.n_hidden, max(1, DENSE_GRAPH_WEIGHTS // machine.n_visible))
    dense = keras.Sequential([keras.Input((machine.n_visible,), name="v"),
                              keras.layers.Dense(units, activation="sigmoid", name="dense")], name="dense_layer")
    backprop = tfgraph.from_function_graph(tfgraph.trace_keras(dense, training=True).graph)
    graphs = []
    for graph in (update, backprop):
        folded = tfgraph.fold_plumbing(graph)
        folded.remove_nodes_from([node for node in list(folded.nodes) if folded.degree(node) == 0])  # unused inputs
        graphs.append(folded)
    return graphs[0], graphs[1]


# -- data and verdicts for the page ------------------------------------------------------------------
def images_for_rbm(dataset: Any, binarised: bool = False) -> Any:
    """A dataset's images checked for an RBM (every value in [0, 1], at most MAX_VISIBLE values), as the same
    kind of dataset; with `binarised`, black and white (each value 0 or 1)."""
    pixels = int(np.prod(np.shape(dataset.x_train)[1:]))
    if pixels > rbm.MAX_VISIBLE:
        raise rbm.RBMError(f"These images have {pixels:,} values each; an RBM here takes at most {rbm.MAX_VISIBLE:,} "
                           "(64×64 colour).")
    rbm.as_rows(dataset.x_train), rbm.as_rows(dataset.x_test, None, "The test images")
    if not binarised:
        return dataset
    return dataclasses.replace(dataset, x_train=rbm.binarise(dataset.x_train), x_test=rbm.binarise(dataset.x_test),
                               description=f"{dataset.description} Binarised: every pixel 0 or 1.")


def few_labels_verdict(rows: list[dict[str, Any]]) -> str:
    """What the table says, in sentences computed from it: does pretraining help, and where."""
    table = {(str(row["labels per class"]), row["method"]): row["accuracy"] for row in rows}
    counts = list(dict.fromkeys(str(row["labels per class"]) for row in rows))
    sentences = []
    for better, worse, subject, verb in ((METHODS[1], METHODS[0], "RBM features", "raw pixels"),
                                         (METHODS[2], METHODS[3], "the pretrained network", "the same network from scratch")):
        compared = [count for count in counts if (count, better) in table and (count, worse) in table]
        wins = [count for count in compared if table[count, better] > table[count, worse]]
        if not compared:
            continue
        if len(wins) == len(compared):
            sentences.append(f"Measured here, {subject} beat {verb} at every number of labels tried.")
        elif not wins:
            sentences.append(f"Measured here, {subject} did not beat {verb} at any number of labels tried.")
        else:
            gaps = ", ".join(f"{count} ({(table[count, better] - table[count, worse]) * 100:+.1f} points)" for count in wins)
            sentences.append(f"Measured here, {subject} beat {verb} only with these labels per class: {gaps}.")
    best = {count: max(METHODS, key=lambda method: table.get((count, method), -1.0)) for count in counts}
    sentences.append("Best for each number of labels: " + "; ".join(f"{count}: {method}" for count, method in best.items()) + ".")
    return " ".join(sentences)
