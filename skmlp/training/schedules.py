"""Learning-rate schedules, with scikit-learn's MLP semantics, for each member.

A schedule sets the optimizer's learning rate between epochs. The rates are
the optimizer's (one number, or one per member of a stack): a member's rate
decays from its own ``learning_rate_init`` and falls on its own plateaus.
"""

import numpy as np


class LearningRateSchedule:
    """``'constant'``, ``'invscaling'`` or ``'adaptive'``.

    * ``invscaling``: after each epoch ``lr = lr_init / (t + 1) ** power_t``,
      ``t`` being the number of samples the member has seen so far;
    * ``adaptive``: when a member's training stalls, divide its rate by 5
      instead of stopping it, until the rate falls to 1e-6 or below;
    * ``constant``: stop a member when its training stalls.
    """

    MIN_ADAPTIVE_RATE = 1e-6

    def __init__(self, kind, power_t=0.5):
        self.kind = kind
        self.power_t = float(power_t)

    def after_epoch(self, optimizer, samples_seen):
        """Set the learning rate of the next epoch: ``samples_seen`` is each
        member's number of samples seen so far (one number, or ``(k,)``)."""
        if self.kind == "invscaling":
            seen = np.asarray(samples_seen, dtype=float)
            optimizer.learning_rate = (
                optimizer.learning_rate_init / (seen + 1) ** self.power_t
            )

    def on_plateau(self, optimizer, j):
        """Whether member ``j``, whose monitored value stalls, stops; with
        ``'adaptive'`` its rate is divided by 5 instead, while above 1e-6."""
        rate = optimizer._hyper("learning_rate", j)
        if self.kind != "adaptive" or rate <= self.MIN_ADAPTIVE_RATE:
            return True
        optimizer.set_member_value("learning_rate", j, rate / 5.0)
        return False
