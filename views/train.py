"""Build and train a CNN: pick data, stack layers, train with live curves, compare runs, keep the model."""

import pandas as pd
import streamlit as st

from dlviz import links
from dlviz.cnn import architecture
from dlviz.data import datasets, modelio
from dlviz.figures import charts
from dlviz.text import markdown_safe
from dlviz.training import jobs, runs, training
from views._layer_stack import edit_stack, shape_table, with_ids
from views._live import live_training, train_button
from views._projector import chart, explain
from views._resources import session_owner, shipped_dataset
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow
from views._uploads import uploaded_images, uploaded_model

UPLOAD = "Your own images (zip or .npz)"


def data_section() -> tuple[str, datasets.Dataset]:
    """The dataset picker and a preview; stops the page until there is data."""
    st.header("1 · Data")
    choices = datasets.available()
    link = read_link("train", {"dataset": links.Param(list(choices)), "preset": links.Param(list(architecture.PRESETS))})
    if "dataset" in link:
        st.session_state.dataset = link["dataset"]
    if "preset" in link:
        st.session_state.layer_preset = link["preset"]
        st.session_state.stack = with_ids(architecture.PRESETS[link["preset"]])
    show_link_notices("train")
    data_column, preview_column = st.columns([2, 3], gap="large")
    with data_column:
        name = st.selectbox("Dataset", [*choices, UPLOAD], key="dataset")
        missing = datasets.unavailable()
        if missing:
            with st.expander(f"More datasets ({', '.join(missing)}) need a one-time download"):
                for missing_name, how in missing.items():
                    st.caption(f"**{missing_name}**: {how}")
        dataset = uploaded_images("user_dataset") if name == UPLOAD else shipped_dataset(name)
    if dataset is None:
        st.info("Upload a zip (one folder of images per class) or an .npz to use your own data.")
        st.stop()
    with data_column:
        st.caption(markdown_safe(dataset.description))
        st.write(f"{len(dataset.x_train):,} training and {len(dataset.x_test):,} test images of shape {dataset.input_shape}.")
        for notice in dataset.notices:
            st.warning(markdown_safe(notice))
    with preview_column:
        chart(charts.samples_figure(dataset.samples_per_class(8), 8), key="samples")
        chart(charts.class_counts_figure(dataset.class_counts()), key="counts")
    return name, dataset


def architecture_section(dataset: datasets.Dataset) -> tuple[list, architecture.Summary]:
    st.header("2 · Architecture")
    editor_column, table_column = st.columns([1, 1], gap="medium")
    with editor_column:
        layers = edit_stack(dataset.input_shape, dataset.num_classes)
    with table_column:
        summary = shape_table(layers, dataset.input_shape, dataset.num_classes)
    return layers, summary


def training_section(layers: list, dataset: datasets.Dataset, ready: bool) -> None:
    st.header("3 · Train")
    defaults = training.TrainConfig()
    settings = st.columns(6)
    optimizer = settings[0].selectbox("Optimizer", list(training.OPTIMIZERS), format_func=training.OPTIMIZERS.get, key="optimizer")
    learning_rate = settings[1].number_input("Learning rate", 1e-5, 100.0, defaults.learning_rate, format="%.5f", key="learning_rate")
    batch_size = settings[2].select_slider("Batch size", [8, 16, 32, 64, 128, 256], defaults.batch_size, key="batch_size")
    epochs = settings[3].number_input("Epochs", 1, training.MAX_EPOCHS, defaults.epochs, key="epochs")
    validation = settings[4].slider("Validation split", 0.0, 0.5, defaults.validation_split, 0.05, key="validation_split")
    seed = settings[5].number_input("Seed", 0, 2**31 - 1, defaults.seed, key="seed")
    config = training.TrainConfig(int(epochs), int(batch_size), float(learning_rate), optimizer, float(validation), int(seed))

    def start() -> None:
        model = architecture.build_model(layers, dataset.input_shape, dataset.num_classes, seed=config.seed)
        st.session_state.job = jobs.start(model, dataset, config, owner=session_owner(), label="CNN")
        st.session_state.job_settings = run_settings(layers, dataset, config)
        st.session_state.job_dataset = dataset

    train_button("train", "job", start, (architecture.ArchitectureError, training.TrainingError), ready)
    live_training("job", waiting="Press **Train** to train this model; the curves will move as it learns.")


def run_settings(layers: list, dataset: datasets.Dataset, config: training.TrainConfig) -> dict:
    """What distinguishes one run from another, for the comparison table."""
    dropout = [spec.setting("rate") for spec in layers if spec.kind == "Dropout"]
    return {"data": dataset.name, "layers": " → ".join(spec.label() for spec in layers), "optimizer": config.optimizer,
            "learning rate": config.learning_rate, "batch": config.batch_size, "dropout": ", ".join(map(str, dropout)) or "none",
            "seed": config.seed}


def keep_finished_run(job: jobs.TrainingJob) -> None:
    """Once per finished job: it becomes the current model, and a run in the comparison."""
    if st.session_state.get("current_job") is job or job.status != "done" or job.evaluation is None:
        return
    st.session_state.current_job = job
    trained_on = st.session_state.job_dataset
    current = modelio.CurrentModel(job.run.model, list(trained_on.class_names), f"trained on {trained_on.name}",
                                   trained_on.name, job.run, trained_on)
    st.session_state.current_model = current
    book = st.session_state.setdefault("run_book", runs.RunBook())
    name = f"Run {len(book.records) + 1}"
    for notice in book.add(runs.RunRecord(name, st.session_state.job_settings, list(job.run.history), job.run.summary(),
                                          job.evaluation.accuracy, job.run, {"current": current})):
        st.toast(markdown_safe(notice))


def results_section(job: jobs.TrainingJob) -> None:
    st.header("4 · Results")
    tested, evaluation = st.session_state.job_dataset, job.evaluation
    names = list(tested.class_names)
    metric_columns = st.columns(3)
    metric_columns[0].metric("Test accuracy", f"{evaluation.accuracy:.1%}")
    metric_columns[1].metric("Test loss", f"{evaluation.loss:.4f}")
    metric_columns[2].metric("Training time", f"{job.run.seconds:.1f} s")
    confusion_column, wrong_column = st.columns(2, gap="large")
    with confusion_column:
        chart(charts.confusion_figure(evaluation.confusion, names), key="confusion")
    with wrong_column:
        wrong = evaluation.misclassified[:24]
        st.markdown(f"**Misclassified test images** ({len(evaluation.misclassified)} of {len(tested.y_test)})")
        if len(wrong):
            captions = [f"{names[tested.y_test[i]]}→{names[evaluation.predictions[i]]}" for i in wrong]
            chart(charts.misclassified_figure(tested.x_test[wrong], captions, columns=6), key="misclassified")
        else:
            st.success("Every test image was classified correctly.")
    download_columns = st.columns(2)
    download_columns[0].download_button("Download the model (.keras)", lambda: modelio.save_model(job.run.model),
                                        "dlviz_model.keras", key="download_model")
    download_columns[1].download_button("Download the history (.csv)", training.history_csv(job.run),
                                        "dlviz_history.csv", key="download_history")


def runs_section() -> None:
    """Every run of this session side by side: curves overlaid, settings and results in a table."""
    book = st.session_state.get("run_book")
    if book is None or len(book.records) < 1:
        return
    st.header("5 · Compare your runs")
    st.caption("Change one setting at a time (learning rate, dropout, a layer) and train again: each run is kept here.")
    chart(charts.compare_runs_figure([(r.name, r.history) for r in book.records]), key="runs_curves")
    st.dataframe(pd.DataFrame(book.comparison_rows()), hide_index=True, key="runs_table",
                 column_config={"test accuracy": st.column_config.NumberColumn(format="percent")})
    kept = [record.name for record in book.records if record.run is not None]
    pick_column, use_column, download_column = st.columns([2, 1, 1], vertical_alignment="bottom")
    chosen = book.get(pick_column.selectbox("Run", kept, index=len(kept) - 1, key="run_pick"))
    if chosen is None:
        return
    if use_column.button("Use as current model", key="run_use"):
        st.session_state.current_model = chosen.extra["current"]
    download_column.download_button("Download its model", lambda: modelio.save_model(chosen.model),
                                    f"dlviz_{chosen.name.lower().replace(' ', '_')}.keras", key="run_download")


def upload_section() -> None:
    with st.expander("Or upload a trained Keras model (.keras)"):
        model_upload = st.file_uploader("A .keras file saved with model.save()", type=["keras", "h5"], key="model_upload")
        uploaded = uploaded_model(model_upload, "train_upload")
        if uploaded is not None and uploaded is not st.session_state.get("train_upload_applied"):
            st.session_state.current_model = uploaded  # a newly accepted upload becomes the current model, once
            st.session_state.train_upload_applied = uploaded
    current = st.session_state.get("current_model")
    if current is not None:
        st.success(f"Current model: {markdown_safe(current.model.name)} ({markdown_safe(current.source)}), "
                   f"input {current.input_shape}, {current.model.count_params():,} parameters.")


st.title("Build and train a CNN")
explain(
    "Assemble a convolutional network layer by layer, watch what each layer does to the tensor's "
    "shape, then train it with real TensorFlow. The trained model becomes your current model on the "
    "other pages."
)
require_tensorflow()
name, dataset = data_section()
layers, summary = architecture_section(dataset)
write_link({"dataset": name if name != UPLOAD else None, "preset": st.session_state.layer_preset})
training_section(layers, dataset, ready=summary.error is None)
job = st.session_state.get("job")
if job is not None and not job.running:
    keep_finished_run(job)
    if job.status == "done" and job.evaluation is not None:
        results_section(job)
runs_section()
upload_section()
