"""The learning-rate schedule and optimiser settings the tasks train with."""

import keras


def warmup_cosine(peak, total_steps, warmup_fraction=0.02, alpha=0.0):
    """Linear warm-up to `peak` over a fraction of training, then cosine decay to alpha * peak.

    The schedule every task trains with: robust without tuning, and it ends with the run.
    """
    warmup = max(1, int(total_steps * warmup_fraction + 1e-9))  # floor, as total_steps // 50 did
    return keras.optimizers.schedules.CosineDecay(
        0.0, max(1, total_steps - warmup), warmup_target=peak, warmup_steps=warmup, alpha=alpha
    )


def clipped_adam(config, total_steps, alpha):
    """Adam on `warmup_cosine(learning_rate)`, decaying to alpha x the peak, with the global
    gradient norm clipped to `clipnorm`: what the recurrent tasks train with (gradients explode
    in RNNs)."""
    schedule = warmup_cosine(config["learning_rate"], total_steps, alpha=alpha)
    return keras.optimizers.Adam(schedule, global_clipnorm=config["clipnorm"])
