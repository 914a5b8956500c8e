"""Build and train a CNN: pick data, stack layers, train with live curves, keep the model."""

import uuid

import pandas as pd
import streamlit as st

from dlviz import links
from dlviz.cnn import architecture
from dlviz.cnn.architecture import ArchitectureError, LayerSpec
from dlviz.data import datasets, modelio
from dlviz.figures import charts
from dlviz.training import jobs, training
from views._model_links import layer_links
from views._resources import session_owner, shipped_dataset
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow
from views._uploads import uploaded_model

st.title("Build and train a CNN")
st.markdown(
    "Assemble a convolutional network layer by layer, watch what each layer does to the tensor's "
    "shape, then train it with real TensorFlow. The trained model becomes your current model on the "
    "other pages."
)
require_tensorflow()


# -- 1. Data -------------------------------------------------------------------------------
st.header("1 · Data")
choices = datasets.available()
UPLOAD = "Your own images (zip or .npz)"
link = read_link("train", {"dataset": links.Param(list(choices)), "preset": links.Param(list(architecture.PRESETS))})
if "dataset" in link:
    st.session_state.dataset = link["dataset"]
if "preset" in link:
    st.session_state.layer_preset = link["preset"]
    st.session_state.stack = [(uuid.uuid4().hex[:8], spec) for spec in architecture.PRESETS[link["preset"]]]
show_link_notices("train")
data_column, preview_column = st.columns([2, 3], gap="large")
with data_column:
    name = st.selectbox("Dataset", [*choices, UPLOAD], key="dataset")
    missing = datasets.unavailable()
    if missing:
        with st.expander(f"More datasets ({', '.join(missing)}) need a one-time download"):
            for missing_name, how in missing.items():
                st.caption(f"**{missing_name}**: {how}")
    if name == UPLOAD:
        upload = st.file_uploader(
            "A zip with one folder per class, or an .npz with arrays x and y", type=["zip", "npz"], key="data_upload"
        )
        if upload is not None and st.session_state.get("uploaded_name") != (upload.name, upload.size):
            try:
                reader = datasets.from_npz if upload.name.lower().endswith(".npz") else datasets.from_zip
                st.session_state.user_dataset = reader(upload.getvalue(), upload.name)
                st.session_state.uploaded_name = (upload.name, upload.size)
            except datasets.DatasetError as error:
                st.error(f"**{upload.name}** cannot be used: {error}")
        dataset = st.session_state.get("user_dataset")
    else:
        dataset = shipped_dataset(name)
if dataset is None:
    st.info("Upload a zip (one folder of images per class) or an .npz to use your own data.")
    st.stop()
with data_column:
    st.caption(dataset.description)
    st.write(f"{len(dataset.x_train):,} training and {len(dataset.x_test):,} test images of shape {dataset.input_shape}.")
    for notice in dataset.notices:
        st.warning(notice)
with preview_column:
    st.plotly_chart(charts.samples_figure(dataset.samples_per_class(8), 8), key="samples")
    st.plotly_chart(charts.class_counts_figure(dataset.class_counts()), key="counts")

# -- 2. Architecture -------------------------------------------------------------------------
st.header("2 · Architecture")
if "stack" not in st.session_state:
    st.session_state.stack = [(uuid.uuid4().hex[:8], spec) for spec in architecture.default_layers()]


def load_layer_preset() -> None:
    specs = architecture.PRESETS[st.session_state.layer_preset]
    st.session_state.stack = [(uuid.uuid4().hex[:8], spec) for spec in specs]


def move(index: int, step: int) -> None:
    stack = st.session_state.stack
    target = index + step
    if 0 <= target < len(stack):
        stack[index], stack[target] = stack[target], stack[index]


def remove(index: int) -> None:
    del st.session_state.stack[index]


def add_layer() -> None:
    st.session_state.stack.append((uuid.uuid4().hex[:8], architecture.layer(st.session_state.new_layer)))


SETTING_WIDGETS = {
    "filters": lambda label, value, key: st.number_input(label, 1, 256, int(value), key=key),
    "units": lambda label, value, key: st.number_input(label, 1, 1024, int(value), key=key),
    "kernel": lambda label, value, key: st.number_input(label, 1, 11, int(value), key=key),
    "pool": lambda label, value, key: st.number_input(label, 1, 8, int(value), key=key),
    "stride": lambda label, value, key: st.number_input(label, 1, 8, int(value), key=key),
    "padding": lambda label, value, key: st.selectbox(label, architecture.PADDINGS, architecture.PADDINGS.index(value), key=key),
    "activation": lambda label, value, key: st.selectbox(label, architecture.ACTIVATIONS, architecture.ACTIVATIONS.index(value), key=key),
    "rate": lambda label, value, key: st.number_input(label, 0.0, 0.9, float(value), 0.05, key=key),
}

editor_column, table_column = st.columns([1, 1], gap="medium")
with editor_column:
    preset_column, load_column = st.columns([3, 1], vertical_alignment="bottom")
    st.session_state.setdefault("layer_preset", architecture.DEFAULT_PRESET)
    preset_column.selectbox("Preset", list(architecture.PRESETS), key="layer_preset")
    load_column.button("Load", on_click=load_layer_preset, key="load_preset")
    st.caption(f"Input {dataset.input_shape} →")
    edited, shape_notes = [], []
    for index, (uid, spec) in enumerate(st.session_state.stack):
        with st.container(border=True):
            title_column, up_column, down_column, remove_column = st.columns([5, 1, 1, 1], vertical_alignment="center")
            title_column.markdown(f"**{index + 1}. {spec.kind}**")
            up_column.button(":material/arrow_upward:", key=f"{uid}_up", on_click=move, args=(index, -1), help="Move up")
            down_column.button(":material/arrow_downward:", key=f"{uid}_down", on_click=move, args=(index, 1), help="Move down")
            remove_column.button(":material/close:", key=f"{uid}_remove", on_click=remove, args=(index,), help="Remove")
            settings = list(architecture.DEFAULTS[spec.kind])
            params = {}
            widths = [1.4 if key in ("padding", "activation") else 1 for key in settings] or [1]
            for column, key in zip(st.columns(widths), settings):
                with column:
                    params[key] = SETTING_WIDGETS[key](key, spec.setting(key), f"{uid}_{key}")
            shape_notes.append(st.empty())  # filled below with what this layer does to the shape
            trained = st.session_state.get("current_model")
            if trained is not None and architecture.layer_name(index + 1, spec) in [layer.name for layer in trained.model.layers]:
                layer_links("CNN", architecture.layer_name(index + 1, spec))  # this layer of the trained model elsewhere
            edited.append((uid, LayerSpec(spec.kind, params)))
    st.session_state.stack = edited
    add_column, add_button_column = st.columns([3, 1], vertical_alignment="bottom")
    add_column.selectbox("Add a layer", architecture.KINDS, key="new_layer")
    add_button_column.button("Add", on_click=add_layer, key="add_layer")
    st.caption(f"→ Dense {dataset.num_classes} softmax (the output layer, one unit per class)")

layers = [spec for _, spec in st.session_state.stack]
with table_column:
    try:
        rows = architecture.summarise(layers, dataset.input_shape, dataset.num_classes)
    except ArchitectureError as error:
        rows = None
        st.error(f"**This stack cannot work.** {error.message}")
    if rows:
        for note, row in zip(shape_notes, rows):
            note.caption(f"→ **{' × '.join(map(str, row.output_shape))}** · {row.formula}")
        st.dataframe(
            pd.DataFrame([{"#": r.index, "layer": r.label, "output shape": " × ".join(map(str, r.output_shape)),
                           "parameters": r.parameters} for r in rows]),
            hide_index=True, key="shape_table",
        )
        st.markdown(f"**Total parameters: {sum(r.parameters for r in rows):,}**")
        st.caption("Each layer's card shows its arithmetic. Convolution and pooling output size: "
                   "out = floor((in + 2·pad − kernel) / stride) + 1; with padding='same' Keras pads so that "
                   "out = ceil(in / stride).")
        with st.expander("The same model as Keras code"):
            st.code(architecture.keras_code(layers, dataset.input_shape, dataset.num_classes), language="python")

write_link({"dataset": name if name != UPLOAD else None, "preset": st.session_state.layer_preset})

# -- 3. Training -----------------------------------------------------------------------------
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


def start_training() -> None:
    try:
        model = architecture.build_model(layers, dataset.input_shape, dataset.num_classes)
        st.session_state.job = jobs.start(model, dataset, config, owner=session_owner(), label="CNN")
        st.session_state.job_class_names = list(dataset.class_names)
        st.session_state.job_dataset = dataset
        st.session_state.train_error = None
    except (ArchitectureError, training.TrainingError) as error:
        st.session_state.train_error = str(error)


job = st.session_state.get("job")
st.button("Train", type="primary", on_click=start_training, disabled=rows is None or bool(job and job.running), key="train")
if st.session_state.get("train_error"):
    st.error(st.session_state.train_error)


@st.fragment(run_every=0.5 if job is not None and job.running else None)
def live_training() -> None:
    job = st.session_state.get("job")
    if job is None:
        st.info("Press **Train** to train this model; the curves will move as it learns.")
        return
    history = job.run.history if job.run else []
    st.progress(job.progress, text=job.summary())
    if job.running:
        st.button("Stop", on_click=job.request_stop, key="stop")
    st.plotly_chart(charts.training_curves(history, job.epochs), key="curves")
    if not job.running and st.session_state.get("job_polling"):
        st.session_state.job_polling = False
        st.rerun(scope="app")  # training ended: show the results and stop polling


if job is not None and job.running:
    st.session_state.job_polling = True
live_training()

# -- 4. Results --------------------------------------------------------------------------------
if job is not None and not job.running:
    if job.status == "failed":
        st.error(job.error)
    elif job.run.stopped and job.run.stopped != "stopped by you":
        st.error(f"Training was stopped: {job.run.stopped}")
    if job.status == "done" and job.evaluation is not None:
        if st.session_state.get("current_job") is not job:
            st.session_state.current_job = job
            trained_on = st.session_state.job_dataset
            st.session_state.model_bytes = modelio.save_model(job.run.model)
            st.session_state.current_model = modelio.CurrentModel(
                job.run.model, st.session_state.job_class_names, f"trained on {trained_on.name}", trained_on.name, job.run,
                trained_on,
            )
        st.header("4 · Results")
        if job.run.stopped == "stopped by you":
            st.info(f"You stopped training after {job.run.finished_epochs} epoch(s); the partly trained model is kept.")
        evaluation, names = job.evaluation, st.session_state.job_class_names
        metric_columns = st.columns(3)
        metric_columns[0].metric("Test accuracy", f"{evaluation.accuracy:.1%}")
        metric_columns[1].metric("Test loss", f"{evaluation.loss:.4f}")
        metric_columns[2].metric("Training time", f"{job.run.seconds:.1f} s")
        confusion_column, wrong_column = st.columns(2, gap="large")
        confusion_column.plotly_chart(charts.confusion_figure(evaluation.confusion, names), key="confusion")
        with wrong_column:
            wrong = evaluation.misclassified[:24]
            st.markdown(f"**Misclassified test images** ({len(evaluation.misclassified)} of {len(st.session_state.job_dataset.y_test)})")
            if len(wrong):
                tested = st.session_state.job_dataset
                captions = [f"{names[tested.y_test[i]]}→{names[evaluation.predictions[i]]}" for i in wrong]
                st.plotly_chart(charts.misclassified_figure(tested.x_test[wrong], captions, columns=6), key="misclassified")
            else:
                st.success("Every test image was classified correctly.")
        download_columns = st.columns(2)
        download_columns[0].download_button("Download the model (.keras)", st.session_state.model_bytes,
                                            "dlviz_model.keras", key="download_model")
        download_columns[1].download_button("Download the history (.csv)", training.history_csv(job.run),
                                            "dlviz_history.csv", key="download_history")

# -- Upload a model ------------------------------------------------------------------------------
with st.expander("Or upload a trained Keras model (.keras)"):
    model_upload = st.file_uploader("A .keras file saved with model.save()", type=["keras", "h5"], key="model_upload")
    uploaded = uploaded_model(model_upload, "train_upload")
    if uploaded is not None and uploaded is not st.session_state.get("train_upload_applied"):
        st.session_state.current_model = uploaded  # a newly accepted upload becomes the current model, once
        st.session_state.train_upload_applied = uploaded
current = st.session_state.get("current_model")
if current is not None:
    st.success(f"Current model: {current.model.name} ({current.source}), input {current.input_shape}, "
               f"{current.model.count_params():,} parameters.")
