"""Newton's method for a linear network: the penalised optimum in a few steps.

A network without hidden layer is a generalised linear model: with a loss
whose second derivatives in the logits are known
(:meth:`~skmlp.nn.losses._Loss.curvature_kind`) and an L2 penalty, its
objective is smooth and convex, and Newton's method reaches its optimum to
the precision of float64 in a handful of steps where L-BFGS takes hundreds
(the linear candidates of the CV estimators: 1600 x 58 binary, ~400 L-BFGS
iterations a solve). Each step costs one Hessian, ``n d^2`` per output for
``d = n_features + 1``, so it pays only while ``d`` is small
(:func:`newton_applies`).

The parameters of a stack of one linear network are ``theta = [W, b]``, which
reshaped is the ``(d, n_outputs)`` matrix ``[W; b]`` acting on the rows
``[X, 1]``. The objective is the trainer's (:class:`~skmlp.nn.objective.Objective`,
full batch): ``sum_i w_i l(x_i W + b, y_i) + lam / 2 ||W||^2``, the weights
``w_i`` summing to one and ``lam = alpha / T`` (``T`` the weight sum).
"""

import numpy as np
from scipy.optimize import OptimizeResult

from ..nn.embeddings import get_embedding
from ..nn.objective import batch_weights

#: A step is taken only while it promises to lower the objective by more than
#: float64 can resolve: the next iterate then is the optimum to rounding.
RESOLUTION = 4 * np.finfo(np.float64).eps
#: A decrease this small that no step achieves is rounding: the iterate is
#: the optimum to half of float64's digits, the precision L-BFGS stops at.
SETTLED = np.sqrt(np.finfo(np.float64).eps)
#: Armijo's sufficient decrease, and the most halvings of a step.
ARMIJO, MAX_HALVINGS = 1e-4, 40
#: Newton's method is used while a step's Hessian costs at most this many
#: L-BFGS iterations (a forward and a backward pass, ``4 n d`` flops an
#: output). A solve takes 5-15 Newton steps against 14-430 L-BFGS iterations
#: (a median ~55) on the suite's tables, whose columns correlate: on opt
#: (520 x 175 one-hot columns an inner fold, 383 L-BFGS iterations a solve)
#: Newton's solves take 0.55 s to L-BFGS's 1.6 s, where a ratio of 30 kept
#: L-BFGS. On independent Gaussian columns L-BFGS needs only 10-25 iterations
#: and is up to twice as fast near this bound (300 x 200).
COST_RATIO = 100
#: An L-BFGS iteration of a linear network on an encoding of its inputs
#: costs this many times its products: every evaluation encodes every row
#: again. Measured on cells (1,615 rows, 56 columns, 8 piecewise bins): ~29
#: ms an iteration, ~40 ns an encoded entry against ~1.6 ns for the
#: products; L-BFGS then ran out of its 1,000 iterations where Newton's
#: method converged in 9 steps (29 s against 0.44 s a solve).
ENCODING_COST = 25


def newton_applies(network, loss, X, l1_ratio):
    """Whether :func:`fit_newton` can train ``network`` (a stack of one) on
    ``X`` and is cheaper than L-BFGS there: a linear network on dense rows
    (or on an encoding of them that learns nothing, the piecewise-linear
    one: a generalised additive model), a loss with known curvature, no L1
    part, and Hessians small enough."""
    linear = len(network.layer_units) == 2 and network.heads == 1 and not _learns(network)
    kind = getattr(loss, "curvature_kind", lambda: None)()
    if not linear or kind is None or np.any(l1_ratio) or not isinstance(X, np.ndarray):
        return False
    n, d = X.shape[0] + 1, network._shapes()[0][0] + 1
    outputs = network.layer_units[-1]
    if kind == "softmax":
        hessian = n * (d * outputs) ** 2 + (d * outputs) ** 3 / 3
    else:
        hessian = outputs * (n * d * d + d**3 / 3)
    iteration = 4 * n * d * outputs * (1 if network.embedding is None else ENCODING_COST)
    return hessian <= COST_RATIO * iteration


def fit_newton(objective, X, Y, sample_weight=None, *, max_iter, observer=None):
    """Minimise the objective over ``network.theta`` in place by damped
    Newton steps with a backtracking line search; returns a scipy
    ``OptimizeResult`` (``fun``, ``nit``, ``status``: 0 converged, 1
    ``max_iter`` reached, 2 no step lowered the objective; ``diverged``).

    ``observer`` is told of each iteration as :func:`~skmlp.training.lbfgs.fit_lbfgs`
    tells it, and may stop the run.
    """
    problem = _Problem(objective, X, Y, sample_weight)
    initial = objective.network.checkpoint()
    value, status, nit = problem.evaluate(), 1, 0
    while nit < max_iter:
        step = problem.direction()
        decrease = -float(np.vdot(problem.gradient, step))
        if not decrease > RESOLUTION * max(1.0, abs(value)):
            status = 0 if np.isfinite(decrease) else 2
            break
        if observer is not None:  # an iteration begins: a step is taken
            observer.before_evaluation()
        accepted = problem.line_search(value, step, decrease)
        if accepted is None:  # rounding, unless the optimum is still far
            status = 0 if decrease <= SETTLED * max(1.0, abs(value)) else 2
            break
        value, nit = accepted, nit + 1
        if observer is not None and observer.after_iteration(
            value, float(np.linalg.norm(problem.gradient))
        ):
            status = 0
            break
    diverged = not (np.isfinite(value) and np.isfinite(problem.theta).all())
    if diverged:
        objective.network.restore(initial)
    messages = {0: "converged", 1: "max_iter reached", 2: "no step lowered the objective"}
    return OptimizeResult(
        fun=value, nit=nit, status=status, message=messages[status], diverged=diverged
    )


def _learns(network):
    """Whether ``network`` has an input embedding with parameters of its own:
    its objective is then not a linear model's in any fixed rows."""
    return network.embedding is not None and get_embedding(network.embedding[0]).trained


class _Problem:
    """The objective at the current iterate: its value, gradient and Newton
    direction, in float64 whatever the network's dtype."""

    def __init__(self, objective, X, Y, sample_weight):
        self.objective, self.data = objective, (X, Y, sample_weight)
        network = objective.network
        self.theta = network.theta
        # the objective's own full-batch weighting: weights summing to one,
        # the penalty divided by the weight sum
        weight, total = batch_weights(sample_weight, X.shape[0])
        self.weights = np.broadcast_to(np.ravel(weight), X.shape[:1]).astype(np.float64)
        self.lam = float(objective.alpha) / total
        # the rows the linear layer sees: the inputs, or their encoding
        encoded = network._embedded(X)
        self.shape = (encoded.shape[1] + 1, network.layer_units[-1])
        self.rows = np.hstack([encoded, np.ones((X.shape[0], 1), X.dtype)]).astype(
            np.float64
        )
        self.gradient = None

    def evaluate(self):
        """The objective at ``theta``; keeps its gradient."""
        value = float(self.objective(*self.data))
        self.gradient = self.objective.network.grad.astype(np.float64).reshape(self.shape)
        return value

    def direction(self):
        """``-H^{-1} g`` at ``theta``, ``(d, n_outputs)``."""
        _, Y, _ = self.data
        loss = self.objective.loss
        raw = self.rows @ self.theta.reshape(self.shape)  # the logits
        curvature = loss.curvature(raw, np.asarray(Y, dtype=np.float64))
        if loss.curvature_kind() == "softmax":
            return self._softmax_direction(curvature)
        return self._diagonal_direction(curvature)

    def _diagonal_direction(self, curvature):
        """Each output on its own: ``H_o = R^T diag(w h_o) R + lam I_W``."""
        R = self.rows
        scaled = (curvature * self.weights[:, None]).T[:, :, None] * R  # (o, n, d)
        H = np.matmul(R.T, scaled)  # (o, d, d)
        self._penalise(H)
        step = np.linalg.solve(_damped(H), self.gradient.T[:, :, None])[..., 0]
        return -step.T

    def _softmax_direction(self, P):
        """All outputs at once: rows' Hessians ``diag(p) - p p^T``, as one
        product ``sum_i r_i r_i^T (x) C_i``."""
        R, (d, o) = self.rows, self.shape
        n = R.shape[0]
        C = -P[:, :, None] * P[:, None, :]
        C[:, np.arange(o), np.arange(o)] += P
        C *= self.weights[:, None, None]
        products = (C.reshape(n, o * o, 1) * R[:, None, :]).reshape(n, -1)  # (n, o o d)
        H = (products.T @ R).reshape(o, o, d, d).transpose(0, 2, 1, 3).reshape(o * d, o * d)
        blocks = H.reshape(o, d, o, d)
        for a in range(o):
            self._penalise(blocks[a, :, a, :][None])
        step = np.linalg.solve(_damped(H[None]), self.gradient.T.reshape(1, -1, 1))
        return -step.reshape(o, d).T

    def _penalise(self, H):
        """``lam`` on the diagonal of the weights' rows, not the bias's."""
        d = H.shape[-1]
        H[:, np.arange(d - 1), np.arange(d - 1)] += self.lam

    def line_search(self, value, step, decrease):
        """Move ``theta`` along ``step`` by the largest of 1, 1/2, 1/4, ...
        that lowers the objective enough; the new value, or ``None`` (and
        ``theta`` back where it was). Each trial is evaluated with its
        gradient: the first is nearly always taken."""
        start = self.theta.copy()
        flat = step.ravel()
        t = 1.0
        for _ in range(MAX_HALVINGS):
            np.copyto(self.theta, start + t * flat, casting="same_kind")
            trial = self.evaluate()
            if trial <= value - ARMIJO * t * decrease:
                return trial
            t /= 2
        np.copyto(self.theta, start)
        self.evaluate()
        return None


def _damped(H):
    """``H`` plus a relative ``1e-12`` of its largest diagonal entry on the
    diagonal: a softmax's Hessian is singular along equal shifts of every
    output, and an unpenalised one along a direction the rows do not span."""
    d = H.shape[-1]
    scale = np.abs(H[:, np.arange(d), np.arange(d)]).max(axis=-1)
    H[:, np.arange(d), np.arange(d)] += 1e-12 * np.maximum(scale, 1e-300)[:, None]
    return H
