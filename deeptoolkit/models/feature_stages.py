"""The convolution and subsampling stages of a convnet, bottom-up: what the review's second
figure draws (the outputs of each stage for one image).

A stage is a layer whose output is a grid of feature maps (B, H, W, C) and that the figure
would show: a convolution or pooling that is not followed by batch normalisation (LeNet-5's
c1, s2, c3, s4), or the ReLU that ends a batch-normalised convolution's stem or a residual
block (a ResNet's stem and each block). Works on saved models too: layers are recognised by
type and wiring, not by names a newer version may have added.
"""

import keras
from keras import layers

CONVOLUTIONS = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D)
POOLINGS = (layers.MaxPooling2D, layers.AveragePooling2D)


def _producer(tensor):
    return tensor._keras_history.operation


def _inputs_of(layer):
    inputs = layer._inbound_nodes[0].input_tensors if layer._inbound_nodes else []
    return [_producer(t) for t in inputs]


def _consumers(model):
    """layer name -> the layers of `model` that read its output."""
    consumers = {}
    for layer in model.layers:
        for producer in _inputs_of(layer):
            consumers.setdefault(producer.name, []).append(layer)
    return consumers


def _stage_name(layer):
    """A ReLU's stage name: the residual block it ends (stage1_block1), or the stem."""
    (before,) = _inputs_of(layer)[:1] or [None]
    if isinstance(before, layers.Add):
        branch = _inputs_of(before)[0].name  # "<block>_bn2"
        return branch.rsplit("_", 1)[0]
    return before.name.removesuffix("_bn") if before is not None else layer.name


def feature_stages(model):
    """[(stage name, layer)] of `model`'s feature-map stages, bottom-up (see the module)."""
    consumers, stages = _consumers(model), []
    for layer in model.layers:
        if isinstance(layer, keras.Model) or len(layer.output.shape) != 4:
            continue
        feeds_norm = any(isinstance(c, layers.BatchNormalization) for c in consumers.get(layer.name, []))
        if isinstance(layer, CONVOLUTIONS) and not feeds_norm:
            stages.append((layer.name, layer))
        elif isinstance(layer, POOLINGS) and tuple(layer.pool_size) != (1, 1) and not feeds_norm:
            stages.append((layer.name, layer))
        elif isinstance(layer, layers.Activation) and _inputs_of(layer):
            before = _inputs_of(layer)[0]
            ends_block = isinstance(before, layers.Add)
            ends_stem = isinstance(before, layers.BatchNormalization) and not _inside_block(before, consumers)
            if ends_block or ends_stem:
                stages.append((_stage_name(layer), layer))
    return stages


def _inside_block(norm, consumers):
    """Whether a batch norm's ReLU leads into the second convolution of a residual block (an
    inner step, not a stage): its ReLU feeds a convolution whose norm then meets an Add."""
    for relu in consumers.get(norm.name, []):
        for conv in (c for c in consumers.get(relu.name, []) if isinstance(c, CONVOLUTIONS)):
            for next_norm in (n for n in consumers.get(conv.name, []) if isinstance(n, layers.BatchNormalization)):
                if any(isinstance(c, layers.Add) for c in consumers.get(next_norm.name, [])):
                    return True
    return False


def feature_map_model(model):
    """A model from `model`'s input to [each stage's output, model's output]; the stage names;
    and whether the maps are to be thinned to the last at each scale (`last_at_each_scale`)."""
    stages = feature_stages(model)
    if not stages and any(layer.name == "backbone" for layer in model.layers):
        return _backbone_map_model(model.get_layer("backbone"), model) + (True,)
    if not stages:
        raise ValueError(f"{model.name} has no convolution or subsampling stages")
    names = [name for name, _ in stages]
    return keras.Model(model.input, [layer.output for _, layer in stages] + [model.output], name=f"{model.name}_stages"), names, False


def _backbone_map_model(backbone, model):
    """A pretrained encoder's candidate stages: every merge and activation inside it (a
    nested model, whose own layers `feature_stages` does not see)."""
    candidates = [layer for layer in backbone.layers if isinstance(layer, (layers.Add, layers.ReLU, layers.Activation))
                  and len(layer.output.shape) == 4]
    inner = keras.Model(backbone.inputs, [layer.output for layer in candidates])
    fed = backbone._inbound_nodes[0].input_tensors[0]  # what the outer model passes to the encoder
    outputs = list(inner(fed)) + [model.output]
    return keras.Model(model.input, outputs, name=f"{model.name}_stages"), [layer.name for layer in candidates]


def last_at_each_scale(stages):
    """[(name, maps)] keeping, of consecutive stages at one height and width, the last: a
    pretrained encoder's output at each of its scales."""
    kept = []
    for name, maps in stages:
        if kept and kept[-1][1].shape[:2] == maps.shape[:2]:
            kept[-1] = (name, maps)
        else:
            kept.append((name, maps))
    return kept
