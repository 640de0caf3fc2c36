"""A CV estimator's time budget: the one pass stops when it is spent.

The pass pauses after every epoch (in lockstep across its axes, as it does at
halving's rungs); once the fit has run ``time_budget`` seconds, every network
still training stops there, keeping its best epoch so far (or, trained
through its schedule, its weights there), as a network pruned by halving
does. The linear configurations' solves, ensemble selection
and a refit come after the pass and are not cut short: the budget bounds the
networks' training, the part of a fit that grows with ``max_iter``.
"""

from time import perf_counter

from ..model_axis import Rungs


class TimeBudget:
    """Stop the pass at the first epoch that ends after ``deadline`` (a
    :func:`time.perf_counter` value), on top of ``halving`` (an
    :class:`~.halving.CandidateHalving`, or ``None``), whose rungs it keeps.

    Attributes
    ----------
    stopped_at : int
        The epoch at which the budget stopped the networks still training;
        0 when it did not.
    """

    def __init__(self, deadline, halving=None):
        self.deadline, self.halving = deadline, halving
        self.stopped_at = 0

    def rungs(self, max_iter, steps_per_epoch=1):
        """:class:`~skmlp.model_axis.Rungs` at every epoch before
        ``max_iter``: halving's where it has one, and the deadline's."""
        halving = self.halving and self.halving.rungs(max_iter, steps_per_epoch)
        halving_epochs = set(halving.epochs) if halving else set()

        def stop(epoch, states):
            if self.stopped_at:
                return []
            leaving = halving.stop(epoch, states) if epoch in halving_epochs else []
            if perf_counter() > self.deadline:
                self.stopped_at = epoch
                return list(range(len(states)))
            return leaving

        return Rungs(range(1, max_iter), stop)
