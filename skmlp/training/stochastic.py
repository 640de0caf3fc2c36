"""The minibatch training loop for the stochastic solvers (SGD, Adam)."""

from ..nn.optimizers import clip_global_norm


def run_epoch(objective, optimizer, batches, clip_norm=None, rng=None):
    """One pass over the minibatches; returns the weighted mean batch loss.

    Each step: loss and gradient, optional global-norm clipping, the
    optimizer's update, then the proximal L1 step. ``rng`` draws dropout
    masks.
    """
    network = objective.network
    theta, grad = network.theta, network.grad
    proximal = objective.alpha and objective.l1_ratio
    batches.new_epoch()
    accumulated, total = 0.0, 0.0
    for X, Y, sample_weight in batches:
        weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        if weight == 0:
            continue
        accumulated += objective(X, Y, sample_weight, rng) * weight
        total += weight
        if clip_norm is not None:
            clip_global_norm(grad, clip_norm)
        optimizer.step(theta, grad)
        if proximal:
            objective.proximal_step(optimizer.effective_step(network.n_coefs))
    return accumulated / total if total else 0.0


def fit_stochastic(
    objective,
    optimizer,
    schedule,
    batches,
    state,
    *,
    max_iter,
    tol,
    n_iter_no_change,
    validation=None,
    restore_best=True,
    incremental=False,
    verbose=False,
    clip_norm=None,
    rng=None,
):
    """Train for up to ``max_iter`` epochs with scikit-learn's stopping rule.

    ``validation`` is a callable returning ``(loss, score)`` of the current
    parameters on held-out data (higher scores are better); both are
    recorded every epoch. When ``state.monitor_validation`` is set, training
    stops on the score and, with ``restore_best``, the best parameters are
    restored at the end.

    Returns ``"converged"``, ``"max_iter"``, ``"incremental"`` (one epoch of
    ``partial_fit``) or ``"interrupted"`` (KeyboardInterrupt).
    """
    network = objective.network
    state.n_iter = 0
    status = "max_iter"
    try:
        for _ in range(max_iter):
            loss = run_epoch(objective, optimizer, batches, clip_norm, rng)
            state.record_loss(loss, batches.n_samples, tol)
            if verbose:
                print(f"Iteration {state.n_iter}, loss = {loss:.8f}")
            if validation is not None:
                state.record_validation(*validation(), tol, network)
                if verbose:
                    print(f"Validation score: {state.validation_scores[-1]:f}")
            optimizer.learning_rate = schedule.after_epoch(optimizer.learning_rate, state.t)
            if state.no_improvement_count > n_iter_no_change:
                if _plateau(
                    optimizer,
                    schedule,
                    state.monitor_validation,
                    tol,
                    n_iter_no_change,
                    verbose,
                ):
                    status = "converged"
                    break
                state.no_improvement_count = 0
            if incremental:
                status = "incremental"
                break
    except KeyboardInterrupt:
        status = "interrupted"
    if state.monitor_validation and restore_best and state.best_theta is not None:
        network.restore(state.best_theta)
    return status


def _plateau(optimizer, schedule, on_validation, tol, n_iter_no_change, verbose):
    what = "Validation score" if on_validation else "Training loss"
    msg = (
        f"{what} did not improve more than tol={tol:f} for "
        f"{n_iter_no_change} consecutive epochs."
    )
    stop, optimizer.learning_rate = schedule.on_plateau(optimizer.learning_rate)
    if verbose:
        print(
            msg
            + (
                " Stopping."
                if stop
                else f" Setting learning rate to {optimizer.learning_rate:f}"
            )
        )
    return stop
