"""A face embedding network: a convnet backbone, a linear bottleneck, unit length (FaceNet, DeepID).

The backbones are the ImageClassifier's (the ResNet or LeNet-5 body). The bottleneck of
`embedding_dim` units is L2-normalised into the "embedding" output, on which distances are
taken. With `num_people`, an "identity" output gives the cosine of the embedding to a learned
centre of each training person: the identification signal of DeepFace/DeepID, used alone
("softmax") or beside the triplet loss ("joint"), trained with a margin softmax on those
cosines (`deeptoolkit.losses.MarginSoftmaxLoss`).
"""

import keras
from keras import layers, ops

from deeptoolkit.models.image_input import image_input
from deeptoolkit.models.lenet import lenet5_features
from deeptoolkit.models.resnet import resnet_features, working_size

BACKBONES = ("resnet", "lenet5")
# Keras's batch-norm momentum, not the ResNet's 0.9: it verifies unseen people better over the
# default epochs (benchmarks/README.md, "FaceVerifier").
BN_MOMENTUM = 0.99


def face_embedding(channels, image_size, backbone="resnet", depth=14, width=16, embedding_dim=128, num_people=None,
                   augment=True, dropout=0.0, erasing=0.0):
    """Model: uint8-range photos (B, H, W, C) -> {"embedding": (B, D) unit vectors[, "identity": logits]}."""
    inputs, x = image_input(channels, working_size(image_size), 255.0, augment, flip=True, erasing=erasing)
    if backbone == "resnet":
        features = resnet_features(x, depth, width, bn_momentum=BN_MOMENTUM)
    elif backbone == "lenet5":
        features = lenet5_features(x, dropout)
    else:
        raise ValueError(f"backbone must be one of {BACKBONES}. Received: backbone={backbone!r}")
    if dropout and backbone == "resnet":
        features = layers.Dropout(dropout)(features)
    bottleneck = layers.Dense(embedding_dim, name="bottleneck")(features)
    outputs = {"embedding": layers.UnitNormalization(dtype="float32", name="embedding")(bottleneck)}
    if num_people:
        outputs["identity"] = PersonCosines(num_people, name="identity")(outputs["embedding"])
    return keras.Model(inputs, outputs, name=f"face_{backbone}")


def descriptor_head(dimension, num_people=None):
    """A head on a pretrained network's face descriptors: a linear map that starts as the
    identity (so an untrained head keeps the descriptor's distances), at unit length."""
    inputs = keras.Input((dimension,), name="descriptor")
    bottleneck = layers.Dense(dimension, kernel_initializer="identity", name="bottleneck")(inputs)
    outputs = {"embedding": layers.UnitNormalization(dtype="float32", name="embedding")(bottleneck)}
    if num_people:
        outputs["identity"] = PersonCosines(num_people, name="identity")(outputs["embedding"])
    return keras.Model(inputs, outputs, name="face_descriptor_head")


@keras.saving.register_keras_serializable(package="deeptoolkit")
class PersonCosines(layers.Layer):
    """Cosine similarity of unit embeddings (B, D) to `people` learned unit centres: (B, people)."""

    def __init__(self, people, **kwargs):
        super().__init__(dtype="float32", **{k: v for k, v in kwargs.items() if k != "dtype"})
        self.people = people

    def build(self, input_shape):
        self.centres = self.add_weight(shape=(input_shape[-1], self.people), initializer="glorot_uniform", name="centres")

    def call(self, embeddings):
        centres = self.centres / ops.sqrt(ops.sum(ops.square(self.centres), axis=0, keepdims=True) + 1e-12)
        return ops.matmul(ops.cast(embeddings, "float32"), centres)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.people)

    def get_config(self):
        return {**super().get_config(), "people": self.people}


def embedding_part(model):
    """The photos -> embedding model inside a trained one (no identity head)."""
    return keras.Model(model.inputs, model.get_layer("embedding").output, name="face_embedding")


def embedding_and_statistics(model):
    """Photos -> (embedding, (B, S) statistics): the mean and spread over the picture of every
    convolution channel, in the order of the layers (what `metrics.domain` compares)."""
    statistics = []
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            response = ops.cast(layer.output, "float32")
            statistics += [ops.mean(response, axis=(1, 2)), ops.std(response, axis=(1, 2))]
    if not statistics:  # a head on a pretrained network's descriptors: the descriptors tell the domain
        statistics = [ops.cast(model.inputs[0], "float32")]
    return keras.Model(model.inputs, [model.get_layer("embedding").output, ops.concatenate(statistics, axis=-1)],
                       name="face_embedding_and_statistics")
