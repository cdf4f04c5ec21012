"""Pure Keras graph builders: no I/O, no training, no state outside the returned model."""
