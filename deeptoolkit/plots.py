"""Figures people would rather look at than read: training curves, confusion matrices, attention, ROC."""

import os

import matplotlib

matplotlib.use("Agg")  # files only; no display is needed or assumed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from deeptoolkit import multiworker  # noqa: E402


def training_curves(history, path):
    """One panel per metric (loss, accuracy, ...), training and validation overlaid."""
    metrics = [name for name in history if not name.startswith("val_") and name != "learning_rate"]
    # Scores measured on validation data only (e.g. a verifier's val_auc) get panels of their own.
    metrics += [name for name in history if name.startswith("val_") and name[4:] not in history]
    figure, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    for axis, name in zip(axes[0], metrics):
        epochs = np.arange(1, len(history[name]) + 1)
        axis.plot(epochs, history[name], label="validation" if name.startswith("val_") else "training")
        if f"val_{name}" in history:
            axis.plot(epochs, history[f"val_{name}"], label="validation")
        axis.set_xlabel("epoch")
        axis.set_title(name)
        axis.grid(alpha=0.3)
        axis.legend()
    return _save(figure, path)


def confusion_matrix(matrix, class_names, path, title="Confusion matrix"):
    """Counts per (true, predicted) pair, with the counts written in the cells."""
    matrix = np.asarray(matrix)
    size = max(4.0, 0.45 * len(class_names) + 2)
    figure, axis = plt.subplots(figsize=(size, size))
    image = axis.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axis, fraction=0.046, pad=0.04)
    ticks = np.arange(len(class_names))
    axis.set_xticks(ticks, class_names, rotation=90 if len(class_names) > 10 else 0)
    axis.set_yticks(ticks, class_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title)
    if len(class_names) <= 30:
        threshold = matrix.max() / 2 if matrix.size else 0
        for (row, column), count in np.ndenumerate(matrix):
            axis.text(column, row, str(count), ha="center", va="center", fontsize=8,
                      color="white" if count > threshold else "black")
    return _save(figure, path)


def memory_attention(sentences, attention, path, title=None):
    """Which story sentence each hop of a memory network attended to: hops x sentences."""
    attention = np.asarray(attention)
    figure, axis = plt.subplots(figsize=(2.2 + 1.1 * attention.shape[0], 0.9 + 0.32 * len(sentences)))
    image = axis.imshow(attention.T, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    figure.colorbar(image, ax=axis, fraction=0.08, pad=0.04)
    axis.set_xticks(np.arange(attention.shape[0]), [f"hop {k + 1}" for k in range(attention.shape[0])])
    axis.set_yticks(np.arange(len(sentences)), sentences, fontsize=8)
    if title:
        axis.set_title(title, fontsize=9)
    return _save(figure, path)


def translation_attention(source, target, weights, path, title=None):
    """The source-target heatmap of a translation: which source word each output word attended to."""
    weights = np.asarray(weights)
    figure, axis = plt.subplots(figsize=(1.5 + 0.45 * len(source), 1.2 + 0.35 * len(target)))
    image = axis.imshow(weights, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    figure.colorbar(image, ax=axis, fraction=0.05, pad=0.03)
    axis.set_xticks(np.arange(len(source)), source, rotation=60, ha="right", fontsize=9)
    axis.set_yticks(np.arange(len(target)), target, fontsize=9)
    axis.set_xlabel("source")
    axis.set_ylabel("translation")
    if title:
        axis.set_title(title, fontsize=9)
    return _save(figure, path)


def caption_attention(image, words, maps, path, title=None):
    """Show, Attend and Tell's figure: the image, then one panel per word with where it looked lit.

    image: (H, W, 3) pixels (0-255 or 0-1); words: the caption's words (and <end>); maps: one
    (grid h, grid w) attention map per word, smoothly upsampled to the image here.
    """
    from PIL import Image

    image = np.asarray(image, "float32")
    image = image / 255.0 if image.max() > 1.0 else image
    height, width = image.shape[:2]
    panels = len(words) + 1
    columns = min(panels, 6)
    rows = -(-panels // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(2.1 * columns, 2.3 * rows), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    axes[0, 0].imshow(image)
    axes[0, 0].set_title("image", fontsize=10)
    if title:
        figure.suptitle(title, fontsize=11)
    for index, (word, weights) in enumerate(zip(words, maps), 1):
        weights = np.asarray(weights, "float32")
        lit = np.asarray(Image.fromarray(weights / max(float(weights.max()), 1e-8)).resize((width, height), Image.BILINEAR))
        axis = axes[index // columns, index % columns]
        axis.imshow(image * (0.2 + 0.8 * lit[..., None]))
        axis.set_title(word, fontsize=10)
    return _save(figure, path)


def verification_roc(distances, same, path, title="ROC: same-person verification"):
    """True accept rate against false accept rate (log scale), with the AUC in the legend."""
    from sklearn import metrics as sk_metrics

    fpr, tpr, _ = sk_metrics.roc_curve(np.asarray(same, bool), -np.asarray(distances))
    figure, axis = plt.subplots(figsize=(4.8, 4.2))
    axis.plot(np.maximum(fpr, 1e-4), tpr, label=f"AUC {sk_metrics.auc(fpr, tpr):.3f}")
    axis.set_xscale("log")
    axis.set_xlim(1e-4, 1)
    axis.set_ylim(0, 1.01)
    axis.set_xlabel("false accept rate")
    axis.set_ylabel("true accept rate")
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3, which="both")
    axis.legend(loc="lower right")
    return _save(figure, path)


def distance_histograms(distances, same, threshold, path, title="Distances of genuine and impostor pairs"):
    """Overlaid histograms of genuine and impostor pair distances, with the threshold marked."""
    distances, same = np.asarray(distances), np.asarray(same, bool)
    figure, axis = plt.subplots(figsize=(5.6, 3.6))
    bins = np.linspace(0, max(2.0, float(distances.max())), 50)
    axis.hist(distances[same], bins=bins, alpha=0.6, label=f"same person ({same.sum()})", color="tab:green")
    axis.hist(distances[~same], bins=bins, alpha=0.6, label=f"different people ({(~same).sum()})", color="tab:red")
    axis.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3f}")
    axis.set_xlabel("embedding distance")
    axis.set_ylabel("pairs")
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    return _save(figure, path)


def verification_pair(photos, result, path):
    """Both photos (paths or arrays) side by side, each face box drawn, and the verdict, distance
    and threshold of `result` (what FaceVerifier.verify returned for them)."""
    figure, axes = plt.subplots(1, 2, figsize=(7.2, 4.2))
    colour = "tab:green" if result["same"] else "tab:red"
    for axis, photo, box, name in zip(axes, photos, result.get("faces") or (None, None), ("first", "second")):
        if isinstance(photo, (str, os.PathLike)):
            from PIL import Image

            name = os.path.basename(photo)
            with Image.open(photo) as image:
                photo = np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
        photo = np.asarray(photo)
        photo = photo[..., 0] if photo.ndim == 3 and photo.shape[-1] == 1 else photo
        axis.imshow(photo, cmap="gray", vmin=0, vmax=255)
        if box is not None:
            axis.add_patch(Rectangle((box["x"], box["y"]), box["width"], box["height"], angle=box["angle"],
                                                        rotation_point="center", fill=False, color=colour, linewidth=2))
        axis.set_title(name, fontsize=9)
        axis.axis("off")
    verdict = "same person" if result["same"] else "different people"
    caveat = "" if result.get("in_domain") is not False else "\nphotos unlike those the model was trained or calibrated on: calibrate first"
    figure.suptitle(f"{verdict} (confidence {result['confidence']:.2f})\ndistance {result['distance']:.3f}, "
                    f"threshold {result['threshold']:.3f}{caveat}", fontsize=10, color=colour)
    return _save(figure, path)


def input_space(points, labels, to_hidden, output_weights, path, lines=13):
    """The review's first figure in three panels: the two classes with a regular grid in input
    space; the same grid and points where the hidden units put them; there, the output's
    decision line (w . h + b = 0) with each side shaded by the class it answers.

    `to_hidden` maps [n, 2] input points to [n, 2] hidden activations; `output_weights` is the
    output unit's (w [2], b).
    """
    points, labels = np.asarray(points), np.asarray(labels).ravel()
    (x0, y0), (x1, y1) = points.min(0), points.max(0)
    pad_x, pad_y = 0.15 * (x1 - x0), 0.15 * (y1 - y0)
    xs, ys = np.linspace(x0 - pad_x, x1 + pad_x, lines), np.linspace(y0 - pad_y, y1 + pad_y, lines)
    along = np.linspace(0.0, 1.0, 200)
    grid = [np.stack([np.full_like(along, x), ys[0] + along * (ys[-1] - ys[0])], 1) for x in xs]
    grid += [np.stack([xs[0] + along * (xs[-1] - xs[0]), np.full_like(along, y)], 1) for y in ys]
    hidden_points, hidden_grid = to_hidden(points), [to_hidden(line) for line in grid]
    colours = np.where(labels > 0.5, "tab:red", "tab:blue")
    weights, bias = (np.asarray(v, "float64").ravel() for v in output_weights)

    figure, axes = plt.subplots(1, 3, figsize=(13.5, 4.6))
    panels = (("input space: no line separates the classes", points, grid),
              ("hidden units' space: the grid is bent", hidden_points, hidden_grid),
              ("the output's decision line in hidden space", hidden_points, hidden_grid))
    for axis, (title, where, lines_drawn) in zip(axes, panels):
        for line in lines_drawn:
            axis.plot(line[:, 0], line[:, 1], color="0.75", linewidth=0.7, zorder=1)
        axis.scatter(where[:, 0], where[:, 1], c=colours, s=9, zorder=3)
        axis.set_title(title, fontsize=10)
        axis.set_aspect("equal", adjustable="box")
    axes[0].set_xlabel("input x1")
    axes[0].set_ylabel("input x2")
    for axis in axes[1:]:
        axis.set_xlabel("hidden unit 1 (tanh)")
        axis.set_ylabel("hidden unit 2 (tanh)")
    # The decision line w1 h1 + w2 h2 + b = 0 across the tanh square, each side shaded.
    square = np.linspace(-1.0, 1.0, 300)
    h1, h2 = np.meshgrid(square, square)
    score = weights[0] * h1 + weights[1] * h2 + bias
    axes[2].contourf(h1, h2, score > 0, levels=[-0.5, 0.5, 1.5], colors=["tab:blue", "tab:red"], alpha=0.12, zorder=0)
    axes[2].contour(h1, h2, score, levels=[0.0], colors="black", linewidths=1.5, zorder=2)
    axes[2].set_xlim(-1.05, 1.05)
    axes[2].set_ylim(-1.05, 1.05)
    axes[0].scatter([], [], c="tab:red", s=9, label="class 1")
    axes[0].scatter([], [], c="tab:blue", s=9, label="class 0")
    axes[0].legend(loc="upper left", fontsize=8)
    figure.suptitle("A net with two tanh hidden units distorts the input space until a line separates the classes", fontsize=11)
    return _save(figure, path)


def feature_maps(image, stages, probabilities, class_names, path, maps_per_stage=8, top_classes=5):
    """The review's second figure: the input image at the bottom, above it each stage's maps
    (the `maps_per_stage` most active, each scaled to its own range) as a row of small images,
    and the class scores on top. `stages`: [(name, array (H, W, maps))] bottom-up."""
    image = np.clip(np.asarray(image, "float32"), 0.0, 1.0)
    rows, columns = len(stages) + 2, maps_per_stage
    figure = plt.figure(figsize=(1.25 * columns + 1.6, 1.25 * rows + 0.4))
    grid = figure.add_gridspec(rows, columns + 1, width_ratios=[1.6] + [1] * columns)
    for row, (name, maps) in enumerate(stages):
        axes_row = rows - 2 - row  # bottom-up: the first stage sits just above the input
        strength = maps.reshape(-1, maps.shape[-1]).mean(0)
        label = figure.add_subplot(grid[axes_row, 0])
        label.text(1.0, 0.5, f"{name}\n{maps.shape[0]}x{maps.shape[1]}, {maps.shape[-1]} maps", ha="right", va="center", fontsize=8)
        label.axis("off")
        for column, channel in enumerate(np.argsort(strength)[::-1][:columns]):
            axis = figure.add_subplot(grid[axes_row, column + 1])
            axis.imshow(maps[..., channel], cmap="gray", interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
    label = figure.add_subplot(grid[rows - 1, 0])
    label.text(1.0, 0.5, f"input\n{image.shape[0]}x{image.shape[1]}", ha="right", va="center", fontsize=8)
    label.axis("off")
    picture = figure.add_subplot(grid[rows - 1, 1])
    picture.imshow(image[..., 0] if image.shape[-1] == 1 else image[..., :3], cmap="gray" if image.shape[-1] == 1 else None,
                   vmin=0.0, vmax=1.0, interpolation="nearest")
    picture.set_xticks([])
    picture.set_yticks([])
    scores = figure.add_subplot(grid[0, 1:])
    order = np.argsort(probabilities)[::-1][:top_classes]
    scores.barh(range(len(order))[::-1], np.asarray(probabilities)[order], color=["tab:green"] + ["0.6"] * (len(order) - 1))
    scores.set_yticks(range(len(order))[::-1], [str(class_names[i]) for i in order], fontsize=8)
    scores.set_xlim(0.0, 1.0)
    scores.set_title(f"class scores: {class_names[order[0]]} ({probabilities[order[0]]:.2f})", fontsize=9)
    scores.tick_params(axis="x", labelsize=7)
    return _save(figure, path)


def labelled_map(points, labels, path, title):
    """Points of a 2-D map (a t-SNE of learned vectors), each with its label beside it."""
    points = np.asarray(points, "float64")
    figure, axis = plt.subplots(figsize=(13, 10))
    axis.scatter(points[:, 0], points[:, 1], s=6, color="tab:blue", alpha=0.6)
    size = 9 if len(labels) <= 80 else 7
    for (x, y), label in zip(points, labels):
        text = label if len(label) <= 48 else label[:45] + "..."
        axis.annotate(text, (x, y), xytext=(2, 2), textcoords="offset points", fontsize=size, alpha=0.85)
    axis.margins(x=0.12, y=0.04)  # room for the labels of the rightmost points
    axis.set_title(title)
    axis.set_xticks([])
    axis.set_yticks([])
    return _save(figure, path)


def _save(figure, path):
    path = os.fspath(path)
    if not multiworker.is_chief():  # in a multi-worker run the chief alone writes figures
        plt.close(figure)
        return path
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
