"""Learning-rate schedules, with scikit-learn's MLP semantics, for each member.

A schedule sets the optimizer's learning rate between epochs. The rates are
the optimizer's (one number, or one per member of a stack): a member's rate
decays from its own ``learning_rate_init`` and falls on its own plateaus.
"""

import numpy as np


class LearningRateSchedule:
    """``'constant'``, ``'invscaling'``, ``'adaptive'`` or ``'cosine'``.

    * ``invscaling``: after each epoch ``lr = lr_init / (t + 1) ** power_t``,
      ``t`` being the number of samples the member has seen so far;
    * ``adaptive``: when a member's training stalls, divide its rate by 5
      instead of stopping it, until the rate falls to 1e-6 or below;
    * ``cosine``: a fixed budget of ``T`` epochs (the member's ``max_iter``):
      after epoch ``e``, ``lr = lr_init * (1 + cos(pi * e / T)) / 2``, from
      ``lr_init`` in the first epoch down to 0 at the end of the budget
      (Loshchilov & Hutter's cosine annealing, without restarts);
    * ``constant``: stop a member when its training stalls.
    """

    MIN_ADAPTIVE_RATE = 1e-6

    def __init__(self, kind, power_t=0.5):
        self.kind = kind
        self.power_t = float(power_t)

    def after_epoch(self, optimizer, samples_seen, epochs=None, budgets=None):
        """Set the learning rate of the next epoch from each member's samples
        seen so far, epochs done and budget of epochs (numbers, or one per
        member)."""
        if self.kind == "invscaling":
            seen = np.asarray(samples_seen, dtype=float)
            optimizer.learning_rate = (
                optimizer.learning_rate_init / (seen + 1) ** self.power_t
            )
        elif self.kind == "cosine":
            optimizer.learning_rate = optimizer.learning_rate_init * cosine_factor(
                epochs, budgets
            )

    def on_plateau(self, optimizer, j):
        """Whether member ``j``, whose monitored value stalls, stops; with
        ``'adaptive'`` its rate is divided by 5 instead, while above 1e-6."""
        rate = optimizer._hyper("learning_rate", j)
        if self.kind != "adaptive" or rate <= self.MIN_ADAPTIVE_RATE:
            return True
        optimizer.set_member_value("learning_rate", j, rate / 5.0)
        return False


def cosine_factor(epochs, budgets):
    """``(1 + cos(pi * e / T)) / 2`` for ``e`` epochs done of a budget of ``T``
    (0 once the budget is spent)."""
    done = np.minimum(np.asarray(epochs, dtype=float), budgets)
    return 0.5 * (1.0 + np.cos(np.pi * done / np.asarray(budgets, dtype=float)))
