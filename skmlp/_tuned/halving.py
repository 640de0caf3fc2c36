"""Successive halving of a CV estimator's candidates, inside one pass.

A candidate is a configuration of the portfolio at one of its alphas (the
alphas alone without a portfolio). Every network of the search starts
together; at each rung (an epoch, then twice it, four times, ...: see
:func:`rung_epochs`) the candidates whose mean inner held-out score (best
so far, or at the rung for networks that train through their schedule)
is not among the best leave the search -- their networks stop there,
keeping their best weights (their weights there when they train through
their schedule) -- and the others go on; the best candidate of
each configuration always goes on, so that a configuration whose networks
start slowly (embeddings, a lower learning rate) is compared at its end,
not at its start. scikit-learn's
``HalvingGridSearchCV`` halves over samples, in separate rounds; this halves
over epochs, within one training program, so that a pruned candidate costs
only the epochs it ran.
"""

import math

import numpy as np

from ..model_axis import Rungs

#: The first rung comes once every network has taken this many optimizer
#: steps (at least :data:`MIN_FIRST_RUNG` epochs); the next ones double it.
FIRST_RUNG_STEPS = 16
MIN_FIRST_RUNG = 2
#: Each rung keeps the best ``1 / KEEP_EVERY`` of the candidates left (rounded up).
KEEP_EVERY = 3


def rung_epochs(max_iter, steps_per_epoch=1):
    """The rungs below ``max_iter``: the first epoch by which a network
    taking ``steps_per_epoch`` steps an epoch has taken
    :data:`FIRST_RUNG_STEPS` (and at least :data:`MIN_FIRST_RUNG`), then
    twice that, four times, ...

    On a table of a few dozen rows an epoch is one step, and a candidate's
    score after two steps says nothing; on thousands of rows two epochs are
    dozens of steps."""
    epoch = max(MIN_FIRST_RUNG, math.ceil(FIRST_RUNG_STEPS / steps_per_epoch))
    epochs = []
    while epoch < max_iter:
        epochs.append(epoch)
        epoch *= 2
    return epochs


class CandidateHalving:
    """The halving of ``n_candidates`` candidates, each trained by as many
    plans of the one pass, candidate by candidate (the plans of candidate 0,
    then of candidate 1, ...); ``configurations``: each candidate's
    configuration (``None``: all of one). At each rung the best candidate
    of each configuration stays, whatever its rank among all.
    It reads only the training states the scheduler hands it at each rung.

    Attributes
    ----------
    pruned_at : ndarray of shape (n_candidates,)
        The rung epoch at which each candidate left the search; 0 for those
        that did not.
    """

    def __init__(self, n_candidates, report=None, configurations=None, keeps_last=None):
        self.n_candidates, self.report = n_candidates, report
        if configurations is None:
            configurations = np.zeros(n_candidates, dtype=int)
        self.configurations = np.asarray(configurations)
        if keeps_last is None:
            keeps_last = np.zeros(n_candidates, dtype=bool)
        self.keeps_last = np.asarray(keeps_last, dtype=bool)
        self.alive = list(range(n_candidates))
        self.pruned_at = np.zeros(n_candidates, dtype=int)

    def rungs(self, max_iter, steps_per_epoch=1):
        """The :class:`~skmlp.model_axis.Rungs` of this halving (see
        :func:`rung_epochs`)."""
        return Rungs(rung_epochs(max_iter, steps_per_epoch), self.stop)

    def scores(self, states):
        """Each candidate's mean held-out score of the weights its networks
        would keep (:func:`kept_score`), from the plans'
        :class:`~skmlp.training.state.TrainingState` ``states`` (NaN before
        its networks have a finite one)."""
        per_candidate = len(states) // self.n_candidates
        last = np.repeat(self.keeps_last, per_candidate)
        kept = np.array([kept_score(s, k) for s, k in zip(states, last)], float)
        kept[~np.isfinite(kept)] = np.nan
        return kept.reshape(self.n_candidates, -1).mean(axis=1)

    def stop(self, epoch, states):
        """At rung ``epoch``, with the plans' training ``states``: the
        positions of the plans of the candidates that leave now: all but the
        best ``1 / KEEP_EVERY`` of those left, where a candidate that ties the
        last one kept stays too (so equal candidates share their fate), and
        the best of each configuration's."""
        if len(self.alive) < 2:
            return []
        per_candidate = len(states) // self.n_candidates
        scores = np.nan_to_num(self.scores(states), nan=-np.inf)
        ranked = sorted(self.alive, key=lambda a: -scores[a])
        cutoff = scores[ranked[math.ceil(len(self.alive) / KEEP_EVERY) - 1]]
        firsts = {}  # each configuration's best candidate left
        for a in ranked:
            firsts.setdefault(self.configurations[a], a)
        kept = set(firsts.values())
        leaving = [a for a in self.alive if scores[a] < cutoff and a not in kept]
        self.alive = [a for a in self.alive if a not in leaving]
        self.pruned_at[leaving] = epoch
        if self.report is not None:
            self.report(epoch, self.alive, scores)
        return [c * per_candidate + i for c in leaving for i in range(per_candidate)]


def kept_score(state, last):
    """The held-out score of the weights a network keeps, from its
    :class:`~skmlp.training.state.TrainingState`: its last epoch's
    (``last``: trained through its schedule, ``n_iter_no_change=None``) or
    its best so far (restore-best); -inf before it has one."""
    if not state.validation_scores:
        return -np.inf
    return state.validation_scores[-1] if last else state.best_validation_score
