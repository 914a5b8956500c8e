"""Every page of the app, once: the navigation in app.py and the home page's cards both read this list."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    script: str
    title: str
    icon: str
    url: str | None  # None for the home page
    blurb: str = ""


PAGES = [
    Page("views/home.py", "Home", ":material/home:", None),
    Page("views/playground.py", "Graph playground", ":material/hub:", "playground",
         "Type a small program, or paste TensorFlow code from your notes; run it eagerly, as a "
         "tf.function graph and in a TF1 session; click any node to see its value and gradient, and get "
         "it back as TensorFlow code."),
    Page("views/train.py", "Build & train a CNN", ":material/model_training:", "train",
         "Stack convolution, pooling and dense layers, see every shape change, train on shipped "
         "digits, shapes or your own images while the curves move, and keep the model."),
    Page("views/inspect.py", "Look inside a CNN", ":material/visibility:", "inspect",
         "Filters, feature maps before and after ReLU, max pooling, and the arithmetic of one "
         "pixel, for your model, the demo model or any Keras CNN you upload."),
    Page("views/attribution.py", "Why this prediction?", ":material/lightbulb:", "why",
         "Saliency, Grad-CAM, occlusion and what each filter wants to see, with the sanity checks "
         "that tell an explanation of the model from a picture of the image."),
    Page("views/graphs.py", "TensorFlow graphs", ":material/account_tree:", "graphs",
         "The graphs TensorFlow really runs — layers, inference ops, a whole training step with its "
         "gradients — for any model here or ResNet50 and friends, readable at any size."),
    Page("views/autoencoders.py", "Autoencoders", ":material/compress:", "autoencoders",
         "Squeeze pictures through a short code and back, walk around the code space, and see when "
         "a non-linear code beats PCA."),
    Page("views/recurrent.py", "Recurrent networks", ":material/timeline:", "recurrent",
         "Forecast a real series, read digits row by row, predict the next character; watch the "
         "hidden state and gates step by step, and measure how far back SimpleRNN, LSTM and GRU remember."),
    Page("views/boltzmann.py", "Boltzmann machines", ":material/blur_on:", "boltzmann",
         "Train an RBM by contrastive divergence, watch its filters form and its Gibbs chain dream, "
         "stack RBMs into a deep belief network, and test the few-labels claim."),
]
