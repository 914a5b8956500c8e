"""The autoencoder page's first half: the data, the architecture with its shape table, the training settings,
and an uploaded autoencoder. Each returns plain values; nothing here trains or draws results."""

import math

import pandas as pd
import streamlit as st

from dlviz import text
from dlviz.data import datasets, modelio
from dlviz.figures import charts
from dlviz.networks import autoencoder as ae
from dlviz.training import training
from views._projector import chart
from views._resources import shipped_dataset
from views._uploads import uploaded_images

UPLOAD = "Your own images (zip or .npz)"
LOSSES = {"mse": "mean squared error", "binary_crossentropy": "binary cross-entropy"}


def pick_dataset() -> datasets.Dataset | None:
    """The dataset chosen (shipped, cached or uploaded), with a preview; None until an upload is there."""
    data_column, preview_column = st.columns([2, 3], gap="large")
    with data_column:
        name = st.selectbox("Dataset", [*datasets.available(), UPLOAD], key="ae_dataset")
        if name == UPLOAD:
            dataset = uploaded_images("ae_user_dataset")
            if dataset is None:
                st.info("Upload a zip (one folder of images per class) or an .npz to use your own pictures.")
                return None
        else:
            dataset = shipped_dataset(name)
        st.caption(text.markdown_safe(dataset.description, 400))
        st.write(f"{len(dataset.x_train):,} training and {len(dataset.x_test):,} test images of shape "
                 f"{dataset.input_shape}. The labels are not used for training, only to colour the pictures below.")
        for notice in dataset.notices:
            st.warning(text.markdown_safe(notice, 600))
    chart(charts.samples_figure(dataset.samples_per_class(8), 8), key="ae_samples", where=preview_column)
    return dataset


def pick_design(dataset: datasets.Dataset) -> tuple[ae.Design, list[ae.LayerRow] | None]:
    """The architecture's widgets and, beside them, its shape table (None, with the reason shown, if it cannot work)."""
    widgets, table = st.columns([2, 3], gap="large")
    with widgets:
        kind = st.radio("Architecture", list(ae.KINDS), format_func=ae.KINDS.get, horizontal=True, key="ae_kind")
        code = st.slider("Code size (numbers per image)", ae.MIN_CODE, ae.MAX_CODE, 2, key="ae_code")
        default = ae.default_design(dataset.input_shape, int(code), kind)
        size = "x".join(map(str, dataset.input_shape))  # the defaults depend on the image size
        hidden_text = st.text_input("Filters per convolution" if kind == "conv" else "Hidden layer sizes (encoder)",
                                    ", ".join(map(str, default.hidden)), key=f"ae_hidden_{kind}_{size}",
                                    help="The decoder mirrors them. Convolutional: the first convolution keeps the "
                                         "full size, each later one halves it.")
        left, right = st.columns(2)
        activation = left.selectbox("Activation", ae.ACTIVATIONS, key="ae_activation")
        options = {}
        if kind == "conv":
            options["dense_units"] = int(right.number_input("Dense layer before the code", 0, ae.MAX_UNITS,
                                                            default.dense_units, key=f"ae_dense_units_{size}"))
            options["downsampling"] = left.selectbox("Down", list(ae.DOWNSAMPLING), format_func=ae.DOWNSAMPLING.get,
                                                     key="ae_down")
            options["upsampling"] = right.selectbox("Up", list(ae.UPSAMPLING), format_func=ae.UPSAMPLING.get, key="ae_up")
        noise = left.slider("Denoising: training noise σ", 0.0, ae.MAX_NOISE, ae.DEFAULT_NOISE, 0.05, key="ae_noise",
                            help="Gaussian noise added to the inputs while training only; the target stays the clean image.")
        sparse = right.number_input("Sparse: L1 weight on the code", 0.0, ae.MAX_SPARSE, 0.0, 0.001, format="%.4f",
                                    key="ae_sparse")
    with table:
        try:
            design = ae.Design(kind, int(code), ae.parse_sizes(hidden_text), activation, float(noise), float(sparse), **options)
            rows = ae.plan(dataset.input_shape, design)
        except ae.AutoencoderError as error:
            st.error(f"**This autoencoder cannot work.** {text.markdown_safe(error, 600)}")
            return ae.Design(kind, int(code)), None
        st.dataframe(pd.DataFrame([{"part": row.part, "layer": row.label, "output shape": " × ".join(map(str, row.output_shape)),
                                    "parameters": row.parameters, "arithmetic": row.formula} for row in rows]),
                     hide_index=True, key="ae_shape_table")
        squeeze = rows[0].output_shape
        st.markdown(f"**{sum(row.parameters for row in rows):,} parameters.** Each image of "
                    f"{' × '.join(map(str, squeeze))} = {math.prod(squeeze):,} numbers "
                    f"is squeezed into a code of **{design.code_size}** numbers and rebuilt from it.")
        with st.expander("The same model as Keras code"):
            st.code(ae.keras_code(dataset.input_shape, design), language="python")
    return design, rows


def pick_training(dataset: datasets.Dataset) -> tuple[training.TrainConfig, str]:
    """Loss and training settings; the defaults are the ones the page's figures are measured with."""
    default = ae.default_config(dataset.input_shape)
    columns = st.columns(5)
    loss = columns[0].selectbox("Loss", list(LOSSES), format_func=LOSSES.get, key="ae_loss")
    epochs = columns[1].number_input("Epochs", 1, training.MAX_EPOCHS, default.epochs, key=f"ae_epochs_{default.epochs}")
    batch = columns[2].select_slider("Batch size", [16, 32, 64, 128, 256], default.batch_size, key="ae_batch")
    rate = columns[3].number_input("Learning rate", 1e-5, 1.0, default.learning_rate, format="%.5f", key="ae_rate")
    seed = columns[4].number_input("Seed", 0, 2**31 - 1, 0, key="ae_seed")
    return training.TrainConfig(int(epochs), int(batch), float(rate), default.optimizer, default.validation_split,
                                int(seed)), loss


def uploaded_autoencoder(dataset: datasets.Dataset) -> None:
    """An uploaded .keras autoencoder becomes the page's model (read once; a refused file keeps the last one)."""
    upload = st.file_uploader("An autoencoder saved from this page (.keras)", type=["keras", "h5"], key="ae_model_upload")
    if upload is None or st.session_state.get("ae_model_file") == (upload.name, upload.size, dataset.name):
        return
    try:
        model = modelio.load_model(upload.getvalue(), upload.name)
        ae.check(model)
        if tuple(model.input_shape[1:]) != dataset.input_shape:
            raise ae.AutoencoderError(f"It takes images of {tuple(model.input_shape[1:])}, but {dataset.name} has "
                                      f"{dataset.input_shape}; choose a dataset of that size above.")
    except (modelio.ModelFileError, ae.AutoencoderError) as error:
        st.error(f"**{text.markdown_safe(upload.name)}** cannot be used: {text.markdown_safe(error, 600)}")
        return
    st.session_state.ae_model_file = (upload.name, upload.size, dataset.name)
    st.session_state.ae_current = modelio.CurrentModel(model, list(dataset.class_names), f"uploaded {upload.name}",
                                                       dataset.name, None, dataset)
