"""SpeechRecognizer's answers from its outputs: ranked words, CTC decoding into transcripts with
alternatives, where each word is heard, and the evaluation scores."""

import numpy as np


def ranked_words(probabilities, labels, top_k):
    """A word model's answer per clip: the best word and the next `top_k - 1`."""
    answers = []
    for row in probabilities:
        order = np.argsort(row)[::-1][:top_k]
        ranked = [{"transcript": labels[i], "probability": float(row[i])} for i in order]
        answers.append({"transcript": ranked[0]["transcript"], "probability": ranked[0]["probability"], "alternatives": ranked})
    return answers


def text(token_ids, labels, unit):
    """The transcript of CTC's token ids (1-based: 0 is the blank)."""
    tokens = [labels[i - 1] for i in token_ids if 0 < i <= len(labels)]
    return " ".join(tokens) if unit == "word" else "".join(tokens)


def decode(logits, labels, unit, beam, top_k):
    """A sequence model's answer per clip (per-frame logits, each (T, tokens + 1)): the best `top_k`
    of CTC beam search `beam` wide (at least `top_k`), or greedy decoding when both are 1. A
    transcript's probability is that of its best path (greedy) or of its beam (summed over the
    alignments it kept)."""
    from keras import ops

    width = max(beam, top_k)
    answers = []
    for frames in logits:
        log_probabilities = ops.log_softmax(ops.convert_to_tensor(frames[None]), axis=-1)
        length = ops.convert_to_tensor([frames.shape[0]], dtype="int32")
        if width == 1:
            paths, scores = ops.ctc_decode(log_probabilities, length, strategy="greedy")
            scores = -np.asarray(scores)[0]
        else:
            paths, scores = ops.ctc_decode(log_probabilities, length, strategy="beam_search", beam_width=width,
                                           top_paths=min(top_k, width))
            scores = np.asarray(scores)[0]
        paths = np.asarray(paths)[:, 0]
        ranked = [{"transcript": text(path, labels, unit), "probability": float(np.exp(score))} for path, score in zip(paths, scores)]
        answers.append({"transcript": ranked[0]["transcript"], "probability": ranked[0]["probability"], "alternatives": ranked})
    return answers


def emissions(probabilities, labels, mode, step):
    """Where each word is heard in one clip, from its per-frame probabilities (T, classes):
    sequences: each run of frames whose best token is not the blank (CTC's emissions); words: the
    frames where the evidence for the clip's word is at least half its peak. Times in seconds."""
    best = probabilities.argmax(axis=1)
    words = []
    if mode == "words":
        label = int(probabilities.max(axis=0).argmax())
        peak = int(probabilities[:, label].argmax())
        strong = np.flatnonzero(probabilities[:, label] >= 0.5 * probabilities[peak, label])
        return [{"word": labels[label], "start": round(float(strong.min() * step), 3), "end": round(float((strong.max() + 1) * step), 3),
                 "probability": round(float(probabilities[peak, label]), 4)}]
    start = None
    for frame in range(len(best) + 1):
        token = best[frame] if frame < len(best) else 0
        if start is not None and token != best[start]:
            words.append({"word": labels[best[start] - 1], "start": round(start * step, 3), "end": round(frame * step, 3),
                          "probability": round(float(probabilities[start:frame, best[start]].max()), 4)})
            start = None
        if start is None and token != 0:
            start = frame
    return words


def scores(targets, transcripts, state, which):
    """evaluate()'s metrics of `transcripts` against the reference `targets`."""
    from deeptoolkit.metrics.speech import error_rates, per_label_accuracy

    if state["mode"] == "words":
        from sklearn.metrics import confusion_matrix

        names = list(state["labels"])
        index = {name: number for number, name in enumerate(names)}
        unknown = sorted(set(targets) - set(names))
        if unknown:
            from deeptoolkit.errors import DeeptoolkitError

            raise DeeptoolkitError(f"Expected the model's words {names}. Received: labels {unknown}")
        truth = np.array([index[t] for t in targets])
        predicted = np.array([index[t] for t in transcripts])
        return {"accuracy": float(np.mean(truth == predicted)), "examples": len(targets), "split": which,
                "per_label": per_label_accuracy(truth, predicted, names), "class_names": names,
                "confusion_matrix": confusion_matrix(truth, predicted, labels=np.arange(len(names))).tolist()}
    rates = error_rates(list(targets), list(transcripts))
    mistakes = [{"reference": t, "heard": h} for t, h in zip(targets, transcripts) if t != h][:20]
    return {**rates, "sentence_accuracy": float(np.mean([t == h for t, h in zip(targets, transcripts)])),
            "examples": len(targets), "split": which, "mistakes": mistakes}
