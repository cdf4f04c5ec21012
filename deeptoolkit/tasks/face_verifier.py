"""FaceVerifier: face embeddings, same-person verification with a calibrated threshold (FaceNet, DeepID).

    from deeptoolkit import FaceVerifier
    verifier = FaceVerifier()                          # ResNet-14 body, 128-d unit embedding, margin softmax
    verifier.fit()                                     # generated identities; or a folder of person folders
    verifier.evaluate()                                # LFW 10-fold accuracy, AUC, EER on unseen people
    verifier.verify("a.jpg", "b.jpg")                  # {same, distance, threshold, confidence, in_domain}
    verifier.identify("who.jpg", gallery="people/")    # the nearest known people
    verifier.calibrate("my-photos/")                   # threshold and confidence for photos of your own
"""

import logging
import os

import numpy as np

from deeptoolkit.checks import check_positive_int
from deeptoolkit.data.face_detection import FaceDetector, check_detect
from deeptoolkit.declaration import Input, Option, Verb, top_k
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models.inference import predict_batches
from deeptoolkit.tasks.base import Task, arguments
from deeptoolkit.tasks.face_descriptors import DLIB, DLIB_IMAGE_SIZE, FaceDescriptors
from deeptoolkit.tasks.face_scoring import PAIR_FOLDS, FaceScoring
from deeptoolkit.tasks.run import TrainingData

log = logging.getLogger("deeptoolkit")

OBJECTIVES = ("triplet", "softmax", "joint")
BACKBONES = ("resnet", "lenet5", DLIB)
MAX_DISTANCE = 2.0  # between unit vectors
# What `confidence` may say of a pair whose photos look unlike the photos the model was trained
# or calibrated on: the calibrated probability does not carry over to them.
OUT_OF_DOMAIN_CONFIDENCE = 0.6


class FaceVerifier(FaceDescriptors, FaceScoring, Task):
    """Tell whether two face photos show the same person, by the distance of their embeddings.

    `fit` reads photos of people: a folder of person folders, (images, labels), 'tfds:NAME' or
    the generated identities (default); `fit(..., people=...)` keeps only those people (a list,
    or "s1-s30").
    """

    # fit, predict and evaluate run under KERAS_BACKEND=jax too (tests/test_backends.py).
    any_backend = True

    takes_labels = True

    summary = "Face embeddings: is it the same person? (FaceNet / DeepID)"
    options = (
        Option("backbone", "The embedding network: resnet (depth 6n + 2, first-stage filters `width`) or lenet5, trained "
               "from scratch; or dlib-resnet: dlib's pretrained face descriptor (faces found and aligned by dlib; fit "
               "trains a head on its 128-d vectors; pip install 'deeptoolkit[faces]').", choices=BACKBONES),
        Option("depth", "ResNet depth (6n + 2).", type=int),
        Option("width", "First-stage filters of the ResNet.", type=int, low=1),
        Option("embedding_dim", "Size of the unit-length face embedding.", type=int, low=1),
        Option("objective", "triplet (FaceNet: semi-hard triplets mined in each batch), softmax (DeepFace/DeepID: classify "
               "the training people, embed with the bottleneck) or joint (both, as in DeepID2).", choices=OBJECTIVES),
        Option("margin", "The triplet loss margin, on squared distances.", type=float, low=0),
        Option("identity_margin", "The identity softmax's additive cosine margin (CosFace).", type=float, low=0),
        Option("scale", "The identity softmax's scale (CosFace).", type=float, low=0, low_open=True),
        Option("image_size", "Every photo is resized to this size (pixels, square from the command line) after crop; with "
               "dlib-resnet it is fitted inside it, keeping its shape (150 x 150 unless given).",
               type=int, low=16, square=True, checked=False),
        Option("crop", "Central fraction of each photo kept (1: all; about 0.5 for LFW's 250x250 photos).", type=float,
               low=0, high=1, low_open=True),
        Option("detect", "Find the face (OpenCV's frontal-face cascade), turn it upright by the eyes and crop it to the "
               "detector's box, in training and use alike (opencv), or use the whole photo after crop (none).",
               choices=(None, "opencv"), none="none", checked=False),
        Option("augment", "Random shifts, rotations and zooms while training.", type=bool),
        Option("erasing", "With augment, cover a random patch of each training photo with noise, with a chance drawn up "
               "to this (occlusions: glasses, hands, hair); 0: off.", type=float, low=0, high=1),
        Option("dropout", "Dropout before the embedding.", type=float, low=0, high=1, high_open=True),
        Option("photos_per_person", "Photos of each person in a batch (K); batch_size / K people per batch.", type=int,
               low=2),
        Option("weight_decay", "AdamW's decoupled weight decay.", type=float, low=0),
    )
    people = Option("people", 'Only these people of --data: "s31-s40" or "ann,bob".', type=str, default=None)
    verbs = (
        Verb("verify", "Whether two photos show the same person.", inputs=(Input("first", "image"), Input("second", "image")),
             options=(Option("threshold", "Distance threshold to use instead of the calibrated one.", type=float, default=None),),
             file=Option("show", "Draw both photos with their face boxes, the distance, the threshold and the verdict into this "
                         "PNG."), write="draw_verification", view="verdict"),
        Verb("identify", "The nearest people of the gallery to a photo.", inputs=(Input("image", "image"),),
             options=(top_k(5, "People shown."),), settings=("gallery",), answer_key="matches", view="matches"),
        Verb("predict", "The embedding of each photo.", inputs=(Input("images", "image", many=True),), view="vectors",
             file=Option("output", "Write the embeddings to this .npy file."), write="save_embeddings", file_instead=True,
             served=False),
        Verb("calibrate", "Refit the threshold, the confidence and the domain on labelled photos like those to verify, "
             "without training, and save the model.",
             options=(Option("data", "Labelled photos: a folder of person folders.", type=str), people),
             file=Option("out", "Save the recalibrated model here (default: MODEL itself)."), saves=True, view="calibration",
             served=False),
    )
    fit_options = (people,)
    training_data_help = "a folder of person folders; default: generated identities"
    evaluate_summary = "LFW 10-fold accuracy, ROC AUC, EER and VR at FAR 1e-3 of MODEL."
    evaluation_data_help = "Photos to score (default: the people held out in training)."
    evaluate_options = (Option("pairs", "LFW-format pairs.txt naming photos of --data (default: all genuine pairs and as many "
                               "impostors).", type=str, default=None), people)
    hidden_metrics = ("distances", "same")  # one value per pair: for the figures, not for --json
    evaluate_for_figures = {"return_distances": True}
    held_out_line = ("calibrated threshold: {threshold:.4f}\nheld-out people: 10-fold accuracy {accuracy:.4f} +- {accuracy_std:.4f}, AUC {auc:.4f}, EER {eer:.4f} "
                     "({pairs} pairs of {people} people)")

    def __init__(self, backbone="resnet", depth=14, width=16, embedding_dim=128, objective="softmax", margin=0.2,
                 identity_margin=0.2, scale=16.0, image_size=(32, 32), crop=1.0, detect=None, augment=True, erasing=1.0,
                 dropout=0.0,
                 photos_per_person=4, epochs=150, batch_size=64, learning_rate=3e-3, weight_decay=1e-4, validation_split=0.2,
                 patience=0, min_delta=0.01,
                 precision="auto", distribute=None, seed=None, jit_compile="auto"):
        super().__init__(**arguments(locals()))
        self.config["image_size"] = [int(s) for s in image_size]
        if backbone == DLIB and self.config["image_size"] == [32, 32]:
            self.config["image_size"] = list(DLIB_IMAGE_SIZE)

    def _check_config(self):
        from deeptoolkit.models.resnet import check_depth

        super()._check_config()
        config = self.config
        size = config["image_size"]
        if not isinstance(size, (tuple, list)) or len(size) != 2 or not all(isinstance(s, int) and s >= 16 for s in size):
            raise DeeptoolkitError(f"image_size must be (height, width), each at least 16 pixels. Received: image_size={size!r}")
        if config["backbone"] == "resnet" and not check_depth(config["depth"]):
            raise DeeptoolkitError(f"ResNet depth must be 6n + 2 and at least 8. Received: depth={config['depth']!r}")
        check_detect(config["detect"])

    @property
    def threshold(self):
        """The calibrated distance threshold: same person when distance <= threshold."""
        self._require_fitted()
        return float(self.state["threshold"])

    # ----------------------------------------------------------------- training
    def _load(self, data, labels=None, people=None):
        from deeptoolkit.data import faces

        config = self.config
        channels = 3 if self._pretrained else self.state.get("channels")
        return faces.load_faces(faces.BUILTIN if data is None else data, labels, tuple(config["image_size"]), config["crop"],
                                channels, people, config["detect"], pad=self._pretrained)

    def _training_data(self, run):
        from deeptoolkit.data import face_pairs

        from deeptoolkit.data.identity_batches import identity_batches

        self.state = {}
        people = run.options["people"]
        photos = self._load(run.data, run.labels, people)
        counts = photos.counts()
        single = [photos.people[i] for i in np.flatnonzero(counts == 1)]
        if single:
            log.warning("left out %d people with a single photo (no same-person pair): %s%s", len(single), ", ".join(single[:10]),
                        " ..." if len(single) > 10 else "")
            photos = photos.subset([p for p, c in zip(photos.people, counts) if c >= 2])
        if len(photos.people) < 2:
            raise DeeptoolkitError(f"Training needs at least two people with two or more photos each. Received: {photos.people}")
        train_people, validation_people = self._split_people(photos.people)
        channels = int(photos.images.shape[-1])
        if self._pretrained:  # the head trains on dlib's descriptors, found once for every photo
            photos.images = self._features(photos.images)
        train = photos.subset(train_people)
        self.state = {"channels": channels, "people": train_people, "validation_people": validation_people,
                      "data": photos.spec, "selection": _as_saved(people)}
        if not validation_people:
            log.warning("no people held out (validation_split=0): the threshold is calibrated on the training people, "
                        "whose distances are smaller than new people's")
        calibration = photos.subset(validation_people) if validation_people else train
        pairs = face_pairs.generated_pairs(calibration, PAIR_FOLDS, seed=0)
        per_batch = max(2, run.batch_size // self.config["photos_per_person"])
        if per_batch > len(train_people):
            log.info("batches hold all %d training people (batch_size asked for %d)", len(train_people), per_batch)
        steps = -(-len(train) // (min(per_batch, len(train_people)) * self.config["photos_per_person"]))
        batches = identity_batches(train.images, train.labels, per_batch, self.config["photos_per_person"], steps,
                                   seed=run.seed or 0)
        # The calibration photos live as long as this fit: they are not kept once the model is trained.
        calibration_pairs = (calibration.images, *pairs.indices(calibration), pairs.same)
        return TrainingData(batches.map(self._targets), None, steps,
                            extras={"calibration": calibration_pairs, "held_out": bool(validation_people),
                                    "photos": photos})

    def _trained_outputs(self):
        """The model outputs the objective puts a loss on."""
        return {"triplet": ("embedding",), "softmax": ("identity",), "joint": ("embedding", "identity")}[self.config["objective"]]

    def _targets(self, images, labels):
        return images, {name: labels for name in self._trained_outputs()}

    def _split_people(self, people):
        """(training, held-out) people: a seeded random `validation_split` of them held out."""
        fraction = self.config["validation_split"]
        held_count = int(round(len(people) * fraction)) if fraction else 0
        if fraction and held_count < 2:
            log.warning("too few people (%d) to hold out a validation_split of %g; none held out", len(people), fraction)
            held_count = 0
        if len(people) - held_count < 2:
            raise DeeptoolkitError(f"validation_split={fraction} leaves fewer than two people to train on. Received: {len(people)} people")
        seed = self.config["seed"]
        order = np.random.default_rng(0 if seed is None else seed).permutation(len(people))
        held = sorted(order[:held_count])
        return [people[i] for i in sorted(order[held_count:])], [people[i] for i in held]

    def _build_model(self, run):
        from deeptoolkit.models.face_embedding import descriptor_head, face_embedding

        config = self.config
        people = len(self.state["people"]) if config["objective"] != "triplet" else None
        if self._pretrained:
            from deeptoolkit.models.dlib_faces import DIMENSION

            return descriptor_head(DIMENSION, people)
        return face_embedding(self.state["channels"], config["image_size"], config["backbone"], config["depth"], config["width"],
                              config["embedding_dim"], people, config["augment"], config["dropout"],
                              config["erasing"])

    def _compile_arguments(self, run, total_steps):
        import keras
        from deeptoolkit.losses import MarginSoftmaxLoss, SemiHardTripletLoss
        from deeptoolkit.tasks.optimizers import warmup_cosine

        schedule = warmup_cosine(self.config["learning_rate"], total_steps, warmup_fraction=0.05)
        losses = {"embedding": SemiHardTripletLoss(self.config["margin"]),
                  "identity": MarginSoftmaxLoss(self.config["scale"], self.config["identity_margin"])}
        return dict(optimizer=keras.optimizers.AdamW(schedule, weight_decay=self.config["weight_decay"]),
                    loss={name: losses[name] for name in self._trained_outputs()})

    def _callbacks(self, run, training):
        from deeptoolkit.tasks.held_out_verification import HeldOutVerification

        return [HeldOutVerification(training.extras["calibration"])] if training.extras["held_out"] else []

    def _early_stopping(self, run, training=None):
        if training is not None and training.extras["held_out"]:
            return {**super()._early_stopping(run, training), "monitor": "val_separation", "mode": "max"}
        return {**super()._early_stopping(run, training), "monitor": "loss"}

    def _train(self, run):
        """Train, then calibrate: the threshold and confidence from the held-out people's pairs,
        the domain from every photo."""
        from deeptoolkit.metrics import domain

        training = super()._train(run)
        features, first, second, same = training.extras["calibration"]
        self._calibrate(self._embed_features(features), first, second, same)
        photos = training.extras["photos"]
        self.state["domain"] = domain.reference(self._embed_features(photos.images, statistics=True)[1], photos.labels)
        return training

    # ----------------------------------------------------------------- using
    def embed(self, images, batch_size=None):
        """(N, embedding_dim) unit vectors for photos: arrays (N, H, W[, C]) or image file paths."""
        self._require_fitted()
        return self._embed_photos(self._photos(images)[0], batch_size)

    def _embedded(self, images, what="images"):
        """(embeddings, convolution statistics, face boxes): a FaceBox per photo with `detect`, else Nones."""
        self._require_fitted()
        photos, boxes = self._photos(images, what)
        return (*self._embed_photos(photos, statistics=True), boxes)

    def _exported_model(self):
        # Photos (N, H, W, C) at the model's size, as `_photos` reads them -> unit embeddings.
        from deeptoolkit.models.face_embedding import embedding_part

        if self._pretrained:
            return None, "dlib's network runs outside the Keras graph"
        return embedding_part(self.model), None

    def _embed_photos(self, photos, batch_size=None, statistics=False):
        """Embeddings of photos already at the model's size (as `_load` reads them), and with
        `statistics` their convolution statistics (what the domain check compares)."""
        return self._embed_features(self._features(photos), batch_size, statistics)

    def _embed_features(self, photos, batch_size=None, statistics=False):
        """`_embed_photos` of what `_features` made of the photos."""
        from deeptoolkit.models.face_embedding import embedding_and_statistics, embedding_part

        if not statistics:
            embedder = self._cached("embedder", lambda: embedding_part(self.model))
            return np.asarray(predict_batches(embedder, photos, batch_size or 128), "float32")
        describer = self._cached("describer", lambda: embedding_and_statistics(self.model))
        embeddings, described = predict_batches(describer, photos, batch_size or 128)
        return np.asarray(embeddings, "float32"), np.asarray(described, "float32")

    def _photos(self, images, what="images"):
        """(uint8 (N, H, W, C) at the model's size, face boxes) from paths, a single path, or arrays."""
        from deeptoolkit.data import faces

        config = self.config
        detector = self._cached("detector", FaceDetector) if config["detect"] else None
        return faces.user_photos(images, config["image_size"], config["crop"], self.state["channels"], detector, what,
                                 pad=self._pretrained)

    def verify(self, first, second, threshold=None):
        """{same, distance, threshold, confidence, in_domain[, faces]} for two photos (paths or
        arrays); lists give lists.

        threshold: a distance in (0, 2) to use instead of the calibrated one. `same` is
        distance <= threshold, and `confidence` is the calibrated probability of that answer
        (so always >= 0.5 and in agreement with `same`). in_domain: whether both photos look
        like the photos the model was trained on, or recalibrated on (None for models saved
        without that record); when not, a warning suggests `calibrate` and confidence is at
        most 0.6. faces: with `detect`, the
        box of the face used in each photo (x, y, width, height, angle in its pixels).
        """
        from deeptoolkit.data import faces
        from deeptoolkit.metrics import verification

        self._require_fitted()
        threshold = self.threshold if threshold is None else self._check_threshold(threshold)
        many = isinstance(first, (list, tuple)) or (isinstance(first, np.ndarray) and not faces.one_photo(first))
        (a, a_statistics, first_boxes), (b, b_statistics, second_boxes) = self._embedded(first, "first"), self._embedded(second, "second")
        if len(a) != len(b):
            raise DeeptoolkitError(f"verify compares photos pairwise. Received: {len(a)} and {len(b)} photos")
        distances = np.linalg.norm(a - b, axis=1)
        familiar = (self._in_domain(a_statistics) & self._in_domain(b_statistics)).tolist() if "domain" in self.state else [None] * len(a)
        slope = self.state["confidence_slope"]
        results = []
        for distance, known, boxes in zip(distances, familiar, zip(first_boxes, second_boxes)):
            same, confidence = verification.verdict(distance, threshold, slope)
            result = {"same": same, "distance": float(distance), "threshold": float(threshold),
                      "confidence": confidence if known is not False else min(confidence, OUT_OF_DOMAIN_CONFIDENCE),
                      "in_domain": known}
            if boxes[0] is not None:
                result["faces"] = [box.as_dict() for box in boxes]
            results.append(result)
        self._warn_out_of_domain([r["in_domain"] for r in results], "pairs")
        return results if many else results[0]

    def _in_domain(self, statistics):
        from deeptoolkit.metrics import domain

        return domain.in_domain(statistics, self.state["domain"])

    def _warn_out_of_domain(self, flags, what):
        unfamiliar = sum(flag is False for flag in flags)
        if unfamiliar:
            if "calibrated_on" in self.state:
                where = self.state["calibrated_on"]["data"] or "photos given in memory"
            else:
                where = self.state.get("data") or "training photos given in memory"
            log.warning("%d of %d %s look unlike the photos the model was trained or calibrated on (%s): the verdict and confidence "
                        "may not hold; calibrate on labelled photos like these: verifier.calibrate(DIR) or "
                        "deeptoolkit face-verifier calibrate MODEL --data DIR", unfamiliar, len(flags), what, where)

    def _check_threshold(self, threshold):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < threshold < MAX_DISTANCE:
            raise DeeptoolkitError(f"threshold must be a distance between unit embeddings, in (0, {MAX_DISTANCE:g}). "
                                   f"Received: threshold={threshold!r}")
        return float(threshold)

    def draw_verification(self, first, second, path, threshold=None):
        """Both photos with their face boxes, the distance, the threshold and the verdict, as a PNG at `path`."""
        from deeptoolkit import plots

        return plots.verification_pair((first, second), self.verify(first, second, threshold=threshold), path)

    def save_embeddings(self, images, path):
        """The embeddings of `images` as an (N, embedding_dim) .npy file at `path`; returns what was
        written: "PATH: N x D"."""
        embeddings = self.embed(images)
        np.save(path, embeddings)
        return f"{os.fspath(path)}: {embeddings.shape[0]} x {embeddings.shape[1]}"

    def identify(self, image, gallery, labels=None, top_k=5, threshold=None):
        """The nearest people of `gallery` (a folder of person folders, or images with labels).

        Returns up to `top_k` {person, distance, same, in_domain} dicts, nearest first; a
        person's distance is that of their closest gallery photo; in_domain tells whether the
        photo looks like the training or calibration photos (see `verify`).
        """
        self._require_fitted()
        check_positive_int("top_k", top_k)
        threshold = self.threshold if threshold is None else self._check_threshold(threshold)
        known = self._load(gallery, labels) if labels is not None or isinstance(gallery, (str, os.PathLike)) else None
        if known is None:
            raise DeeptoolkitError("gallery must be a folder of person folders, or images given with labels=. Received: gallery")
        query, statistics, _ = self._embedded([image] if isinstance(image, (str, os.PathLike)) else image, "image")
        distances = np.linalg.norm(self._embed_photos(known.images) - query[:1], axis=1)
        known_photo = bool(self._in_domain(statistics[:1])[0]) if "domain" in self.state else None
        self._warn_out_of_domain([known_photo], "photos")
        best = [(float(distances[known.labels == p].min()), known.people[p]) for p in range(len(known.people))]
        return [{"person": person, "distance": distance, "same": bool(distance <= threshold), "in_domain": known_photo}
                for distance, person in sorted(best)[:top_k]]

    def predict(self, data, batch_size=None):
        """Embeddings of photos (paths or arrays): (N, embedding_dim), one row per photo."""
        return self.embed(data, batch_size)


def _as_saved(selection):
    return selection if selection is None or isinstance(selection, str) else [str(p) for p in selection]
