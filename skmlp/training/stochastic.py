"""The minibatch training loop for the stochastic solvers (SGD, Adam)."""

import numpy as np


def run_epoch(objective, optimizer, batches):
    """One pass over the minibatches; returns the weighted mean batch loss."""
    network = objective.network
    theta, grad = network.theta, network.grad
    batches.new_epoch()
    accumulated, total = 0.0, 0.0
    for X, Y, sample_weight in batches:
        weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        if weight == 0:
            continue
        accumulated += objective(X, Y, sample_weight) * weight
        total += weight
        optimizer.step(theta, grad)
    return accumulated / total if total else 0.0


def fit_stochastic(objective, optimizer, schedule, batches, state, *, max_iter,
                   tol, n_iter_no_change, validation_score=None, incremental=False,
                   verbose=False):
    """Train for up to ``max_iter`` epochs with scikit-learn's stopping rule.

    ``validation_score`` is a callable returning the score of the current
    parameters on held-out data (higher is better); when given, training
    stops on it and the best parameters are restored at the end.

    Returns ``"converged"``, ``"max_iter"``, ``"incremental"`` (one epoch of
    ``partial_fit``) or ``"interrupted"`` (KeyboardInterrupt).
    """
    theta = objective.network.theta
    state.n_iter = 0
    status = "max_iter"
    try:
        for _ in range(max_iter):
            loss = run_epoch(objective, optimizer, batches)
            state.record_loss(loss, batches.n_samples, tol)
            if verbose:
                print(f"Iteration {state.n_iter}, loss = {loss:.8f}")
            if validation_score is not None:
                state.record_validation(validation_score(), tol, theta)
                if verbose:
                    print(f"Validation score: {state.validation_scores[-1]:f}")
            optimizer.learning_rate = schedule.after_epoch(optimizer.learning_rate, state.t)
            if state.no_improvement_count > n_iter_no_change:
                if _plateau(optimizer, schedule, validation_score is not None,
                            tol, n_iter_no_change, verbose):
                    status = "converged"
                    break
                state.no_improvement_count = 0
            if incremental:
                status = "incremental"
                break
    except KeyboardInterrupt:
        status = "interrupted"
    if validation_score is not None and state.best_theta is not None:
        np.copyto(theta, state.best_theta)
    return status


def _plateau(optimizer, schedule, on_validation, tol, n_iter_no_change, verbose):
    what = "Validation score" if on_validation else "Training loss"
    msg = (f"{what} did not improve more than tol={tol:f} for "
           f"{n_iter_no_change} consecutive epochs.")
    stop, optimizer.learning_rate = schedule.on_plateau(optimizer.learning_rate)
    if verbose:
        print(msg + (" Stopping." if stop else
                     f" Setting learning rate to {optimizer.learning_rate:f}"))
    return stop
