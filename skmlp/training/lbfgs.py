"""Full-batch training with scipy's L-BFGS-B on the flat parameter vector."""

import numpy as np
from scipy.optimize import minimize


def fit_lbfgs(objective, X, Y, sample_weight=None, *, options, observer=None):
    """Minimise the objective over ``network.theta`` in place; returns scipy's
    ``OptimizeResult`` (with ``diverged``: the result was not finite, and the
    initial weights were restored).

    ``options`` are scipy's (``maxiter``, ``maxfun``, ``gtol``). scipy works
    in float64; the network keeps its own dtype (float32 weights stay
    float32) and only the vector crossing the boundary is converted. An
    ``observer`` (see :class:`skmlp.training.trainer.LbfgsObserver`) is told
    ``before_evaluation()`` and, after each iteration,
    ``after_iteration(loss, grad_norm)`` with the gradient norm at the new
    iterate; when that returns true scipy stops (``StopIteration``, honoured
    by scipy >= 1.11). ``theta`` is left at the last iterate, not at a
    line-search trial point.
    """
    network = objective.network
    theta = network.theta
    initial = network.checkpoint()
    problem = _Problem(objective, X, Y, sample_weight, observer)

    def callback(intermediate_result):
        x = intermediate_result.x
        np.copyto(theta, x, casting="same_kind")
        if observer is not None:
            stop = observer.after_iteration(
                float(intermediate_result.fun), problem.norm_at(x)
            )
            if stop:
                raise StopIteration

    x0 = theta.astype(np.float64)
    result = minimize(
        problem.value_and_grad,
        x0,
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options=options,
    )
    np.copyto(theta, result.x, casting="same_kind")
    result.diverged = not (np.isfinite(result.fun) and np.isfinite(theta).all())
    if result.diverged:
        network.restore(initial)
    return result


class _Problem:
    """The objective as scipy sees it: ``x -> (value, gradient)`` in float64,
    remembering the last evaluation so that an iterate's gradient norm is
    known without evaluating again (the line search's last trial is
    usually the accepted iterate)."""

    def __init__(self, objective, X, Y, sample_weight, observer):
        self.objective, self.data, self.observer = (
            objective,
            (X, Y, sample_weight),
            observer,
        )
        self.last_x, self.last_norm = None, np.nan

    def value_and_grad(self, x):
        if self.observer is not None:
            self.observer.before_evaluation()
        network = self.objective.network
        np.copyto(network.theta, x, casting="same_kind")
        value = self.objective(*self.data)
        grad = network.grad.astype(np.float64)
        self.last_x, self.last_norm = x.copy(), float(np.linalg.norm(grad))
        if not (np.isfinite(value) and np.isfinite(grad).all()):
            return np.inf, np.zeros_like(grad)  # the line search backs off
        return value, grad

    def norm_at(self, x):
        """The gradient norm at ``x`` (the network's ``theta`` holds ``x``)."""
        if self.last_x is None or not np.array_equal(x, self.last_x):
            self.objective(*self.data)
            self.last_x = x.copy()
            self.last_norm = float(np.linalg.norm(self.objective.network.grad))
        return self.last_norm
