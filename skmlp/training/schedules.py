"""Learning-rate schedules, with scikit-learn's MLP semantics."""


class LearningRateSchedule:
    """``'constant'``, ``'invscaling'`` or ``'adaptive'``.

    * ``invscaling``: after each epoch ``lr = lr_init / (t + 1) ** power_t``,
      ``t`` being the number of samples seen so far;
    * ``adaptive``: when training stalls, divide the rate by 5 instead of
      stopping, until it falls to 1e-6 or below;
    * ``constant``: stop when training stalls.
    """

    MIN_ADAPTIVE_RATE = 1e-6

    def __init__(self, kind, learning_rate_init, power_t=0.5):
        self.kind = kind
        self.learning_rate_init = float(learning_rate_init)
        self.power_t = float(power_t)

    def after_epoch(self, learning_rate, samples_seen):
        """The learning rate for the next epoch."""
        if self.kind == "invscaling":
            return self.learning_rate_init / (samples_seen + 1) ** self.power_t
        return learning_rate

    def on_plateau(self, learning_rate):
        """``(stop, new_learning_rate)`` when the monitored value stalls."""
        if self.kind != "adaptive" or learning_rate <= self.MIN_ADAPTIVE_RATE:
            return True, learning_rate
        return False, learning_rate / 5.0
