"""Verification of the people held out of a FaceVerifier's training, scored after every epoch."""

import keras

from deeptoolkit.metrics import verification
from deeptoolkit.models.face_embedding import embedding_part
from deeptoolkit.models.inference import predict_batches


class HeldOutVerification(keras.callbacks.Callback):
    """Adds val_auc, val_accuracy (best threshold) and val_separation (d') on the held-out people's
    pairs to each epoch's logs; early stopping watches val_separation."""

    def __init__(self, validation):
        super().__init__()
        self.images, self.first, self.second, self.same = validation

    def on_train_begin(self, logs=None):
        self.embedder = embedding_part(self.model)  # once: a new model per epoch would retrace predict

    def on_epoch_end(self, epoch, logs=None):
        embeddings = predict_batches(self.embedder, self.images, 256)
        distances = verification.pair_distances(embeddings, self.first, self.second)
        if logs is not None:
            logs["val_auc"] = verification.roc_scores(distances, self.same)["auc"]
            logs["val_accuracy"] = verification.accuracy(distances, self.same, verification.best_threshold(distances, self.same))
            logs["val_separation"] = verification.separation(distances, self.same)
