"""FaceScoring: how a FaceVerifier is scored and calibrated on pairs of photos of people (the
LFW 10-fold protocol, ROC, equal error rate) and draws those scores; a part of FaceVerifier."""

import os

from deeptoolkit.tasks.base import NOTHING_HELD_OUT

PAIR_FOLDS = 10


class FaceScoring:
    """The scoring half of FaceVerifier: evaluate, calibrate and their figures."""

    def _calibrate(self, embeddings, first, second, same):
        """Threshold (best accuracy) and confidence slope from labelled pairs."""
        from deeptoolkit.metrics import verification

        distances = verification.pair_distances(embeddings, first, second)
        threshold = verification.best_threshold(distances, same)
        self.state["threshold"] = threshold
        self.state["confidence_slope"] = verification.confidence_slope(distances, same, threshold)
        self.state["calibration_accuracy"] = verification.accuracy(distances, same, threshold)

    def calibrate(self, data, labels=None, people=None, batch_size=None):
        """Refit the threshold, the confidence and the domain on labelled photos of your own, without training.

        data: photos of at least two people, two or more photos each (any form `fit` takes),
        taken the way the photos to be verified will be. Saved with the model by `save`.
        Returns {threshold, previous_threshold, accuracy (at the new threshold), previous_accuracy
        (the old threshold on these pairs), pairs, people, photos}.
        """
        from deeptoolkit.data import face_pairs
        from deeptoolkit.metrics import domain, verification

        self._require_fitted()
        photos = self._load(data, labels, people)
        pairs = face_pairs.generated_pairs(photos, PAIR_FOLDS, seed=0)
        first, second = pairs.indices(photos, "generated pairs")
        embeddings, statistics = self._embed_photos(photos.images, batch_size, statistics=True)
        previous = self.threshold
        self._calibrate(embeddings, first, second, pairs.same)
        self.state["domain"] = domain.reference(statistics, photos.labels)
        distances = verification.pair_distances(embeddings, first, second)
        self.state["calibrated_on"] = {"data": photos.spec, "people": len(photos.people), "photos": len(photos)}
        return {"threshold": self.threshold, "previous_threshold": previous, "accuracy": self.state["calibration_accuracy"],
                "previous_accuracy": verification.accuracy(distances, pairs.same, previous), "pairs": len(pairs),
                "people": len(photos.people), "photos": len(photos)}

    def draw_evaluation(self, metrics, folder):
        from deeptoolkit import plots

        distances, same = metrics["distances"], metrics["same"]
        return [plots.verification_roc(distances, same, os.path.join(folder, "roc.png")),
                plots.distance_histograms(distances, same, metrics["threshold"], os.path.join(folder, "distances.png"))]

    def evaluate(self, data=None, pairs=None, labels=None, people=None, return_distances=False, batch_size=None):
        """Verification scores on pairs of photos of people.

        data: photos (any accepted form; default: the people held out in training, or for the
        generated identities, 40 people never trained on). pairs: an LFW-format pairs file
        naming photos of `data`; without it, every genuine pair and as many impostors (seeded)
        in 10 folds. people: keep only these people of `data` (a list or "s31-s40").

        Returns the LFW 10-fold accuracy (threshold picked on nine folds, scored on the tenth;
        mean and std), ROC AUC, equal error rate, verification rate at FAR 1e-3, the
        accuracy at the calibrated threshold, and in_domain: the share of photos that look like
        the training or calibration photos (see `verify`). return_distances adds the distances
        and labels (for plots). split: "unseen" (the generated people never trained on), "validation" (the
        people held out in training) or "given".
        """
        from deeptoolkit.data import face_pairs
        from deeptoolkit.metrics import verification

        self._require_fitted()
        photos, which = self._evaluation_photos(data, labels, people)
        if pairs is not None:
            chosen = face_pairs.read_pairs_file(pairs)
            source = os.fspath(pairs)
        else:
            chosen = face_pairs.generated_pairs(photos, PAIR_FOLDS, seed=0)
            source = "generated pairs"
        first, second = chosen.indices(photos, source)
        embeddings, statistics = self._embed_photos(photos.images, batch_size, statistics=True)
        distances = verification.pair_distances(embeddings, first, second)
        scores = {**verification.ten_fold(distances, chosen.same, chosen.folds), **verification.roc_scores(distances, chosen.same)}
        scores.update(threshold=self.threshold, accuracy_at_threshold=verification.accuracy(distances, chosen.same, self.threshold),
                      pairs=len(chosen), genuine_pairs=int(chosen.same.sum()), people=len(photos.people), photos=len(photos),
                      split=which)
        if "domain" in self.state:
            familiar = self._in_domain(statistics)
            scores["in_domain"] = float(familiar.mean())
            self._warn_out_of_domain(familiar.tolist(), "photos")
        if return_distances:
            scores.update(distances=distances.tolist(), same=chosen.same.tolist())
        return scores

    def _evaluation_photos(self, data, labels, people):
        from deeptoolkit.data import faces

        if data is not None:
            return self._load(data, labels, people), "given"
        spec = self._training_spec()
        if spec == faces.BUILTIN:
            return self._load(faces.UNSEEN), "unseen"
        if not self.state.get("validation_people"):
            raise self._no_held_out_split(NOTHING_HELD_OUT)
        return self._load(spec, people=self.state["validation_people"]), "validation"
