"""Captioner: a convnet encoder and an attending LSTM decoder that describe images.

    from deeptoolkit import Captioner
    captioner = Captioner()                        # ResNet grid encoder, LSTM decoder, additive attention
    captioner.fit()                                # generated shapes scenes; or Flickr8k/CSV/COCO + images
    captioner.evaluate(beam=3)                     # BLEU-1..4 against every reference caption
    captioner.caption("photo.jpg", beam=3)         # "a dog runs through the grass"
    captioner.caption("photo.jpg", return_attention=True)  # words + one grid map per word
"""

import logging
import os

import keras
import numpy as np

from deeptoolkit.data import captions as caption_data
from deeptoolkit.data import image_files
from deeptoolkit.data.images import as_rgb
from deeptoolkit.data.pipeline import batched
from deeptoolkit.data.word_vocabulary import WordVocabulary
from deeptoolkit.decoding import StepDecoder
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models.pretrained_backbone import SCALING
from deeptoolkit.models.show_attend_tell import (
    ATTENTION,
    captioner,
    captioner_attention,
    captioner_encoder,
    captioner_stepper,
    grid_shape,
)
from deeptoolkit.tasks.base import (
    Task,
    TrainingData,
    arguments,
    check_positive_int,
    warmup_cosine,
)

log = logging.getLogger("deeptoolkit")

# Decoded training images above this many bytes are streamed from disk every epoch instead of
# cached in memory.
CACHE_LIMIT_BYTES = 2 * 1024**3


class Captioner(Task):
    """Describe images in words (Show, Attend and Tell).

    Args:
        attention: "additive" (the paper's soft attention) or None (the grid's mean starts
            the decoder and nothing more: the Show and Tell baseline).
        image_size: (height, width) the encoder sees; images of any size are resized to it.
        backbone: "resnet" (the ImageClassifier's ResNet, trained from scratch with the
            decoder) or a keras.applications model name ("MobileNetV2", "ResNet50",
            "EfficientNetB0", ...), frozen, with its weights read from `backbone_weights`.
        backbone_weights: path of that model's weights file without top layers (nothing is
            downloaded); only read when training starts, then saved inside the model.
        depth, width: the ResNet encoder (depth 6n + 2; widths width, 2x, 4x).
        augment: random shifts, rotations, zooms and left-right mirroring of the images while
            training the ResNet: a regulariser for photos, off by default because mirroring
            swaps "left of" and "right of" in the generated scenes.
        stem_pool: max-pooling after the stem; None picks image_size / 32, so that the
            attention grid is 8 x 8 whatever the image size.
        embedding_dim, units, attention_dim, dropout: the decoder.
        coverage: strength of the doubly stochastic attention regulariser (0: off).
        max_length: longest caption in words; longer training captions are cut to it.
        min_count: words seen fewer times in training captions are read as <unk> (never written).
        epochs, batch_size (images per batch, each with all its captions), learning_rate,
            clipnorm: Adam with warm-up and cosine decay, global gradient-norm clipping.
        validation_split: fraction of images held out at random (seeded) to pick the best
            epoch, and scored by evaluate() when the data has no test part.
        patience: epochs without validation improvement before stopping (0: never stop).
        precision, distribute, seed, jit_compile: see `deeptoolkit.runtime`.
    """

    cli_name = "captioner"
    # Flickr8k-1000 under mixed_bfloat16 (attention in float32) on this AVX512_BF16 CPU: 0.86x
    # the CPU per epoch at float32's validation loss and BLEU (benchmarks/README, issue 8).
    bfloat16_on_cpu = True

    def __init__(
        self,
        attention="additive",
        image_size=(64, 64),
        backbone="resnet",
        backbone_weights=None,
        depth=8,
        width=32,
        augment=False,
        stem_pool=None,
        embedding_dim=128,
        units=256,
        attention_dim=64,
        dropout=0.2,
        coverage=0.0,
        max_length=20,
        min_count=3,
        epochs=15,
        batch_size=32,
        learning_rate=2e-3,
        clipnorm=1.0,
        validation_split=0.1,
        patience=5,
        precision="auto",
        distribute=None,
        seed=None,
        jit_compile="auto",
    ):
        super().__init__(**arguments(locals()))
        self._parts = None

    def _check_config(self):
        super()._check_config()
        config = self.config
        if config["attention"] not in ATTENTION:
            raise DeeptoolkitError(f"attention must be one of {ATTENTION}. Received: attention={config['attention']!r}")
        size = config["image_size"]
        if not isinstance(size, (tuple, list)) or len(size) != 2 or not all(isinstance(s, int) and s >= 32 for s in size):
            raise DeeptoolkitError(f"image_size must be (height, width), each at least 32 pixels. Received: image_size={size!r}")
        depth = config["depth"]
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
            raise DeeptoolkitError(f"depth must be 6n + 2 (8, 14, 20, ...). Received: depth={depth!r}")
        for name in ("width", "embedding_dim", "units", "attention_dim", "max_length", "min_count"):
            check_positive_int(name, config[name])
        if config["backbone"] != "resnet" and config["backbone"] not in SCALING:
            raise DeeptoolkitError(f"Expected backbone 'resnet' or one of {sorted(SCALING)}. Received: backbone={config['backbone']!r}")
        if config["stem_pool"] is not None:
            check_positive_int("stem_pool", config["stem_pool"])
        if not isinstance(config["augment"], bool):
            raise DeeptoolkitError(f"augment must be True or False. Received: augment={config['augment']!r}")
        coverage = config["coverage"]
        if isinstance(coverage, bool) or not isinstance(coverage, (int, float)) or coverage < 0:
            raise DeeptoolkitError(f"coverage must be a number >= 0. Received: coverage={coverage!r}")

    @property
    def vocabulary(self):
        if "vocabulary" not in self.state:
            self._require_fitted()
        return WordVocabulary.from_dict(self.state["vocabulary"])

    def _stem_pool(self):
        pool = self.config["stem_pool"]
        return pool if pool is not None else max(1, min(self.config["image_size"]) // 32)

    # ----------------------------------------------------------------- training
    def fit(self, data=None, **kwargs):
        """Train on captioned images: a Flickr8k token file, an `image,caption` CSV or COCO
        captions JSON with its images (a folder, the file, or (file, image folder)),
        'tfds:NAME', or the generated shapes scenes (default)."""
        history = super().fit(data, None, **kwargs)
        self._parts = None
        return history

    def _training_data(self, data, labels, batch_size):
        if labels is not None:
            raise DeeptoolkitError("Captioner reads captions from its data; labels are not taken. Received: labels")
        images = caption_data.read_captions(data)
        split = self._validation_split(np.arange(len(images)))
        train, validation = (images, None) if split is None else (images.take(split[0]), images.take(split[1]))
        vocabulary = WordVocabulary.fit([c for captions in train.captions for c in captions], self.config["min_count"])
        per_image = max(len(captions) for captions in train.captions)
        self.state = {"vocabulary": vocabulary.to_dict(), "data": images.spec, "captions_per_image": per_image,
                      "images": len(images)}
        self._parts = None
        log.info("captioner: %d training images, %d words kept (min_count=%d)", len(train), len(vocabulary),
                 self.config["min_count"])
        train_ds = self._batches(train, batch_size, shuffle=True)
        validation_ds = self._batches(validation, batch_size) if validation is not None and len(validation) else None
        return TrainingData(train_ds, validation_ds, -(-len(train) // batch_size))

    def _encode_captions(self, caption_lists):
        """(captions_in, captions_out), each (N, C, T): <start> words and words <end>, 0-padded."""
        vocabulary, steps = self.vocabulary, self.config["max_length"] + 1
        per_image = self.state["captions_per_image"]
        captions_in = np.zeros((len(caption_lists), per_image, steps), "int32")
        captions_out = np.zeros_like(captions_in)
        cut = 0
        for row, captions in enumerate(caption_lists):
            for column, words in enumerate(captions[:per_image]):
                cut += len(words) > steps - 1
                captions_in[row, column] = vocabulary.encode(words[: steps - 1], steps, start=True)
                captions_out[row, column] = vocabulary.encode(words[: steps - 1], steps, end=True)
        if cut:
            log.info("cut %d captions longer than max_length=%d words", cut, steps - 1)
        return captions_in, captions_out

    def _batches(self, images, batch_size, shuffle=False):
        import tensorflow as tf

        captions_in, captions_out = self._encode_captions(images.captions)
        height, width = self.config["image_size"]
        cache = images.in_memory or len(images) * height * width * 3 <= CACHE_LIMIT_BYTES
        source = images.pixels if images.in_memory else images.paths
        elements = tf.data.Dataset.from_tensor_slices((source, captions_in, captions_out))
        if shuffle and not cache:
            # Streamed from disk: shuffle file names, not decoded images, or the shuffle buffer
            # would hold every decoded image (see data/images.FileSplit.dataset).
            elements = elements.shuffle(len(images), seed=self.config["seed"], reshuffle_each_iteration=True)
        if not images.in_memory:
            size = self.config["image_size"]

            def load(path, captions_in, captions_out):
                image = tf.image.resize(image_files.decode_image(path, 3), size)
                return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8), captions_in, captions_out

            elements = elements.map(load, num_parallel_calls=tf.data.AUTOTUNE)
        elements = elements.map(lambda image, captions_in, captions_out: ({"image": image, "captions_in": captions_in}, captions_out))
        return batched(elements, batch_size, shuffle=shuffle and cache, seed=self.config["seed"], cache=cache)

    def _build_model(self):
        config = self.config
        return captioner(
            vocab_size=len(self.vocabulary),
            captions_per_image=self.state["captions_per_image"],
            max_steps=config["max_length"] + 1,
            image_size=tuple(config["image_size"]),
            depth=config["depth"],
            width=config["width"],
            stem_pool=self._stem_pool(),
            embedding_dim=config["embedding_dim"],
            units=config["units"],
            attention=config["attention"],
            attention_dim=config["attention_dim"],
            dropout=config["dropout"],
            coverage=config["coverage"],
            backbone=config["backbone"],
            backbone_weights=config["backbone_weights"],
            augment=config["augment"],
        )

    def _compile_arguments(self, total_steps):
        schedule = warmup_cosine(self.config["learning_rate"], total_steps, alpha=0.05)
        return dict(
            optimizer=keras.optimizers.Adam(schedule, global_clipnorm=self.config["clipnorm"]),
            # Padding after <end>, and the empty rows of images with fewer captions, teach nothing.
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        )

    # ----------------------------------------------------------------- captioning
    def caption(self, images, beam=None, max_length=None, return_attention=False):
        """The caption of an image (a file path or an (H, W, 3) array), or of each in a list.

        beam: beam-search width (None or 1: greedy). max_length: longest caption in words
        (default: the model's). return_attention: return dicts {caption, words, attention,
        image}, where attention holds one (grid height x grid width) map per word and one for
        <end>, each summing to one, and image is the picture as the model saw it (uint8), for
        `plots.caption_attention`.
        """
        single = isinstance(images, (str, os.PathLike)) or (isinstance(images, np.ndarray) and images.ndim == 3)
        pixels = self._pixels([images] if single else images)
        words = self._caption_tokens(pixels, beam, max_length)
        if not return_attention:
            results = [" ".join(w) for w in words]
        else:
            maps = self._attention_maps(pixels, words)
            seen = np.clip(np.rint(pixels), 0, 255).astype("uint8")
            results = [{"caption": " ".join(w), "words": w + ["<end>"], "attention": m, "image": image}
                       for w, m, image in zip(words, maps, seen)]
        return results[0] if single else results

    def _pixels(self, images):
        """float32 (N, H, W, 3) at the model's image size, from paths or arrays."""
        import tensorflow as tf

        if isinstance(images, np.ndarray) and images.ndim == 4:
            images = list(images)
        if not isinstance(images, (list, tuple)) or not len(images):
            raise DeeptoolkitError(f"Expected an image path, an (H, W, 3) array, or a non-empty list of them. Received: {type(images).__name__}")
        size = tuple(self.config["image_size"])
        out = []
        for index, image in enumerate(images):
            if isinstance(image, (str, os.PathLike)):
                path = os.fspath(image)
                if not os.path.isfile(path):
                    raise DeeptoolkitError(f"Image file does not exist. Received: {path!r}")
                if image_files.probe_image(path) is None:
                    raise DeeptoolkitError(f"Expected a readable image (PNG, JPEG, BMP, GIF or PGM). Received: {path!r} is corrupt or not an image")
                array = image_files.decode_image(tf.constant(path), 3)
            else:
                array = np.asarray(image)
                if array.ndim == 2:
                    array = array[..., None]
                if array.ndim != 3 or array.shape[-1] not in (1, 3, 4) or min(array.shape[:2]) < 1:
                    raise DeeptoolkitError(f"Expected an image array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4). Received: image {index} of shape {array.shape}")
                array = as_rgb(array)
            out.append(tf.image.resize(tf.cast(array, tf.float32), size))
        return np.stack([np.asarray(x) for x in out])

    def _caption_tokens(self, pixels, beam=None, max_length=None, batch_size=64):
        self._require_fitted()
        max_length = self.config["max_length"] if max_length is None else max_length
        check_positive_int("max_length", max_length)
        if beam is not None:
            check_positive_int("beam", beam)
        vocabulary = self.vocabulary
        encoder, decoder = self._decoding_parts()
        words = []
        for start in range(0, len(pixels), batch_size):
            h, c, features = (np.asarray(x) for x in encoder(pixels[start : start + batch_size], training=False))
            prompt = np.full((len(h), 1), vocabulary.start, "int32")
            ids = decoder.sample(prompt, max_length + 1, beams=beam or 1, states=[h, c, features])
            # The extra step leaves room for <end>; a caption never has more than max_length words.
            words.extend(vocabulary.decode(row[:max_length]) for row in ids)
        return words

    def _decoding_parts(self):
        if self._parts is None:
            vocabulary = self.vocabulary
            never = [vocabulary.pad, vocabulary.unk, vocabulary.start]
            stepper = captioner_stepper(self.model)
            self._parts = captioner_encoder(self.model), StepDecoder(stepper, never=never, end=vocabulary.end)
        return self._parts

    def _attention_maps(self, pixels, words):
        """For each image, (len(words) + 1, grid h, grid w) attention of its own caption's steps."""
        if self.config["attention"] is None:
            raise DeeptoolkitError("This Captioner has no attention (attention=None). Received: return_attention=True")
        vocabulary = self.vocabulary
        encoder, _ = self._decoding_parts()
        scorer = captioner_attention(self.model)
        rows, columns = grid_shape(self.model)
        maps = []
        for image, caption in zip(pixels, words):
            h, c, features = (np.asarray(x) for x in encoder(image[None], training=False))
            tokens = vocabulary.encode(caption, start=True)[None]
            weights = np.asarray(scorer([tokens, h, c, features], training=False))[0]
            maps.append(weights.reshape(len(caption) + 1, rows, columns))
        return maps

    def predict(self, data, beam=None):
        """Captions of image files: a list of paths, one path, or a folder of images (sorted)."""
        if isinstance(data, (str, os.PathLike)) and os.path.isdir(data):
            folder = os.fspath(data)
            data = sorted(os.path.join(folder, name) for name in os.listdir(folder)
                          if name.lower().endswith(image_files.IMAGE_EXTENSIONS))
            if not data:
                raise DeeptoolkitError(f"Expected image files in the folder. Received: {folder!r} has none")
        captions = self.caption(data, beam=beam)
        return [captions] if isinstance(captions, str) else captions

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, beam=None):
        """BLEU-1 to BLEU-4 (fractions in [0, 1]) against all reference captions of each image.

        Without data: the generated scenes' own test scenes for the default data, otherwise
        the images held out in training. With data: every image of it (any accepted form).
        """
        import keras_hub

        self._require_fitted()
        images, which = self._evaluation_images(data)
        pixels = self._pixels(list(images.pixels) if images.in_memory else list(images.paths))
        hypotheses = [" ".join(words) for words in self._caption_tokens(pixels, beam)]
        references = [[" ".join(words) for words in captions] for captions in images.captions]
        scores = {}
        for order in range(1, 5):
            bleu = keras_hub.metrics.Bleu(max_order=order)
            bleu.update_state(references, hypotheses)
            scores[f"bleu{order}"] = float(bleu.result())
        exact = float(np.mean([h in r for h, r in zip(hypotheses, references)]))
        return {**scores, "exact_match": exact, "images": len(images), "beam": beam or 1, "split": which}

    def _evaluation_images(self, data):
        if data is None:
            spec = self.state.get("data")
            if spec == caption_data.shape_scenes.BUILTIN:
                return caption_data.builtin_test(), "test"
            if spec is None:
                raise DeeptoolkitError("This model's training data was not saved with it. Pass data to evaluate().")
            images = caption_data.read_captions(spec)
            return images.take(self._held_out_indices(np.arange(len(images)), spec)), "validation"
        if data == caption_data.shape_scenes.BUILTIN:
            return caption_data.builtin_test(), "test"
        return caption_data.read_captions(data), "given"
