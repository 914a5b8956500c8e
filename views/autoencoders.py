"""Autoencoders: squeeze pictures through a short code and back, walk the code space, compare with PCA."""

import streamlit as st

from dlviz import links, text
from dlviz.data import datasets, modelio
from dlviz.figures import charts
from dlviz.networks import autoencoder as ae
from dlviz.training import jobs, training
from views import _autoencoder_build as build
from views import _autoencoder_pca as versus
from views import _autoencoder_views as show
from views._live import live_training, train_button
from views._models import keep
from views._resources import session_owner
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow

st.title("Autoencoders")
st.markdown(
    "An autoencoder learns without labels. Its **encoder** squeezes each image into a short **code**, its "
    "**decoder** rebuilds the image from that code alone, and training makes the rebuilt image as close to the "
    "original as it can. What survives the squeeze is what the network found to matter."
)
require_tensorflow()

link = read_link("autoencoders", {"dataset": links.Param([*datasets.available(), build.UPLOAD]),
                                  "kind": links.Param(list(ae.KINDS)), "code": links.Param(minimum=ae.MIN_CODE, maximum=ae.MAX_CODE),
                                  "loss": links.Param(list(build.LOSSES))})
for name, key in (("dataset", "ae_dataset"), ("kind", "ae_kind"), ("code", "ae_code"), ("loss", "ae_loss")):
    if name in link:
        st.session_state[key] = link[name]
show_link_notices("autoencoders")

st.header("1 · Data")
dataset = build.pick_dataset()
if dataset is None:
    st.stop()

st.header("2 · Architecture")
design, rows = build.pick_design(dataset)

st.header("3 · Train")
config, loss = build.pick_training(dataset)
write_link({"dataset": st.session_state.ae_dataset if st.session_state.ae_dataset != build.UPLOAD else None,
            "kind": design.kind, "code": design.code_size, "loss": loss})


def start_training() -> None:
    model = ae.build_design(dataset.input_shape, design, seed=config.seed)
    data = training.Data(dataset.x_train, dataset.x_train)  # the target is the input itself
    st.session_state.ae_job = jobs.start(model, data, config, training.reconstruct(loss), owner=session_owner(),
                                         label="Autoencoder")
    st.session_state.ae_job_recipe = (dataset, design, config, loss)


def curves(history: list[dict], epochs: int):
    """Loss and, beside it, the error measure the loss is not: MAE when training on MSE, MSE otherwise."""
    return charts.training_curves(history, epochs, "mae" if st.session_state.ae_job_recipe[3] == "mse" else "mse")


train_button("ae_train", "ae_job", start_training, (ae.AutoencoderError, training.TrainingError), rows is not None)
job = live_training("ae_job", curves=curves,
                    waiting="Press **Train** to train this autoencoder; the loss curves move as it learns.")
if job is not None and not job.running and st.session_state.get("ae_adopted") is not job:
    st.session_state.ae_adopted = job  # a failed or diverged run is said above and leaves the model shown before
    if job.status != "failed" and job.run.outcome != "diverged":
        trained_on, design_used, config_used, loss_used = st.session_state.ae_job_recipe
        st.session_state.ae_current = modelio.CurrentModel(job.run.model, list(trained_on.class_names),
                                                           f"autoencoder trained on {trained_on.name}", trained_on.name,
                                                           job.run, trained_on)
        st.session_state.ae_recipe = (job.run.model, design_used, config_used, loss_used)

with st.expander("Or upload an autoencoder (.keras)"):
    build.uploaded_autoencoder(dataset)

current = st.session_state.get("ae_current")
if current is None:
    st.stop()
keep("Autoencoder", current)
encoder = ae.parts(current.model)[0]
if any(type(layer).__name__ == "Conv2D" for layer in encoder.layers):  # the CNN inspector can look inside it
    keep("Autoencoder encoder", modelio.CurrentModel(encoder, [f"code {i + 1}" for i in range(ae.code_size(current.model))],
                                                     f"encoder of the {current.source}", current.dataset_name, None,
                                                     current.dataset))

st.header("4 · What it learned")
st.caption(f"{text.markdown_safe(current.source)} · code of {ae.code_size(current.model)} numbers · "
           f"{current.model.count_params():,} parameters · tested on the {len(current.dataset.x_test):,} "
           f"{text.markdown_safe(current.dataset.name)} test images it never trained on.")
found = show.derived(current)
tabs = {"Reconstructions": show.reconstructions_tab, "Code space": show.code_space_tab, "Against PCA": versus.pca_tab,
        "Denoising": show.denoising_tab, "Save & open elsewhere": show.elsewhere_tab}
for tab, view in zip(st.tabs(list(tabs)), tabs.values()):
    with tab:
        view(current, found)
        if view is show.code_space_tab:
            show.manifold_and_interpolation(current, found)
