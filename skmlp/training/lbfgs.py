"""Full-batch training with scipy's L-BFGS-B on the flat parameter vector."""

import time

import numpy as np
from scipy.optimize import minimize


def fit_lbfgs(
    objective,
    X,
    Y,
    sample_weight,
    *,
    max_iter,
    max_fun,
    tol,
    state=None,
    verbose=False,
    on_iteration_begin=None,
    on_iteration_end=None,
):
    """Minimise the objective over ``network.theta`` in place.

    scipy works in float64; the network keeps its own dtype (float32 weights
    stay float32) and only the vector crossing the boundary is converted.
    Returns scipy's ``OptimizeResult`` and the loss after each iteration;
    with a :class:`TrainingState`, each iteration is also logged in its
    history (loss, gradient norm, seconds).

    ``on_iteration_begin()`` and ``on_iteration_end()``, given together,
    bracket each iteration (see :class:`IterationHooks`); an
    ``on_iteration_end()`` returning true stops the optimisation, and the
    result's ``stopped`` is then true.
    """
    network = objective.network
    theta = network.theta
    curve = []
    clock = [time.perf_counter()]
    hooks = None
    if on_iteration_end is not None:
        hooks = IterationHooks(theta, on_iteration_begin, on_iteration_end)

    initial = network.checkpoint()

    def value_and_grad(x):
        if hooks is not None:
            hooks.before_evaluation()
        np.copyto(theta, x, casting="same_kind")
        value = objective(X, Y, sample_weight)
        grad = network.grad.astype(np.float64)
        if not (np.isfinite(value) and np.isfinite(grad).all()):
            return np.inf, np.zeros_like(grad)  # the line search backs off
        return value, grad

    def record(intermediate_result):
        curve.append(float(intermediate_result.fun))
        now = time.perf_counter()
        if state is not None:
            state.log(
                epoch=len(state.loss_curve) + len(curve),
                train_loss=curve[-1],
                learning_rate=np.nan,
                grad_norm=float(np.linalg.norm(network.grad)),
                time=now - clock[0],
            )
        clock[0] = now
        if verbose:
            print(f"iteration {len(curve):4d}  train_loss {curve[-1]:.6f}")
        if hooks is not None:
            hooks.after_iteration(intermediate_result.x)

    result = minimize(
        value_and_grad,
        theta.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=record,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
    )
    np.copyto(theta, result.x, casting="same_kind")
    result.stopped = hooks is not None and hooks.stopped
    result.diverged = not (np.isfinite(result.fun) and np.isfinite(theta).all())
    if result.diverged:
        network.restore(initial)
    return result, curve


class IterationHooks:
    """Calls ``on_begin()`` and ``on_end()`` around each L-BFGS iteration.

    An iteration begins at its first evaluation, while ``theta`` still holds
    the previous iterate (or the initial weights), and ends at scipy's
    callback, with ``theta`` set to the new iterate (the next evaluation
    overwrites it anyway). An ``on_end()`` returning true stops scipy
    (``StopIteration``, honoured by scipy >= 1.11).
    """

    def __init__(self, theta, on_begin, on_end):
        self.theta, self.on_begin, self.on_end = theta, on_begin, on_end
        self.running = self.stopped = False

    def before_evaluation(self):
        if not self.running:
            self.running = True
            if self.on_begin is not None:
                self.on_begin()

    def after_iteration(self, x):
        np.copyto(self.theta, x, casting="same_kind")
        self.running = False
        if self.on_end():
            self.stopped = True
            raise StopIteration
