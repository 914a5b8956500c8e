"""Train the shipped demo CNN (assets/demo_model.keras) on the shipped 28×28 digits, reproducibly.

Run from the repository root:  python scripts/train_demo_model.py
It prints the test accuracy (the inspector's demo needs >= 97%) and the file size (<= 1 MB). Seeds are fixed;
runs agree to a fraction of a percent (97.2-97.8% seen), not bit for bit: TensorFlow's CPU kernels are not
deterministic across runs.
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dlviz.cnn import architecture  # noqa: E402
from dlviz.cnn.architecture import layer  # noqa: E402
from dlviz.data import datasets, modelio  # noqa: E402
from dlviz.training import training  # noqa: E402

DEMO_LAYERS = [
    layer("Conv2D", filters=16, kernel=3, padding="same", activation="relu"),
    layer("MaxPool2D", pool=2, stride=2),
    layer("Conv2D", filters=32, kernel=3, padding="same", activation="relu"),
    layer("MaxPool2D", pool=2, stride=2),
    layer("Flatten"),
    layer("Dropout", rate=0.4),
    layer("Dense", units=64, activation="relu"),
]
DATASET = "digits28"
CONFIG = training.TrainConfig(epochs=25, batch_size=32, learning_rate=1e-3, optimizer="adam", validation_split=0.0, seed=7)


def main() -> None:
    data = datasets.load(DATASET)
    model = architecture.build_model(DEMO_LAYERS, data.input_shape, data.num_classes)
    training.train(model, data, CONFIG)
    accuracy = training.evaluate(model, data).accuracy
    blob = modelio.save_model(model, include_optimizer=False)
    (ROOT / "assets" / "demo_model.keras").write_bytes(blob)
    meta = {"dataset": DATASET, "class_names": data.class_names, "test_accuracy": round(accuracy, 4),
            "made_by": "scripts/train_demo_model.py"}
    (ROOT / "assets" / "demo_model.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"test accuracy {accuracy:.2%}, file size {len(blob) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
