"""Full-batch training with scipy's L-BFGS-B on the flat parameter vector."""

import time

import numpy as np
from scipy.optimize import minimize


def fit_lbfgs(
    objective, X, Y, sample_weight, *, max_iter, max_fun, tol, state=None, verbose=False
):
    """Minimise the objective over ``network.theta`` in place.

    scipy works in float64; the network keeps its own dtype (float32 weights
    stay float32) and only the vector crossing the boundary is converted.
    Returns scipy's ``OptimizeResult`` and the loss after each iteration;
    with a :class:`TrainingState`, each iteration is also logged in its
    history (loss, gradient norm, seconds).
    """
    network = objective.network
    theta = network.theta
    curve = []
    clock = [time.perf_counter()]

    initial = network.checkpoint()

    def value_and_grad(x):
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

    result = minimize(
        value_and_grad,
        theta.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=record,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
    )
    np.copyto(theta, result.x, casting="same_kind")
    result.diverged = not (np.isfinite(result.fun) and np.isfinite(theta).all())
    if result.diverged:
        network.restore(initial)
    return result, curve
