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

import numpy as np

from deeptoolkit.data.word_vocabulary import WordVocabulary
from deeptoolkit.declaration import BEAM, RETURN_ATTENTION, Input, Option, Verb
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.tasks.base import arguments
from deeptoolkit.tasks.encoder_decoder import EncoderDecoderTask
from deeptoolkit.tasks.fine_tuning import PRETRAINED_OPTIONS
from deeptoolkit.tasks.run import TrainingData

log = logging.getLogger("deeptoolkit")

# Decoded training images above this many bytes are streamed from disk every epoch instead of
# cached in memory.
CACHE_LIMIT_BYTES = 2 * 1024**3


class Captioner(EncoderDecoderTask):
    """Describe images in words (Show, Attend and Tell).

    `fit` reads captioned images: a Flickr8k token file, an `image,caption` CSV or COCO captions
    JSON with its images (a folder, the file, or (file, image folder)), (images, captions)
    arrays and lists, 'tfds:NAME', or the generated shapes scenes (default).
    """

    # precision="auto" picks mixed_bfloat16 on CPUs that compute in it (benchmarks/README.md, "Precision").
    bfloat16_on_cpu = True

    summary = "Convnet encoder and attending LSTM decoder: describe images in words."
    options = (
        Option("attention", "additive (the paper's soft attention), or none: the grid's mean starts the decoder and nothing "
               "more (the Show and Tell baseline).", choices=("additive", None), none="none"),
        Option("image_size", "The size the encoder sees (pixels, square from the command line); images of any size are "
               "resized to it.", type=int, low=32, square=True, checked=False),
        Option("backbone", "resnet (trained with the decoder), or a pretrained encoder: mobilenet_v2 (torchvision's "
               "ImageNet weights), a keras.applications name (MobileNetV2, ResNet50, ...), or a keras-hub preset folder.",
               type=str),
        *PRETRAINED_OPTIONS,
        Option("depth", "ResNet encoder depth (6n + 2).", type=int),
        Option("width", "ResNet encoder filters (width, 2x, 4x).", type=int, low=1),
        Option("augment", "Random shifts, rotations, zooms and mirroring while training the ResNet (off by default: "
               "mirroring swaps left of and right of in the generated scenes).", type=bool),
        Option("stem_pool", "Max-pooling after the stem; none: image_size / 32, an 8 x 8 attention grid at any size.",
               type=int, low=1),
        Option("embedding_dim", "Size of the word embeddings.", type=int, low=1),
        Option("units", "LSTM units.", type=int, low=1),
        Option("attention_dim", "Size of the attention's hidden layer.", type=int, low=1),
        Option("dropout", "Dropout of the decoder.", type=float, low=0, high=1, high_open=True),
        Option("coverage", "Strength of the doubly stochastic attention regulariser (0: off).", type=float, low=0),
        Option("max_length", "Longest caption in words; longer training captions are cut to it.", type=int, low=1),
        Option("min_count", "Keep words seen at least this often; the others read as <unk> (never written).", type=int, low=1),
        Option("clipnorm", "The global gradient norm is clipped to this.", type=float, low=0, low_open=True),
    )
    verbs = (
        Verb("caption", "A sentence describing an image, optionally with each word's attention grid.",
             inputs=(Input("image", "image", many=True),), options=(BEAM, RETURN_ATTENTION), answer="_caption_answer", view="caption",
             file=Option("attention_map", "Write the per-word attention figure PNG (one file per image: OUT.png, OUT-2.png, ...)."),
             write="draw_attention"),
        Verb("predict", "The caption of each image (files, or a folder of them): path<TAB>caption.",
             inputs=(Input("images", "image", many=True),), options=(BEAM,), view="pairs", served=False),
    )
    training_data_help = "a Flickr8k-style folder, a caption file; default: generated shapes scenes"
    evaluate_summary = "BLEU-1 to BLEU-4 of MODEL against every reference caption."
    evaluation_data_help = "Captioned images to score (default: the held-out images of training)."
    evaluate_options = (BEAM,)
    held_out_line = "held-out {split} BLEU-4 (greedy): {bleu4:.4f} ({images} images)"

    def __init__(self, attention="additive", image_size=(64, 64), backbone="resnet", pretrained=True, backbone_weights=None,
                 fine_tune_epochs=3, fine_tune_rate=0.1, depth=8, width=32,
                 augment=False, stem_pool=None, embedding_dim=128, units=256, attention_dim=64, dropout=0.2, coverage=0.0,
                 max_length=20, min_count=3,
                 epochs=15, batch_size=32, learning_rate=2e-3, clipnorm=1.0, validation_split=0.1, patience=5, min_delta=1e-3,
                 precision="auto", distribute=None, seed=None, jit_compile="auto"):
        super().__init__(**arguments(locals()))

    def _check_config(self):
        from deeptoolkit.models.pretrained_backbone import backbone_names, is_backbone

        super()._check_config()
        config = self.config
        size = config["image_size"]
        if not isinstance(size, (tuple, list)) or len(size) != 2 or not all(isinstance(s, int) and s >= 32 for s in size):
            raise DeeptoolkitError(f"image_size must be (height, width), each at least 32 pixels. Received: image_size={size!r}")
        depth = config["depth"]
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
            raise DeeptoolkitError(f"depth must be 6n + 2 (8, 14, 20, ...). Received: depth={depth!r}")
        if config["backbone"] != "resnet" and not is_backbone(config["backbone"]):
            raise DeeptoolkitError(f"Expected backbone resnet, {backbone_names()}. Received: backbone={config['backbone']!r}")

    @property
    def vocabulary(self):
        if "vocabulary" not in self.state:
            self._require_fitted()
        return WordVocabulary.from_dict(self.state["vocabulary"])

    def _stem_pool(self):
        pool = self.config["stem_pool"]
        return pool if pool is not None else max(1, min(self.config["image_size"]) // 32)

    # ----------------------------------------------------------------- training
    def _training_data(self, run):
        from deeptoolkit.data import captions as caption_data

        images = caption_data.read_captions(run.data)
        split = self._validation_split(np.arange(len(images)))
        train, validation = (images, None) if split is None else (images.take(split[0]), images.take(split[1]))
        vocabulary = WordVocabulary.fit([c for captions in train.captions for c in captions], self.config["min_count"])
        per_image = max(len(captions) for captions in train.captions)
        self.state = {"vocabulary": vocabulary.to_dict(), "data": images.spec, "captions_per_image": per_image,
                      "images": len(images)}
        log.info("captioner: %d training images, %d words kept (min_count=%d)", len(train), len(vocabulary),
                 self.config["min_count"])
        train_ds = self._batches(train, run.batch_size, shuffle=True, seed=run.seed)
        validation_ds = self._batches(validation, run.batch_size) if validation is not None and len(validation) else None
        return TrainingData(train_ds, validation_ds, -(-len(train) // run.batch_size))

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

    def _batches(self, images, batch_size, shuffle=False, seed=None):
        from deeptoolkit.data import image_files

        from deeptoolkit.data.pipeline import batched

        import tensorflow as tf

        captions_in, captions_out = self._encode_captions(images.captions)
        height, width = self.config["image_size"]
        cache = images.in_memory or len(images) * height * width * 3 <= CACHE_LIMIT_BYTES
        source = images.pixels if images.in_memory else images.paths
        elements = tf.data.Dataset.from_tensor_slices((source, captions_in, captions_out))
        if shuffle and not cache:
            # Streamed from disk: shuffle file names, not decoded images, or the shuffle buffer
            # would hold every decoded image (see data/images.FileSplit.dataset).
            elements = elements.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        if not images.in_memory:
            size = self.config["image_size"]

            def load(path, captions_in, captions_out):
                image = tf.image.resize(image_files.decode_image(path, 3), size)
                return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8), captions_in, captions_out

            elements = elements.map(load, num_parallel_calls=tf.data.AUTOTUNE)
        elements = elements.map(lambda image, captions_in, captions_out: ({"image": image, "captions_in": captions_in}, captions_out))
        return batched(elements, batch_size, shuffle=shuffle and cache, seed=seed, cache=cache)

    def _build_model(self, run):
        from deeptoolkit.models.show_attend_tell import captioner

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
            pretrained=config["pretrained"],
        )

    # ----------------------------------------------------------------- captioning
    def draw_attention(self, images, path, beam=None):
        """For each image, its caption with each word's attention over the image, as a PNG: `path`
        for the first, then PATH-2.png, ...; returns the paths written."""
        from deeptoolkit import plots

        results = self.caption(list(images) if isinstance(images, (list, tuple)) else [images], beam=beam, return_attention=True)
        stem, extension = os.path.splitext(os.fspath(path))
        written = []
        for index, result in enumerate(results):
            target = os.fspath(path) if index == 0 else f"{stem}-{index + 1}{extension or '.png'}"
            written.append(plots.caption_attention(result["image"], result["words"], result["attention"], target, result["caption"]))
        return written

    def _caption_answer(self, images, beam=None, attention=False):
        """The served answers, one per image of the list `images`: {caption}, and with `attention`
        each word and its attention grid."""
        if not attention:
            return [{"caption": caption} for caption in self.caption(list(images), beam=beam)]
        return [{key: result[key] for key in ("caption", "words", "attention")}
                for result in self.caption(list(images), beam=beam, return_attention=True)]

    def caption(self, images, beam=None, max_length=None, return_attention=False):
        """The caption of an image (a file path or an (H, W, 3) array), or of each in a list.

        beam: beam-search width (None or 1: greedy). max_length: longest caption in words
        (default: the model's). return_attention: return dicts {caption, words, attention,
        image}, where attention holds one (grid height x grid width) map per word and one for
        <end>, each summing to one, and image is the picture as the model saw it (uint8), for
        `plots.caption_attention`.
        """
        self._require_fitted()
        single = isinstance(images, (str, os.PathLike)) or (isinstance(images, np.ndarray) and images.ndim == 3)
        pixels = self._pixels([images] if single else images)
        words = self._write(pixels, beam, max_length)
        if not return_attention:
            results = [" ".join(w) for w in words]
        else:
            maps = self._attention_maps(pixels, words)
            seen = np.clip(np.rint(pixels), 0, 255).astype("uint8")
            results = [{"caption": " ".join(w), "words": w + ["<end>"], "attention": m, "image": image}
                       for w, m, image in zip(words, maps, seen)]
        return results[0] if single else results

    def _pixels(self, images):
        """float32 (N, H, W, 3) at the model's image size, from paths, folders, bytes or arrays."""
        from deeptoolkit.data.image_preprocessor import ImagePreprocessor

        return ImagePreprocessor(self.config["image_size"], 3)(images)

    def _decoding_parts(self):
        from deeptoolkit.models.show_attend_tell import captioner_stepper

        def encode(pixels):
            return [np.asarray(x) for x in self._encoder()(pixels, training=False)]  # h, c, grid features

        return encode, captioner_stepper(self.model), self.vocabulary

    def _encoder(self):
        from deeptoolkit.models.show_attend_tell import captioner_encoder

        return self._cached("encoder", lambda: captioner_encoder(self.model))

    def _attention_maps(self, pixels, words):
        """For each image, (len(words) + 1, grid h, grid w) attention of its own caption's steps."""
        from deeptoolkit.models.show_attend_tell import captioner_attention, grid_shape

        if self.config["attention"] is None:
            raise DeeptoolkitError("This Captioner has no attention (attention=None). Received: return_attention=True")
        vocabulary = self.vocabulary
        scorer = self._cached("attention", lambda: captioner_attention(self.model))
        rows, columns = grid_shape(self.model)
        maps = []
        for image, caption in zip(pixels, words):
            h, c, features = (np.asarray(x) for x in self._encoder()(image[None], training=False))
            tokens = vocabulary.encode(caption, start=True)[None]
            weights = np.asarray(scorer([tokens, h, c, features], training=False))[0]
            maps.append(weights.reshape(len(caption) + 1, rows, columns))
        return maps

    def predict(self, data, beam=None):
        """Captions of image files: one path, a folder of images (sorted by name), or a list of
        either; one caption per image."""
        from deeptoolkit.inputs import expand_images

        return self.caption(expand_images(data), beam=beam)

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, beam=None, batch_size=None):
        """BLEU-1 to BLEU-4 (fractions in [0, 1]) against all reference captions of each image.

        Without data: the generated scenes' own test scenes for the default data, otherwise
        the images held out in training. With data: every image of it (any accepted form).
        batch_size: images encoded and decoded at once (default 64).
        """
        self._require_fitted()
        images, which = self._evaluation_images(data)
        pixels = self._pixels(list(images.pixels) if images.in_memory else list(images.paths))
        hypotheses = self._write(pixels, beam, batch_size=batch_size)
        references = images.captions
        bleu = self._bleu(references, hypotheses, max_orders=(1, 2, 3, 4))
        exact = float(np.mean([h in r for h, r in zip(hypotheses, references)]))
        return {**{f"bleu{order}": score for order, score in bleu.items()}, "exact_match": exact, "images": len(images),
                "beam": beam or 1, "split": which}

    def _evaluation_images(self, data):
        from deeptoolkit.data import captions as caption_data

        if data is None:
            spec = self._training_spec()
            if spec == caption_data.shape_scenes.BUILTIN:
                return caption_data.builtin_test(), "test"
            images = caption_data.read_captions(spec)
            return images.take(self._held_out_indices(np.arange(len(images)))), "validation"
        if data == caption_data.shape_scenes.BUILTIN:
            return caption_data.builtin_test(), "test"
        return caption_data.read_captions(data), "given"
