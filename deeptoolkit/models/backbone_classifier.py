"""A classifier on a pretrained encoder (`pretrained_backbone`): the encoder's grid, averaged
over positions, then dropout and a softmax layer, the head that fine-tuning recipes train."""

import keras
from keras import layers

from deeptoolkit.models.image_input import classifier_head, image_input
from deeptoolkit.models.pretrained_backbone import pretrained_grid


def backbone_classifier(num_classes, channels, value_max, backbone, size, pretrained=True, weights=None, augment=False,
                        dropout=0.25):
    inputs, x = image_input(channels, (size, size), value_max, augment=augment)
    if channels == 1:  # ImageNet encoders see colour: greyscale is the same value in R, G and B
        x = layers.Concatenate(name="grey_to_rgb")([x, x, x])
    grid = pretrained_grid(x, backbone, pretrained, weights)
    x = layers.GlobalAveragePooling2D(name="pool")(grid)
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, classifier_head(x, num_classes), name=f"{backbone.rstrip('/').split('/')[-1]}_classifier")
