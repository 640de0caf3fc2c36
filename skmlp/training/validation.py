"""Each member's loss and score on its own validation rows, every epoch."""

from dataclasses import dataclass

import numpy as np

from ..nn.fast import as_stack, single
from ..nn.layers import per_head


@dataclass(frozen=True)
class ValidationSet:
    """One member's validation rows and how to score them.

    ``score(raw, member)`` returns the member's score (higher is better) from
    ``raw``, its logits on ``X`` (which it may link in place), and
    ``member()``, a callable giving the member's network as a network of its
    own (for scorers that predict through an estimator); ``score`` ``None``
    scores the negated validation loss.
    """

    X: np.ndarray
    Y: np.ndarray
    sample_weight: np.ndarray
    score: object


class Validation:
    """The validation sets of the members of a stack: ``(losses, scores)`` of
    the current networks, one of each per member (floats for a stack of one).

    The loss is the training loss function (with its class weights, label
    smoothing, focal or robust form) on the member's rows, without the
    penalty. The members' sets are stacked, ``(k, m, d)``, a shorter one
    padded with rows of weight 0; one forward pass of the stacked network
    gives every member's logits, for its loss and its score.
    """

    def __init__(self, sets, objective):
        self.sets, self.objective = list(sets), objective
        self.sizes = [s.Y.shape[0] for s in self.sets]
        if single(self.sets) is not None:  # its own arrays, which may be sparse
            first = self.sets[0]
            self.X, self.Y, self.weights = first.X, first.Y, first.sample_weight
        else:
            self.X, self.Y, self.weights = _stacked(self.sets, self.sizes)

    def subset(self, objective, members):
        """The validation of the members at positions ``members``, with
        ``objective`` (theirs, on their own stack)."""
        return Validation([self.sets[j] for j in members], objective)

    def __call__(self):
        network = self.objective.network
        raw = network.predict_raw(self.X)
        loss = self.objective.value(self.X, self.Y, self.weights, penalty=False, raw=raw)
        raw, losses = as_stack(raw), np.atleast_1d(loss)
        # a shared-weight ensemble's rows are (heads, rows): each head's real rows
        raw = per_head(raw, network.heads)
        scores = [
            -losses[j]
            if s.score is None
            else s.score(
                raw[j, :, :n].reshape(-1, raw.shape[-1]),
                lambda j=j: network.member(j, copy=False),
            )
            for j, (s, n) in enumerate(zip(self.sets, self.sizes))
        ]
        return loss, np.array(scores, dtype=float)


def _stacked(sets, sizes):
    """The members' sets as ``(k, m, ...)`` arrays padded with rows of weight 0,
    and the weights (``None`` when every row of every member weighs 1)."""
    k, m = len(sets), max(sizes)
    X0, Y0 = sets[0].X, sets[0].Y
    X = np.zeros((k, m, X0.shape[1]), X0.dtype)
    Y = np.zeros((k, m, Y0.shape[1]), Y0.dtype)
    weights = np.zeros((k, m), X0.dtype)
    for j, s in enumerate(sets):
        n = sizes[j]
        X[j, :n], Y[j, :n] = s.X, s.Y
        weights[j, :n] = 1.0 if s.sample_weight is None else s.sample_weight
    padded = len(set(sizes)) > 1
    weighted = any(s.sample_weight is not None for s in sets)
    return X, Y, weights if padded or weighted else None
