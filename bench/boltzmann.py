"""dlviz's TensorFlow RBM against scikit-learn's BernoulliRBM, measured in one run, and the few-labels table.

1. scikit-learn's RBM example settings (digits scaled to 0–1 and shifted by one pixel each way, 100 hidden units,
   learning rate 0.06, batch 10, 10 and 20 epochs): held-out reconstruction error (goal: ours ≤ 1.1 × theirs) and
   seconds per epoch (goal: ours ≤ theirs), the median of ROUNDS alternated runs; dlviz's first epoch, which
   includes compiling its update loop with XLA once per size and server, is printed apart.
2. RBM features + logistic regression on the shifted digits (goal ≥ 0.93 test accuracy), raw pixels alongside, and
   scikit-learn's own pipeline (BernoulliRBM then the same logistic regression). The split is made before
   shifting, so no shifted copy of a test image is trained on.
3. The few-labels table (1, 3, 5, 10, 20 labels per class and all; 3 draws) at default settings, with longer
   pretraining, and on black-and-white digits (where pretraining helped most when searched), with the time each took.

Run:  python bench/boltzmann.py [sklearn] [features] [few] [--quick]
      (all sections by default; --quick: 1 round, 1 seed, few-labels with 1 draw)
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import BernoulliRBM  # noqa: E402
from sklearn.preprocessing import minmax_scale  # noqa: E402

from dlviz.data import datasets  # noqa: E402
from dlviz.networks import rbm, rbm_studies  # noqa: E402

QUICK = "--quick" in sys.argv
SECTIONS = [name for name in sys.argv[1:] if not name.startswith("--")] or ["sklearn", "features", "few"]
ROUNDS = 1 if QUICK else 3
SETTINGS = {"n_hidden": 100, "learning_rate": 0.06, "batch_size": 10}


def shifted_digits():
    digits = datasets.load("digits")
    x_train, y_train = rbm_studies.shifted(digits.x_train, digits.y_train)
    x_test, y_test = rbm_studies.shifted(digits.x_test, digits.y_test)
    return digits, x_train, y_train, x_test, y_test


def against_sklearn(x_train, x_test) -> None:
    print("== 1. scikit-learn's example settings: 100 hidden, lr 0.06, batch 10; shifted digits "
          f"({len(x_train):,} training, {len(x_test):,} held-out images); median of {ROUNDS} round(s)")
    train, test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    for epochs in (10, 20):
        rounds = [rbm_studies.compare_with_sklearn(train, test, epochs=epochs, seed=round_, **SETTINGS).rows
                  for round_ in range(ROUNDS)]
        table = pd.DataFrame([row for rows in rounds for row in rows]).groupby("implementation", sort=False).median()
        theirs = table.iloc[0]
        cold = {row["implementation"]: row["first epoch (s)"] for row in rounds[0]}
        print(f"-- {epochs} epochs (first round's first epoch, compile included where needed: "
              + ", ".join(f"{name.split(' (')[1].split(',')[0]} {seconds:.2f} s" for name, seconds in list(cold.items())[1:]) + ")")
        print(table[["reconstruction error (held-out)", "pseudo-likelihood (held-out)", "seconds per epoch",
                     "first epoch (s)", "total (s)"]].round(4).to_string())
        for name, row in table.iloc[1:].iterrows():
            print(f"{name}: reconstruction error ratio {row['reconstruction error (held-out)'] / theirs['reconstruction error (held-out)']:.3f} "
                  f"(goal <= 1.1); time per epoch ratio {row['seconds per epoch'] / theirs['seconds per epoch']:.3f} "
                  f"(goal <= 1.0); total with first-epoch compile {row['total (s)'] / theirs['total (s)']:.2f} x scikit-learn's")


def rbm_features_accuracy(train, y_train, test, y_test, seed: int, persistent: bool = False, theirs: bool = False) -> float:
    """Logistic regression (C = 6000) on the hidden probabilities of an RBM with the example's settings."""
    if theirs:
        with rbm_studies.one_blas_thread():
            machine = BernoulliRBM(n_components=100, learning_rate=0.06, batch_size=10, n_iter=10, random_state=seed)
            machine.fit(train)
    else:
        machine = rbm.RBM(train.shape[1], 100, learning_rate=0.06, persistent=persistent, seed=seed)
        machine.fit(train, 10, 10, monitor=False)
    return rbm_studies.logistic_accuracy(machine.transform(train), y_train, machine.transform(test), y_test, rbm_studies.RBM_C)


def features(digits, x_train, y_train, x_test, y_test) -> None:
    print("\n== 2. Logistic regression on raw pixels (C = 100) and on RBM features (C = 6000), shifted digits, 10 epochs")
    started = time.perf_counter()
    train, test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    raw = rbm_studies.logistic_accuracy(train, y_train, test, y_test, rbm_studies.RAW_C)
    print(f"split before shifting (no shifted copy of a test image is trained on): raw pixels {raw:.3f}")
    seeds = range(1 if QUICK else 3)
    for name, options in (("dlviz RBM, CD-1", {}), ("dlviz RBM, persistent CD-1", {"persistent": True}),
                          ("scikit-learn BernoulliRBM (persistent CD-1)", {"theirs": True})):
        scores = [rbm_features_accuracy(train, y_train, test, y_test, seed, **options) for seed in seeds]
        print(f"  {name} + logistic regression: {np.mean(scores):.3f} (seeds: {', '.join(f'{s:.3f}' for s in scores)}; "
              "goal >= 0.93)")
    # scikit-learn's example shifts first, then splits at random: shifted copies of test images are trained on.
    everything = np.concatenate([digits.x_train, digits.x_test])
    labels = np.concatenate([digits.y_train, digits.y_test])
    shifted_x, shifted_y = rbm_studies.shifted(everything, labels)
    shifted_x = minmax_scale(shifted_x.reshape(len(shifted_x), -1))
    train, test, y_train, y_test = train_test_split(shifted_x, shifted_y, test_size=0.2, random_state=0)
    raw = rbm_studies.logistic_accuracy(train, y_train, test, y_test, rbm_studies.RAW_C)
    ours = rbm_features_accuracy(train, y_train, test, y_test, 0)
    theirs = rbm_features_accuracy(train, y_train, test, y_test, 0, theirs=True)
    print(f"scikit-learn's own protocol (shift, then split): raw pixels {raw:.3f}, dlviz RBM features {ours:.3f}, "
          f"scikit-learn's pipeline {theirs:.3f}")
    print(f"({time.perf_counter() - started:.0f} s for section 2)")


def few_labels(digits, label: str, sizes, epochs: int, unlabelled=None, binarised=False, c=1.0) -> None:
    draws = 1 if QUICK else 3
    x_train, x_test = digits.x_train, digits.x_test
    if binarised:
        x_train, x_test = rbm.binarise(x_train), rbm.binarise(x_test)
    unlabelled = x_train if unlabelled is None else unlabelled
    started = time.perf_counter()
    dbn = rbm.DBN(sizes, learning_rate=0.06)
    dbn.fit(unlabelled, epochs, 10)
    pretraining = time.perf_counter() - started
    result = rbm_studies.few_labels(dbn, x_train, digits.y_train, x_test, digits.y_test, draws=draws, c=c)
    table = pd.DataFrame(result.rows).pivot(index="labels per class", columns="method", values="accuracy")
    table = table.reindex(columns=list(rbm_studies.METHODS), index=[1, 3, 5, 10, 20, "all"])
    print(f"\n== 3. Few labels, {label}: DBN {sizes} pretrained {epochs} epochs on {len(unlabelled):,} unlabelled images "
          f"({pretraining:.0f} s), {draws} draw(s)")
    print(table.round(3).to_string())
    print(rbm_studies.few_labels_verdict(result.rows))
    print(f"few-labels table: {result.seconds:.0f} s (+ {pretraining:.0f} s pretraining)")


def main() -> None:
    digits, x_train, y_train, x_test, y_test = shifted_digits()
    if "sklearn" in SECTIONS:
        against_sklearn(x_train, x_test)
    if "features" in SECTIONS:
        features(digits, x_train, y_train, x_test, y_test)
    if "few" in SECTIONS:
        few_labels(digits, "default settings (grey digits, 10 epochs per RBM)", [64, 100, 100], 10)
        few_labels(digits, "grey digits, 30 epochs per RBM", [64, 100, 100], 30)
        few_labels(digits, "black-and-white digits, 30 epochs per RBM", [64, 100, 100], 30, binarised=True)


if __name__ == "__main__":
    main()
