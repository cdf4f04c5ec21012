"""How the command line prints a verb's answer: one printer per view that a verb declares
(`Verb.view`), shared by every task, as the pages share theirs (`deeptoolkit.serve.views`).

A printer takes the items the answer is about (the input expanded: image files, lines of a
file, questions of a story file), the answer, and the verb's options. Answers come first, so
that the first line is the answer (or the first input's).
"""

import json

import click


def _ranked(result):
    """[(label, probability)] of a ranked answer: a dict with top_k, or a list of pairs."""
    if isinstance(result, dict):
        return [(item["label"], item["probability"]) for item in result["top_k"]]
    return list(result)


def _label(label):
    # A label with blanks or control characters in it (a space, a new line) is quoted, so that the
    # tabs stay readable.
    text = str(label)
    return json.dumps(text) if not text.isprintable() or text != text.strip() or not text else text


def labels(items, result, options):
    for item, ranked in zip(items, result):
        click.echo(f"{item}\t" + "\t".join(f"{_label(label)}\t{p:.4f}" for label, p in _ranked(ranked)))


def transcripts(items, result, options):
    """item<TAB>transcript<TAB>probability, then the alternatives, and "(cut)" for a clip heard in part."""
    for item, answer in zip(items, result):
        ranked = "\t".join(f"{_label(a['transcript'])}\t{a['probability']:.4f}" for a in answer["alternatives"])
        click.echo(f"{item}\t{ranked}" + ("\t(cut)" if answer.get("cut") else ""))


def lines(items, result, options):
    """Answers alone, one per line."""
    for answer in result if isinstance(result, list) else [result]:
        click.echo(answer)


def pairs(items, result, options):
    """item<TAB>answer, one line per item."""
    for item, answer in zip(items, result):
        click.echo(f"{item}\t{answer}")


def text(items, result, options):
    click.echo(str(options.get("prime", "")) + result)


def json_view(items, result, options):
    from deeptoolkit.json_ready import plain

    click.echo(json.dumps(plain(result)))


def vectors(items, result, options):
    for item, row in zip(items, result):
        click.echo(f"{item}\t" + " ".join(f"{v:.5f}" for v in row))


def verdict(items, result, options):
    click.echo("same" if result["same"] else "different")
    click.echo(f"distance: {result['distance']:.4f} (threshold {result['threshold']:.4f}), confidence: {result['confidence']:.3f}"
               + ("" if result["in_domain"] is not False else " (photos unlike those the model was trained or calibrated on)"))


def matches(items, result, options):
    for match in result:
        click.echo(f"{match['person']}\t{match['distance']:.4f}\t{'same' if match['same'] else 'different'}")


def memory(items, result, options):
    click.echo(result["answer"])
    if result["unknown_words"]:
        click.echo(f"note: words unknown to the model (read as <unk>): {', '.join(result['unknown_words'])}")
    for hop, attended in enumerate(result["hops"], start=1):
        click.echo(f"hop {hop}: " + "; ".join(f"{item['sentence']} ({item['weight']:.2f})" for item in attended))


def neighbours(items, result, options):
    for key, ranked in result.items():
        click.echo(f"{key}\t" + "\t".join(f"{other} ({similarity:.2f})" for other, similarity in ranked))


def calibration(items, result, options):
    click.echo(f"threshold {result['previous_threshold']:.4f} -> {result['threshold']:.4f}: accuracy on {result['pairs']} pairs "
               f"of {result['people']} people {result['previous_accuracy']:.4f} -> {result['accuracy']:.4f}")


def stages(items, result, options):
    for name, stage in result:
        click.echo(f"{name}\t{'x'.join(str(size) for size in stage.shape)}")


PRINTERS = {"json": json_view, "labels": labels, "next": labels, "translation": lines, "caption": lines, "text": text, "lines": lines, "pairs": pairs,
            "vectors": vectors, "verdict": verdict, "matches": matches, "memory": memory, "stages": stages,
            "neighbours": neighbours, "calibration": calibration, "transcripts": transcripts}
