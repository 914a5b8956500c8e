"""dlviz's TensorFlow RBM against scikit-learn's BernoulliRBM, measured in one run, and the few-labels table.

1. scikit-learn's RBM example settings (digits scaled to 0–1 and shifted by one pixel each way, 100 hidden units,
   learning rate 0.06, batch 10, 10 and 20 epochs): held-out reconstruction error (goal: ours ≤ 1.1 × theirs) and
   seconds per epoch (goal: ours ≤ theirs), the median of ROUNDS alternated runs; dlviz's first epoch, which
   includes compiling its update loop with XLA once per size and server, is printed apart.
2. RBM features + logistic regression on the shifted digits (goal ≥ 0.93 test accuracy), raw pixels alongside, and
   scikit-learn's own pipeline (BernoulliRBM then the same logistic regression). The split is made before
   shifting, so no shifted copy of a test image is trained on.
3. The few-labels table (1, 3, 5, 10, 20 labels per class and all; 3 draws) at default settings and at the
   setting where pretraining helped, with the time each took.

Run:  python bench/boltzmann.py [--quick]   (--quick: 1 round, few-labels with 1 draw)
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402
from sklearn.neural_network import BernoulliRBM  # noqa: E402

from dlviz.data import datasets  # noqa: E402
from dlviz.networks import rbm, rbm_studies  # noqa: E402

QUICK = "--quick" in sys.argv
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
        print(f"-- {epochs} epochs")
        print(table[["reconstruction error (held-out)", "pseudo-likelihood (held-out)", "seconds per epoch",
                     "first epoch (s)", "total (s)"]].round(4).to_string())
        for name, row in table.iloc[1:].iterrows():
            print(f"{name}: reconstruction error ratio {row['reconstruction error (held-out)'] / theirs['reconstruction error (held-out)']:.3f} "
                  f"(goal <= 1.1); time per epoch ratio {row['seconds per epoch'] / theirs['seconds per epoch']:.3f} "
                  f"(goal <= 1.0); total with first-epoch compile {row['total (s)'] / theirs['total (s)']:.2f} x scikit-learn's")


def features(digits, x_train, y_train, x_test, y_test) -> None:
    print("\n== 2. Logistic regression on raw pixels and on RBM features (C = 100 on pixels, 6000 on features)")
    started = time.perf_counter()
    for persistent in (False, True):
        settings = {"n_hidden": 100, "learning_rate": 0.06, "persistent": persistent}
        rows = rbm_studies.features_for_classifier(digits.x_train, digits.y_train, digits.x_test, digits.y_test, None,
                                                   settings, 10, 10)
        for row in rows:
            print(f"dlviz RBM ({'persistent ' if persistent else ''}CD-1), {row['data']}: raw pixels {row['raw pixels']:.3f}, "
                  f"RBM features {row['RBM features']:.3f} (goal >= 0.93 when shifted)")
    with rbm_studies.one_blas_thread():
        theirs = BernoulliRBM(n_components=100, learning_rate=0.06, batch_size=10, n_iter=10, random_state=0)
        theirs.fit(x_train.reshape(len(x_train), -1))
    accuracy = rbm_studies.logistic_accuracy(theirs.transform(x_train.reshape(len(x_train), -1)), y_train,
                                             theirs.transform(x_test.reshape(len(x_test), -1)), y_test, rbm_studies.RBM_C)
    print(f"scikit-learn's pipeline (BernoulliRBM + the same logistic regression), shifted: {accuracy:.3f}")
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
    against_sklearn(x_train, x_test)
    features(digits, x_train, y_train, x_test, y_test)
    few_labels(digits, "default settings", [64, 100, 100], 10)
    few_labels(digits, "RBMs pretrained on the shifted digits (5x the unlabelled images)", [64, 100, 100], 10,
               unlabelled=rbm_studies.shifted(digits.x_train, digits.y_train)[0])


if __name__ == "__main__":
    main()
