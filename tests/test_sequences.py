"""Sequence data: the shipped real series, chronological splits that never leak the future, rows, text, memory."""

import numpy as np
import pytest

from dlviz.data import datasets, sequences


def test_every_offered_set_loads_with_a_split_per_task():
    for task, names in sequences.available().items():
        for name in names:
            data = sequences.load(name)
            assert data.task == task
            assert len(data.x_train) > len(data.x_val) > 0 and len(data.x_test) > 0
            assert data.x_train.shape[1:] == data.x_val.shape[1:] == data.x_test.shape[1:]


def test_the_shipped_sunspots_are_the_real_yearly_numbers():
    years, values = sequences.sunspot_numbers()
    assert years[0] == 1700 and years[-1] == 2008 and len(values) == 309
    assert values[years.tolist().index(1957)] == pytest.approx(190.2)  # the largest yearly mean on record here
    header = (sequences.ASSETS / "sunspots.csv").read_text().splitlines()[:4]
    assert any("public domain" in line for line in header) and any("NOAA" in line for line in header)


def test_chronological_split_never_leaks_the_future():
    data = sequences.load("sunspots", 10)
    validation_start, test_start = data.boundaries
    scaled = (data.series - data.scale[0]) / data.scale[1]
    # scaling uses the training part only
    assert data.scale[0] == pytest.approx(data.series[:validation_start].mean())
    assert data.scale[1] == pytest.approx(data.series[:validation_start].std())
    # every training window and target lies before the validation part, and each window is the true past of its target
    for part, first_target, end in ((data.x_train, 10, validation_start), (data.x_val, validation_start, test_start),
                                    (data.x_test, test_start, len(data.series))):
        targets = np.arange(first_target, end)
        assert len(part) == len(targets)
        np.testing.assert_allclose(part[:, :, 0], np.stack([scaled[t - 10:t] for t in targets]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(data.y_train[:, 0], scaled[10:validation_start], rtol=1e-5, atol=1e-6)
    assert data.y_train.max() <= scaled[:validation_start].max() + 1e-6
    np.testing.assert_allclose(data.unscale(data.y_test[:, 0]), data.series[test_start:], rtol=1e-5)


def test_generated_series_and_a_window_too_long():
    sine = sequences.sine(period=10, noise=0.0, length=40)
    np.testing.assert_allclose(sine[:10], np.sin(2 * np.pi * np.arange(10) / 10), atol=1e-12)
    noisy = sequences.load("sine", 8, period=25)
    assert "Period 25" in noisy.description
    spring = sequences.oscillator(length=400, seed=1)
    assert np.all(np.isfinite(spring)) and spring.std() > 0.1
    with pytest.raises(sequences.SequenceError, match="too few windows"):
        sequences.load("sunspots", 300)
    with pytest.raises(sequences.SequenceError, match="window"):
        sequences.load("sunspots", 0)
    with pytest.raises(sequences.SequenceError, match="NaN"):
        sequences.forecast_windows("x", np.r_[np.zeros(50), np.nan], 4)
    with pytest.raises(sequences.SequenceError, match="no sequence set"):
        sequences.load("nonsense")


def test_digits_are_read_row_by_row():
    images = datasets.load("digits")
    data = sequences.load("digits")
    assert data.input_shape == (8, 8) and data.num_classes == 10
    everything = np.concatenate([data.x_train, data.x_val])
    np.testing.assert_array_equal(everything, images.x_train[..., 0])  # row t of the image is time step t
    np.testing.assert_array_equal(data.x_test, images.x_test[..., 0])
    colour = datasets.shapes(rgb=True, per_class=8)
    rows = sequences.from_images(colour)
    assert rows.input_shape == (32, 32 * 3)
    np.testing.assert_array_equal(rows.x_test[0, 5], colour.x_test[0, 5].ravel())


def test_text_windows_predict_the_next_character():
    data = sequences.load("python_docs", 32)
    assert data.num_classes <= sequences.MAX_VOCABULARY
    train_text, validation_text, test_text = data.text_parts
    assert len(train_text) == pytest.approx(8 * len(test_text), rel=0.01)
    np.testing.assert_array_equal(data.x_train[0][1:], data.y_train[0][:-1])  # each target is the next character
    assert data.decode(data.x_train[0]) + data.decode(data.y_train[0][-1:]) == train_text[:33]
    assert data.decode(data.x_test[0]) == test_text[:32]
    unigram = sequences.unigram_entropy(data)
    assert 3.5 < unigram < 5.5  # English-like text: about 4 to 5 bits per character


def test_unigram_entropy_is_the_frequency_model_cross_entropy():
    data = sequences.from_text("aab" * 1000, window=5)
    counts = np.bincount(data.y_train.ravel(), minlength=data.num_classes) + 0.5
    p = counts / counts.sum()
    assert sequences.unigram_entropy(data) == pytest.approx(-np.mean(np.log2(p[data.y_test.ravel()])))


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "empty"),
    (b"\x00\x01binary" * 10, "not a plain-text"),
    ("caf\u00e9".encode("latin-1") * 1000, "UTF-8"),
    (b"x" * (sequences.MAX_TEXT_BYTES + 1), "limit"),
])
def test_bad_text_files_are_refused(raw, message):
    with pytest.raises(sequences.SequenceError, match=message):
        sequences.read_text(raw)


def test_short_text_and_odd_characters():
    with pytest.raises(sequences.SequenceError, match="at least"):
        sequences.from_text("too short")
    text = "".join(chr(0x4E00 + i) for i in range(300)) * 10  # 300 different characters
    data = sequences.from_text(text, window=20)
    assert data.num_classes == sequences.MAX_VOCABULARY and sequences.UNKNOWN in data.class_names
    assert data.notices and "unknown" in data.notices[0]
    assert sequences.from_text("“quoted” — text\r\n" * 200).text_parts[0].startswith('"quoted" - text\n')


def test_recall_labels_are_the_symbol_k_steps_before_the_end():
    data = sequences.recall(delay=3, length=10, count=50, seed=2)
    assert data.input_shape == (10, 4)
    np.testing.assert_array_equal(np.argmax(data.x_train[:, 10 - 1 - 3], axis=1), data.y_train)
    with pytest.raises(sequences.SequenceError):
        sequences.recall(delay=10, length=10)


def test_imdb_is_offered_only_from_the_keras_cache(monkeypatch, tmp_path):
    import keras

    from dlviz.networks import recurrent

    monkeypatch.setattr(datasets, "keras_cache_dir", lambda: tmp_path)
    assert "imdb" not in sequences.available()["classify"] and "load_data()" in sequences.unavailable()["imdb"]
    with pytest.raises(sequences.SequenceError, match="Not in"):
        sequences.load("imdb")
    (tmp_path / "imdb.npz").write_bytes(b"")  # present: Keras' own loader reads it (faked here: no download)
    reviews, labels = [[1, 5, 6, 7], list(range(1, 150))] * 10, [0, 1] * 10
    monkeypatch.setattr(keras.datasets.imdb, "load_data",
                        lambda num_words: ((reviews, labels), (reviews[:4], labels[:4])))
    assert "imdb" in sequences.available()["classify"] and not sequences.unavailable()
    data = sequences.load("imdb")
    assert data.input_shape == (100,) and data.vocabulary == sequences.IMDB_WORDS and data.class_names[1] == "positive"
    np.testing.assert_array_equal(data.x_test[0], np.r_[np.zeros(96), [1, 5, 6, 7]])  # the last words, padded in front
    np.testing.assert_array_equal(data.x_test[1], np.arange(50, 150))
    assert data.tokens[1] == "[start]" and data.tokens[5] == "#5"  # no cached word list: ids shown as numbers
    model = recurrent.build("classify", "gru", 4, data.input_shape, 2, vocabulary=data.vocabulary)
    rows = recurrent.summarise("classify", "gru", 4, data.input_shape, 2, vocabulary=data.vocabulary)
    assert sum(row.parameters for row in rows) == model.count_params() and rows[0].kind == "Embedding"
    np.testing.assert_allclose(recurrent.forward_steps(model, data.x_test[0])[-1], model.predict(data.x_test[:1], verbose=0)[0],
                               rtol=1e-5, atol=1e-6)
