"""A set of layers by name, shared by a training model and the decoding models built from it."""


class NamedLayers:
    """Holds the layers listed in NAMES; `of(model)` finds them again in a built or loaded model.

    Encoder-decoder tasks train one Keras model and decode with others (an encoder run once,
    a one-step decoder for the sampler) that must reuse exactly its layers and weights.
    """

    NAMES = ()

    def __init__(self, **found):
        for name in self.NAMES:
            setattr(self, name, found.get(name))

    @classmethod
    def of(cls, model):
        names = {layer.name for layer in model.layers}
        return cls(**{name: model.get_layer(name) for name in cls.NAMES if name in names})
