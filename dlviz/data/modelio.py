"""Saving and loading `.keras` files, always with Keras safe mode, with clear errors."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from dlviz.data import archives, modelconfig
from dlviz.runtime import keras

MAX_MODEL_BYTES = 50 * 1024 * 1024


class ModelFileError(ValueError):
    """A model file that cannot be used, with a sentence saying why."""


def save_model(model: Any, include_optimizer: bool = True) -> bytes:
    """The model as the bytes of a `.keras` file, for download (optionally without optimizer state)."""
    if not include_optimizer and getattr(model, "optimizer", None) is not None:
        # An uncompiled copy (clone_model would copy the optimizer too): Adam's moments are 2/3 of the file.
        weights_only = type(model).from_config(model.get_config())
        weights_only.set_weights(model.get_weights())
        model = weights_only
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as handle:
            return handle.read()


def load_model(data: bytes, filename: str = "model.keras") -> Any:
    """A Keras model from uploaded bytes; refuses anything that could run code (Lambda, pickles)."""
    if not data:
        raise ModelFileError("The file is empty.")
    if len(data) > MAX_MODEL_BYTES:
        raise ModelFileError(f"The file is {len(data) / 2**20:.1f} MB; the limit is {MAX_MODEL_BYTES // 2**20} MB.")
    if data[:8] == b"\x89HDF\r\n\x1a\n" or filename.lower().endswith((".h5", ".hdf5")):
        raise ModelFileError(
            "This is a legacy HDF5 (.h5) model. dlviz reads only the .keras format: in Python, load it and "
            "call model.save('model.keras')."
        )
    try:
        archive = archives.open_zip(data, "Keras model")
        with archive:
            members = archive.infolist()
            if "config.json" not in {member.filename for member in members}:
                raise ModelFileError("This zip is not a .keras model: it has no config.json.")
            archives.check_members(archive, members, 4 * MAX_MODEL_BYTES)
            contents = {member.filename: archives.read_member(archive, member) for member in members}
    except archives.ArchiveError as error:
        message = str(error)
        if message.startswith("This file is not"):
            message = "This is not a .keras model file (a .keras file is a zip archive made by model.save)."
        raise ModelFileError(message) from None
    try:
        config = json.loads(contents["config.json"])
    except (ValueError, RecursionError):
        raise ModelFileError("This .keras file's config.json is not valid JSON.") from None
    code = modelconfig.code_references(config)
    if code:
        kind = "a Lambda layer, which holds Python code" if "Lambda" in code[0] else f"code: {code[0]}"
        raise ModelFileError(
            f"Refused for safety: this model contains {kind}. dlviz never runs code from uploaded files; "
            "rebuild the model from built-in Keras layers only (no Lambda layers or custom classes)."
        )
    too_big = modelconfig.oversized(config)
    if too_big:
        raise ModelFileError(f"This model is too large to open here: {too_big}.")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "upload.keras")
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
        except Exception as error:  # Keras raises many types for a bad file; the user needs one sentence
            raise ModelFileError(_keras_refusal(error)) from None
    return model


def _keras_refusal(error: BaseException) -> str:
    """One sentence for why Keras would not load a file, looking through the errors it wraps."""
    texts = []
    while error is not None and len(texts) < 5:
        texts.append(str(error))
        error = error.__cause__ or error.__context__
    everything = " ".join(texts)
    if "safe_mode" in everything or "arbitrary code" in everything or "lambda" in everything.lower():
        return ("Refused for safety: this model contains code (a lambda or a custom function), which dlviz never "
                "runs from uploaded files.")
    if "Could not locate" in everything:
        return ("Refused: this model needs custom code (a class or function Keras does not know), and dlviz never "
                "runs code from uploaded files; rebuild it from built-in Keras layers.")
    first = next((text.strip().splitlines()[0] for text in texts if text.strip()), type(error).__name__)
    return f"Keras could not load this model: {first[:300]}"


@dataclass
class CurrentModel:
    """The model a session is working with, and what the other pages need to know about it."""

    model: Any
    class_names: list[str]
    source: str  # e.g. "trained on digits", "uploaded my_model.keras"
    dataset_name: str | None = None
    run: Any = None  # a dlviz.training.training.TrainingRun when trained here (its snapshots replay training)
    dataset: Any = None  # the dlviz.data.datasets.Dataset it was trained on, for picking sample inputs

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.model.input_shape[1:])


def load_demo(folder: Any) -> CurrentModel:
    """The shipped demo model (trained by scripts/train_demo_model.py) with its class names."""
    import json
    from pathlib import Path

    folder = Path(folder)
    meta = json.loads((folder / "demo_model.json").read_text())
    model = load_model((folder / "demo_model.keras").read_bytes(), "demo_model.keras")
    return CurrentModel(model, meta["class_names"], f"demo, {meta['test_accuracy']:.1%} test accuracy on {meta['dataset']}",
                        meta["dataset"])


def describe_upload(model: Any, filename: str) -> CurrentModel:
    """An uploaded model as the session's current model; class names are its output indices."""
    try:
        outputs = int(model.output_shape[-1])
    except (AttributeError, TypeError, IndexError):
        raise ModelFileError("This model has no single output layer that dlviz can read classes from.") from None
    return CurrentModel(model, [str(index) for index in range(outputs)], f"uploaded {filename}")
