"""ImageClassifier: convnets from LeNet-5 to a small ResNet, trained on what you have.

    from deeptoolkit import ImageClassifier
    clf = ImageClassifier()                 # LeNet-5, augmentation, cosine schedule, early stopping
    clf.fit("builtin:digits")               # or arrays, a class-per-folder path, tfds:NAME
    clf.evaluate()                          # accuracy, top-k, per-class precision/recall, confusion
    clf.predict(["seven.png"], top_k=3)     # class names with probabilities
    clf.draw_feature_maps("seven.png", "maps.png")   # what each convolution stage sees
    clf.save("digits.dtk")
"""

import os

import numpy as np

from deeptoolkit.declaration import Input, Option, Verb, top_k
from deeptoolkit.checks import check_positive_int
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models.inference import predict_batches
from deeptoolkit.tasks.base import Task, arguments
from deeptoolkit.tasks.fine_tuning import PRETRAINED_OPTIONS
from deeptoolkit.tasks.run import TrainingData

ARCHITECTURES = ("lenet5", "resnet")


class ImageClassifier(Task):
    """Classify images into the classes found in the training data.
    """

    # fit, predict and evaluate run under KERAS_BACKEND=jax too (tests/test_backends.py).
    any_backend = True

    takes_labels = True

    summary = "Convnet image classification (LeNet-5, ResNet, or a pretrained MobileNetV2 fine-tuned)."
    options = (
        Option("architecture", "The convnet trained from scratch (when no backbone is given).", choices=ARCHITECTURES),
        Option("backbone", "A pretrained encoder instead: mobilenet_v2 (torchvision's ImageNet weights), a "
               "keras.applications name, or a keras-hub preset folder; none: the architecture.", type=str),
        Option("backbone_size", "The square size (pixels) images are resized to for the backbone.", type=int, low=32),
        *PRETRAINED_OPTIONS,
        Option("depth", "ResNet depth, 6n + 2 (8, 14, 20, ...).", type=int),
        Option("width", "Filters multiplier of LeNet-5 (1: the paper's 6/16/120/84), or the first-stage filters of the "
               "ResNet; none: the architecture's default.", type=int, low=1),
        Option("augment", "Random small shifts, rotations and zooms while training.", type=bool),
        Option("dropout", "Dropout rate before the dense layers.", type=float, low=0, high=1, high_open=True),
        Option("weight_decay", "AdamW's decoupled weight decay.", type=float, low=0),
        Option("label_smoothing", "Cross-entropy label smoothing.", type=float, low=0, high=1, high_open=True),
    )
    verbs = (
        Verb("predict", "The classes of each image, best first, with probabilities.", inputs=(Input("image", "image", many=True),),
             options=(top_k(5, "Classes shown per image."),), view="labels"),
        Verb("inspect", "What each convolution stage sees in an image: the input at the bottom, each stage's feature maps "
             "above it, the class scores on top (the review's second figure).", inputs=(Input("image", "image"),),
             options=(Option("maps_per_stage", "Maps shown per stage (the most active).", type=int, low=1, high=32, default=8,
                             flag_name="maps"),),
             method="feature_maps", file=Option("out", "The PNG to write.", default="feature_maps.png"), write="draw_feature_maps",
             view="stages", served=False),
    )
    training_data_help = "a folder of class folders, arrays, tfds:NAME; default builtin:digits"
    held_out_line = "held-out {split} accuracy: {accuracy:.4f} ({examples} images)"
    evaluate_summary = "Accuracy, top-5 accuracy, per-class precision/recall of MODEL."

    def __init__(self, architecture="lenet5", backbone=None, backbone_size=224, pretrained=True, backbone_weights=None,
                 fine_tune_epochs=30, fine_tune_rate=0.1, depth=8, width=None, augment=True, dropout=0.25,
                 epochs=150, batch_size=64, learning_rate=3e-3, weight_decay=1e-3, label_smoothing=0.1,
                 validation_split=0.1, patience=40, min_delta=1e-3,
                 precision="auto", distribute=None, seed=None, jit_compile="auto"):
        super().__init__(**arguments(locals()))

    @property
    def class_names(self):
        self._require_fitted()
        return list(self.state["class_names"])

    def _check_config(self):
        from deeptoolkit.models.pretrained_backbone import backbone_names, is_backbone
        from deeptoolkit.models.resnet import check_depth

        super()._check_config()
        config = self.config
        if config["backbone"] is not None and not is_backbone(config["backbone"]):
            raise DeeptoolkitError(f"Expected backbone {backbone_names()}. Received: backbone={config['backbone']!r}")
        if config["architecture"] == "resnet" and not check_depth(config["depth"]):
            raise DeeptoolkitError(f"ResNet depth must be 6n + 2 and at least 8 (8, 14, 20, ...). Received: depth={config['depth']!r}")

    # ----------------------------------------------------------------- training
    def _training_data(self, run):
        from deeptoolkit.data.images import DIGITS, FileSplit, load_image_source
        from deeptoolkit.data.pipeline import batched

        batch_size = run.batch_size
        source = load_image_source(DIGITS if run.data is None else run.data, run.labels)
        if len(source.class_names) < 2:
            raise DeeptoolkitError(f"A classifier needs at least two classes. Received: classes={source.class_names}")
        train, validation = source.train, None
        split = self._validation_split(train.labels)
        if split is not None:
            train, validation = train.take(split[0]), train.take(split[1])
        if len(train) == 0:
            raise DeeptoolkitError(f"No training images left after the validation split. Received: {len(source.train)} images")
        self.state = {
            "class_names": source.class_names,
            "image_size": list(source.image_size),
            "channels": source.channels,
            "value_max": source.value_max,
            "data": source.spec,
        }
        if isinstance(train, FileSplit):
            # Files are shuffled by name before decoding, so that memory stays flat (FileSplit.dataset).
            parsed = train.dataset(self.state["channels"], self.state["image_size"], shuffle=True, seed=run.seed)
            train_ds = batched(self._with_targets(parsed), batch_size, cache=False)
        else:
            train_ds = batched(
                self._with_targets(self._parsed(train)), batch_size, shuffle=True, seed=run.seed, cache=not train.streamed
            )
        validation_ds = None
        if validation is not None and len(validation):
            validation_ds = batched(self._with_targets(self._parsed(validation)), batch_size, cache=not validation.streamed)
        steps = -(-len(train) // batch_size)
        return TrainingData(train_ds, validation_ds, steps)

    def _parsed(self, split):
        return split.dataset(self.state["channels"], self.state["image_size"])

    def _with_targets(self, dataset):
        # Label smoothing needs one-hot targets; the one-hot happens in the pipeline, not the step.
        import tensorflow as tf

        if not self.config["label_smoothing"]:
            return dataset
        depth = len(self.state["class_names"])
        return dataset.map(lambda image, label: (image, tf.one_hot(label, depth)))

    def _build_model(self, run):
        from deeptoolkit.models.lenet import lenet5
        from deeptoolkit.models.resnet import resnet

        state, config = self.state, self.config
        common = dict(
            num_classes=len(state["class_names"]),
            channels=state["channels"],
            image_size=state["image_size"],
            value_max=state["value_max"],
            augment=config["augment"],
            dropout=config["dropout"],
        )
        if config["backbone"] is not None:
            from deeptoolkit.models.backbone_classifier import backbone_classifier

            common.pop("image_size")
            return backbone_classifier(backbone=config["backbone"], size=config["backbone_size"], pretrained=config["pretrained"],
                                       weights=config["backbone_weights"], **common)
        if config["architecture"] == "resnet":
            return resnet(depth=config["depth"], width=config["width"] or 16, **common)
        return lenet5(width=config["width"] or 1, **common)

    def _compile_arguments(self, run, total_steps):
        import keras
        from deeptoolkit.tasks.optimizers import warmup_cosine

        config = self.config
        learning_rate = config["learning_rate"]
        if total_steps:
            # Warm up for 5% of training, then cosine decay: robust defaults without tuning.
            learning_rate = warmup_cosine(config["learning_rate"], total_steps, warmup_fraction=0.05)
        return dict(
            optimizer=keras.optimizers.AdamW(learning_rate, weight_decay=config["weight_decay"]),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=config["label_smoothing"])
            if config["label_smoothing"]
            else keras.losses.SparseCategoricalCrossentropy(),
            metrics=["accuracy"],
        )

    # ----------------------------------------------------------------- inference
    def predict_proba(self, images, batch_size=None):
        """Class probabilities (N, num_classes) for image files or arrays."""
        self._require_fitted()
        batch = self._image_batch(images)
        return predict_batches(self.model, batch, batch_size or self.config["batch_size"])

    def predict(self, images, top_k=1, batch_size=None):
        """For each image, its most likely class with probability, and the `top_k` best.

        `images`: a path, a folder, a list of them, bytes, or arrays (H, W) or (H, W, C) one
        image, (N, H, W) greyscale images, (N, H, W, C) images; each is converted to the model's
        channels and resized to its size (`deeptoolkit.data.image_preprocessor`). Returns a
        list with one dict per image (a single image too):
        {"label": name, "probability": p, "top_k": [{"label", "probability"}, ...]}.
        """
        probabilities = self.predict_proba(images, batch_size)
        names = self.state["class_names"]
        check_positive_int("top_k", top_k)
        results = []
        for row in probabilities:
            order = np.argsort(row)[::-1][:top_k]
            best = [{"label": names[i], "probability": float(row[i])} for i in order]
            results.append({"label": best[0]["label"], "probability": best[0]["probability"], "top_k": best})
        return results

    def feature_maps(self, image):
        """The output of each convolution / subsampling stage for one image, bottom-up: a list of
        (stage name, float32 array (H, W, maps)); LeNet-5's c1, s2, c3, s4; a ResNet's stem and
        blocks (`deeptoolkit.models.feature_stages`). `image`: a file path or an array at the
        model's size, as `predict` takes it."""
        return self._stages(image)[0]

    def draw_feature_maps(self, image, path, maps_per_stage=8):
        """The review's second figure for one image, written to `path` (PNG): the input at the
        bottom, each stage's most active maps as a row above it, the class scores on top."""
        stages, batch, probabilities = self._stages(image)
        from deeptoolkit import plots

        shown = batch[0] / self.state["value_max"]
        return plots.feature_maps(shown, stages, probabilities, self.state["class_names"], path, maps_per_stage=maps_per_stage)

    def draw_evaluation(self, metrics, folder):
        from deeptoolkit import plots

        return [plots.confusion_matrix(metrics["confusion_matrix"], metrics["class_names"], os.path.join(folder, "confusion_matrix.png"))]

    def _stages(self, image):
        """(feature maps, the image batch, class probabilities) for one image."""
        from deeptoolkit.models.feature_stages import feature_map_model, last_at_each_scale

        self._require_fitted()
        batch = self._image_batch(image)
        if len(batch) != 1:
            raise DeeptoolkitError(f"Expected one image. Received: {len(batch)} images")
        staged, names, per_scale = self._cached("feature_maps", lambda: feature_map_model(self.model))
        outputs = [np.asarray(o, "float32") for o in staged(batch, training=False)]
        stages = [(name, maps[0]) for name, maps in zip(names, outputs[:-1])]
        return last_at_each_scale(stages) if per_scale else stages, batch, outputs[-1][0]

    def _exported_model(self):
        # Images (N, H, W, C) float32 at the training data's pixel scale -> class probabilities.
        return self.model, None

    def _image_batch(self, images):
        """A float32 (N, H, W, C) batch at the model's size, channels and pixel scale (the image
        preprocessor's one rule: files, folders, bytes and arrays alike)."""
        from deeptoolkit.data.image_preprocessor import ImagePreprocessor

        state = self.state
        return ImagePreprocessor(state["image_size"], state["channels"], state["value_max"])(images)

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, labels=None, top_k=5, batch_size=None):
        """Accuracy, top-k accuracy, per-class precision/recall and the confusion matrix.

        Without `data`, scores the held-out split of the data the model was trained on:
        the test split of builtin:digits, tfds and train/test folders, else the validation part.
        """
        from deeptoolkit.data.pipeline import batched

        self._require_fitted()
        split, which = self._evaluation_split(data, labels)
        dataset = self._parsed(split).map(lambda image, label: image)
        probabilities = self.model.predict(
            batched(dataset, batch_size or self.config["batch_size"], cache=False), verbose=0
        )
        return self._scores(split.labels, probabilities, top_k, which)

    def _scores(self, truth, probabilities, top_k, which):
        from sklearn import metrics as sk_metrics

        names = self.state["class_names"]
        classes = np.arange(len(names))
        predicted = probabilities.argmax(axis=1)
        precision, recall, _, support = sk_metrics.precision_recall_fscore_support(
            truth, predicted, labels=classes, zero_division=0
        )
        # k >= the number of classes would score a meaningless 1.0.
        k = max(1, min(int(top_k), len(names) - 1))
        top = (
            sk_metrics.top_k_accuracy_score(truth, probabilities, k=k, labels=classes)
            if len(names) > 2
            else float(sk_metrics.accuracy_score(truth, predicted))
        )
        loss = float(sk_metrics.log_loss(truth, np.clip(probabilities, 1e-7, 1.0), labels=classes))
        return {
            "accuracy": float(sk_metrics.accuracy_score(truth, predicted)),
            f"top_{k}_accuracy": float(top),
            "loss": loss,
            "examples": int(len(truth)),
            "split": which,
            "per_class": {
                name: {"precision": float(p), "recall": float(r), "support": int(s)}
                for name, p, r, s in zip(names, precision, recall, support)
            },
            "class_names": list(names),
            "confusion_matrix": sk_metrics.confusion_matrix(truth, predicted, labels=classes).tolist(),
        }

    def _evaluation_split(self, data, labels):
        from deeptoolkit.data.images import ArraySplit, DIGITS, encode_labels, load_digits, load_image_source

        names = self.state["class_names"]
        if data is not None:
            if isinstance(data, (np.ndarray, list, tuple)):
                if labels is None:
                    raise DeeptoolkitError("Image arrays need labels to be scored: evaluate(images, labels). Received: labels=None")
                images = self._image_batch(data)
                codes, _ = encode_labels(labels, names)
                if len(codes) != len(images):
                    raise DeeptoolkitError(f"Expected one label per image. Received: {len(images)} images and {len(codes)} labels")
                return ArraySplit(images, codes), "given"
            source = load_image_source(data, labels, class_names=names)
            self._check_source(source)
            return (source.test, "test") if source.test is not None else (source.train, "given")
        spec = self._training_spec()
        if spec == DIGITS:
            return load_digits().test, "test"
        source = load_image_source(spec, class_names=names)
        self._check_source(source)
        if source.test is not None:
            return source.test, "test"
        return source.train.take(self._held_out_indices(source.train.labels)), "validation"

    def _check_source(self, source):
        if source.class_names != self.state["class_names"]:
            raise DeeptoolkitError(
                f"Expected the model's classes {self.state['class_names']}. Received: data with classes {source.class_names}"
            )
        if source.channels != self.state["channels"]:
            raise DeeptoolkitError(
                f"This model expects images with {self.state['channels']} channel(s). Received: data with {source.channels}"
            )
