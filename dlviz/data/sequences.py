"""Sequences that work offline: a real measured series, generated ones, images read row by row, and text.

Every sequence set comes back as one `SequenceDataset` for one of three tasks:
- "forecast": windows of a series (N, T, 1) → the next value (N, 1); split in time order (train, then
  validation, then test, never shuffled across time) and scaled with the training part's mean and spread only;
- "classify": a sequence of rows (N, T, features) → a class label (N,);
- "next_char": character ids (N, T) → the character that follows each one (N, T).
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlviz.data import datasets
from dlviz.runtime import keras

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
TASKS = {"forecast": "Forecast a series", "classify": "Classify a sequence", "next_char": "Next character"}
FORECAST = {
    "sunspots": "Yearly mean sunspot numbers 1700–2008, measured (NOAA; public domain, as bundled by statsmodels).",
    "sine": "A sine wave with a chosen period and some noise (generated).",
    "oscillator": "A damped spring kicked by random pushes: it rings, fades, and is kicked again (generated).",
}
CLASSIFY = {
    "digits": "The shipped 8×8 digits read row by row: 8 time steps of 8 pixels.",
    "digits28": "The same digits at 28×28, read row by row: 28 time steps of 28 pixels.",
}
IMDB = ("imdb.npz", "IMDB film reviews, positive or negative (50,000 reviews, the 2,000 commonest words, the last "
        "100 words of each; from the local Keras cache).")
IMDB_WORDS, IMDB_STEPS = 2_000, 100
TEXT = {
    "python_docs": "Python's own documentation topics (the pydoc_data module every Python installation carries).",
}
MAX_TEXT_BYTES = 2 * 1024 * 1024
MIN_TEXT_CHARACTERS = 2_000
MAX_VOCABULARY = 96
UNKNOWN = "¤"
MAX_WINDOW = 400
MIN_WINDOWS = 5
TYPOGRAPHY = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "\t": "    ", "\r": ""}


class SequenceError(ValueError):
    """Sequence data or settings that cannot be used, with a sentence saying why and what to do."""


@dataclass
class SequenceDataset:
    """Windows ready for Keras, split into train, validation and test, and what is needed to read them back."""

    name: str
    task: str  # a key of TASKS
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    description: str = ""
    class_names: list[str] = field(default_factory=list)  # classes, or for text the vocabulary (id → character)
    notices: list[str] = field(default_factory=list)
    series: np.ndarray | None = None  # forecast: the whole series in its own units
    times: np.ndarray | None = None  # forecast: the time of each value (years, steps)
    boundaries: tuple[int, int] = (0, 0)  # forecast: where validation and test begin in `series`
    scale: tuple[float, float] = (0.0, 1.0)  # forecast: training mean and standard deviation
    unit: str = ""  # forecast: what the values are
    window: int = 0
    text_parts: tuple[str, str, str] = ("", "", "")  # next_char: the training, validation and test text
    tokens: list[str] = field(default_factory=list)  # classify from word ids: id → word, for showing a review

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def vocabulary(self) -> int | None:
        """How many different ids a classifier's word-id input holds (None for real-valued steps)."""
        return len(self.tokens) if self.tokens and self.task == "classify" else None

    def unscale(self, values: np.ndarray) -> np.ndarray:
        """Scaled forecast values back in the series' own units."""
        mean, spread = self.scale
        return np.asarray(values, dtype=np.float64) * spread + mean

    def decode(self, ids: np.ndarray) -> str:
        """Character ids back to text."""
        return "".join(self.class_names[int(i)] for i in np.ravel(ids))

    def encode(self, text: str) -> np.ndarray:
        """Text to character ids; characters outside the vocabulary become the unknown marker."""
        lookup = {character: index for index, character in enumerate(self.class_names)}
        unknown = lookup.get(UNKNOWN, 0)
        return np.array([lookup.get(character, unknown) for character in normalise_text(text)], dtype=np.int32)


def available() -> dict[str, dict[str, str]]:
    """Every sequence set that loads right now, by task: {task: {name: description}}."""
    classify = dict(CLASSIFY)
    if (datasets.keras_cache_dir() / IMDB[0]).exists():
        classify["imdb"] = IMDB[1]
    return {"forecast": dict(FORECAST), "classify": classify, "next_char": dict(TEXT)}


def unavailable() -> dict[str, str]:
    """Sequence sets that need a one-time download first, with how to get them."""
    if (datasets.keras_cache_dir() / IMDB[0]).exists():
        return {}
    return {"imdb": f"{IMDB[1].split(' (')[0]}. Not in {datasets.keras_cache_dir()}; on a machine with internet run "
                    "`python -c \"import keras; keras.datasets.imdb.load_data()\"` once, then reload."}


def load(name: str, window: int | None = None, *, period: int = 20, seed: int = 0) -> SequenceDataset:
    """A sequence set by name; nothing touches the network. `window` is the length of each sequence."""
    if name in FORECAST:
        window = 12 if window is None else window
        if name == "sunspots":
            years, values = sunspot_numbers()
            return forecast_windows(name, values, window, times=years, unit="sunspot number",
                                    description=FORECAST[name])
        values = sine(period=period, seed=seed) if name == "sine" else oscillator(seed=seed)
        description = FORECAST[name] + (f" Period {period} steps." if name == "sine" else "")
        return forecast_windows(name, values, window, unit="value", description=description)
    if name in CLASSIFY:
        return from_images(datasets.load(name), CLASSIFY[name])
    if name == "imdb":
        return imdb()
    if name in TEXT:
        return from_text(python_docs_text(), name, 64 if window is None else window, description=TEXT[name])
    raise SequenceError(f"There is no sequence set called {name!r}. Choose one of: "
                        f"{', '.join(n for names in available().values() for n in names)}.")


# -- series ---------------------------------------------------------------------------------------
def sunspot_numbers() -> tuple[np.ndarray, np.ndarray]:
    """The shipped yearly sunspot numbers: (years, values)."""
    table = np.loadtxt(ASSETS / "sunspots.csv", delimiter=",", comments="#", skiprows=5)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.float64)


def sine(period: int = 20, length: int = 600, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """sin(2πt / period) plus Gaussian noise."""
    if not 2 <= period <= 500:
        raise SequenceError("The period must be between 2 and 500 steps.")
    rng = np.random.default_rng(seed)
    steps = np.arange(length)
    return np.sin(2 * math.pi * steps / period) + rng.normal(0, noise, length)


def oscillator(length: int = 600, period: float = 16.0, damping: float = 0.06, kick: float = 0.3,
               seed: int = 0) -> np.ndarray:
    """A damped spring x'' + 2ζωx' + ω²x = random pushes, stepped exactly one time unit at a time (an AR(2) process)."""
    rng = np.random.default_rng(seed)
    omega = 2 * math.pi / period
    radius = math.exp(-damping * omega)  # how much of its swing the spring keeps each step
    a1, a2 = 2 * radius * math.cos(omega * math.sqrt(max(1e-9, 1 - damping**2))), -radius**2
    values = np.zeros(length)
    values[:2] = rng.normal(0, kick, 2)
    for t in range(2, length):
        values[t] = a1 * values[t - 1] + a2 * values[t - 2] + rng.normal(0, kick)
    return values


def chronological_split(length: int, validation: float = 0.15, test: float = 0.15) -> tuple[int, int]:
    """Where validation and test begin: the first part trains, the next validates, the latest tests."""
    validation_start = int(round(length * (1 - validation - test)))
    test_start = int(round(length * (1 - test)))
    return validation_start, test_start


def forecast_windows(name: str, values: np.ndarray, window: int, *, times: np.ndarray | None = None,
                     unit: str = "value", description: str = "") -> SequenceDataset:
    """Windows of `window` past values → the next value, split in time order, scaled on the training part only.

    A target in the validation (test) part may look back into the part before it, as a forecaster in
    that year would, but no training window ever contains a value from after the training part."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(values)):
        raise SequenceError("The series contains NaN or infinite values.")
    _check_window(window)
    validation_start, test_start = chronological_split(len(values))
    if validation_start - window < MIN_WINDOWS or len(values) - test_start < MIN_WINDOWS:
        raise SequenceError(f"A window of {window} steps leaves too few windows in a series of {len(values)} "
                            f"values; choose a window below {max(1, validation_start - MIN_WINDOWS)}.")
    mean, spread = float(values[:validation_start].mean()), float(values[:validation_start].std()) or 1.0
    scaled = ((values - mean) / spread).astype(np.float32)

    def windows(first_target: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        targets = np.arange(max(first_target, window), end)
        x = np.stack([scaled[t - window:t] for t in targets])[..., None]
        return x, scaled[targets][:, None]

    x_train, y_train = windows(0, validation_start)
    x_val, y_val = windows(validation_start, test_start)
    x_test, y_test = windows(test_start, len(values))
    return SequenceDataset(name, "forecast", x_train, y_train, x_val, y_val, x_test, y_test, description,
                           series=values, times=np.arange(len(values)) if times is None else np.asarray(times),
                           boundaries=(validation_start, test_start), scale=(mean, spread), unit=unit, window=window)


def _check_window(window: int) -> None:
    if not 1 <= int(window) <= MAX_WINDOW:
        raise SequenceError(f"The window must be between 1 and {MAX_WINDOW} steps.")


# -- images read row by row -----------------------------------------------------------------------
def from_images(images: datasets.Dataset, description: str = "", validation: float = 0.15) -> SequenceDataset:
    """An image set as sequences: each image is read top to bottom, one row (all its pixels and colours) per step."""
    def rows(x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), x.shape[1], x.shape[2] * x.shape[3]).astype(np.float32)

    count = max(1, int(round(len(images.x_train) * validation)))
    x_train, y_train = rows(images.x_train[:-count]), images.y_train[:-count]
    x_val, y_val = rows(images.x_train[-count:]), images.y_train[-count:]
    height, width, channels = images.input_shape
    return SequenceDataset(
        images.name, "classify", x_train, y_train, x_val, y_val, rows(images.x_test), images.y_test,
        description or f"{images.description} Read row by row: {height} steps of {width * channels} values.",
        list(images.class_names), list(images.notices), window=height,
    )


# -- word ids ---------------------------------------------------------------------------------------
def last_words(reviews: list, steps: int) -> np.ndarray:
    """Each list of word ids cut to its last `steps` ids, padded with 0 in front when shorter: (N, steps)."""
    out = np.zeros((len(reviews), steps), dtype=np.int32)
    for row, ids in enumerate(reviews):
        tail = np.asarray(ids, dtype=np.int64)[-steps:]
        out[row, steps - len(tail):] = tail
    return out


def imdb(validation: float = 0.15) -> SequenceDataset:
    """The IMDB reviews from the local Keras cache (never downloaded here), as the last words of each review."""
    if "imdb" not in available()["classify"]:
        raise SequenceError(unavailable()["imdb"])
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=IMDB_WORDS)
    except Exception as error:  # a present but broken cache must not crash the page
        raise SequenceError(f"The cached IMDB files could not be read ({type(error).__name__}).") from None
    words = {index + 3: word for word, index in _imdb_word_index().items() if index + 3 < IMDB_WORDS}
    tokens = [{0: "·", 1: "[start]", 2: "[rare]"}.get(i, words.get(i, f"#{i}")) for i in range(IMDB_WORDS)]
    x_train, x_test = last_words(x_train, IMDB_STEPS), last_words(x_test, IMDB_STEPS)
    count = int(len(x_train) * validation)
    order = np.random.default_rng(0).permutation(len(x_train))
    x_train, y_train = x_train[order], np.asarray(y_train, dtype=np.int64)[order]
    return SequenceDataset("imdb", "classify", x_train[:-count], y_train[:-count], x_train[-count:], y_train[-count:],
                           x_test, np.asarray(y_test, dtype=np.int64), IMDB[1], ["negative", "positive"],
                           window=IMDB_STEPS, tokens=tokens)


def _imdb_word_index() -> dict[str, int]:
    """Words by id when Keras has cached its word list too; otherwise ids are shown as numbers."""
    if not (datasets.keras_cache_dir() / "imdb_word_index.json").exists():
        return {}
    try:
        return keras.datasets.imdb.get_word_index()
    except Exception:  # noqa: BLE001 - words are a nicety; ids still work
        return {}


# -- text ---------------------------------------------------------------------------------------------
def python_docs_text() -> str:
    """The documentation text of Python's own help() topics, in a fixed order, as every Python carries it."""
    from pydoc_data import topics  # standard library, no TensorFlow

    return "\n\n".join(topics.topics[name].strip() for name in sorted(topics.topics))


def normalise_text(text: str) -> str:
    """Typographic quotes and dashes as plain ASCII, tabs as spaces, Windows line ends as \\n."""
    text = unicodedata.normalize("NFC", text)
    return "".join(TYPOGRAPHY.get(character, character) for character in text)


def read_text(data: bytes) -> str:
    """Uploaded bytes as text: UTF-8 plain text only, within the size limit."""
    if not data:
        raise SequenceError("The file is empty.")
    if len(data) > MAX_TEXT_BYTES:
        raise SequenceError(f"The file is {len(data) / 2**20:.1f} MB; the limit for text is "
                            f"{MAX_TEXT_BYTES // 2**20} MB.")
    if b"\x00" in data[:65536]:
        raise SequenceError("This is not a plain-text file (it contains binary data); upload a .txt file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SequenceError("This file is not UTF-8 plain text; save it as UTF-8 and upload it again.") from None


def from_text(text: str, name: str = "your text", window: int = 64, *, description: str = "",
              validation: float = 0.1, test: float = 0.1) -> SequenceDataset:
    """Text as next-character windows: each window of `window` characters predicts the character after each one.

    The text is split in reading order (training, then validation, then test); the vocabulary is the training
    part's most frequent characters, anything else one unknown marker."""
    if not isinstance(text, str):
        raise SequenceError("The text must be a string.")
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise SequenceError(f"The text is longer than {MAX_TEXT_BYTES // 2**20} MB; use a shorter part of it.")
    text = normalise_text(text)
    if any(unicodedata.category(character) == "Cc" and character != "\n" for character in set(text)):
        text = "".join(c for c in text if c == "\n" or unicodedata.category(c) != "Cc")
    if len(text) < MIN_TEXT_CHARACTERS:
        raise SequenceError(f"The text has {len(text):,} characters; a language model needs at least "
                            f"{MIN_TEXT_CHARACTERS:,} to learn from.")
    _check_window(window)
    validation_start, test_start = chronological_split(len(text), validation, test)
    parts = (text[:validation_start], text[validation_start:test_start], text[test_start:])
    if min(len(part) for part in parts) < window + 1:
        raise SequenceError(f"Windows of {window} characters do not fit in each part of a {len(text):,}-character "
                            "text; choose a shorter window.")
    counts = Counter(parts[0])
    vocabulary = [character for character, _ in counts.most_common(MAX_VOCABULARY - 1)]
    notices = []
    if len(counts) > len(vocabulary) or any(character not in counts for character in set(parts[1] + parts[2])):
        vocabulary.append(UNKNOWN)
        rare = len(counts) - (MAX_VOCABULARY - 1)
        if rare > 0:
            notices.append(f"{rare} rare character(s) are read as one unknown marker ({UNKNOWN}).")
    vocabulary.sort()
    dataset = SequenceDataset(name, "next_char", *([np.zeros((0, window), np.int32)] * 6),
                              description=description or f"Your text: {len(text):,} characters.",
                              class_names=vocabulary, notices=notices, window=window, text_parts=parts)
    ids = [dataset.encode(part) for part in parts]
    (dataset.x_train, dataset.y_train), (dataset.x_val, dataset.y_val), (dataset.x_test, dataset.y_test) = (
        next_character_windows(part, window) for part in ids)
    return dataset


def next_character_windows(ids: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Back-to-back windows of ids and, for each position, the id that follows it."""
    count = (len(ids) - 1) // window
    x = ids[: count * window].reshape(count, window)
    y = ids[1: count * window + 1].reshape(count, window)
    return x.astype(np.int32), y.astype(np.int32)


def unigram_entropy(dataset: SequenceDataset) -> float:
    """Bits per character of a model that knows only how often each character occurs in the training text,
    measured on the test text: the baseline a language model must beat."""
    train_ids = dataset.y_train.ravel()
    counts = np.bincount(train_ids, minlength=dataset.num_classes).astype(np.float64) + 0.5  # never probability 0
    probabilities = counts / counts.sum()
    test_ids = dataset.y_test.ravel()
    return float(-np.mean(np.log2(probabilities[test_ids])))


# -- a task built to test memory ------------------------------------------------------------------
def recall(delay: int, length: int | None = None, count: int = 1200, symbols: int = 4,
           seed: int = 0) -> SequenceDataset:
    """"Repeat the symbol you saw `delay` steps ago": random one-hot symbols; the label is the symbol at step
    length − delay. Guessing scores 1/symbols; only a network that carries that symbol through `delay`
    distracting steps does better."""
    length = length or delay + 1
    if not 1 <= delay < length <= MAX_WINDOW:
        raise SequenceError(f"The delay must be at least 1 and below the sequence length ({length}).")
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, symbols, size=(count, length))
    x = np.eye(symbols, dtype=np.float32)[ids]
    y = ids[:, length - 1 - delay].astype(np.int64)
    train, val = int(count * 0.7), int(count * 0.85)
    return SequenceDataset(f"recall {delay}", "classify", x[:train], y[:train], x[train:val], y[train:val],
                           x[val:], y[val:], f"Repeat the symbol seen {delay} steps before the end.",
                           [chr(ord("A") + s) for s in range(symbols)], window=length)
