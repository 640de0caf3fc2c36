"""``ensemble_size``: several networks of one estimator, trained and averaged.

Member ``j`` of an ensemble is the estimator itself with ``ensemble_size=1``
and ``random_state=seeds[j]`` (:func:`member_seeds`): its own initial
weights, shuffles and early-stopping split, and its own stopping epoch. Each
member's fit is one plan; the scheduler trains the plans together on model
axes where they can share one (:func:`skmlp.model_axis.train`), and every
member ends as it would have ended fitted alone. The fitted members are kept
as ``estimators_``; predictions average the members' probabilities (outputs
for a regressor).
"""

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from .attributes import PER_MEMBER, SHARED, SINGLE


def member_seeds(random_state, k):
    """The ``random_state`` of each of ``k`` members, drawn from ``random_state``."""
    rng = check_random_state(random_state)
    return rng.randint(np.iinfo(np.int32).max, size=k)


def ensemble_members(ensemble, incremental):
    """The members to fit: ``[ensemble]`` itself when it is one model; new
    clones with their seeds on a fresh start; when training continues
    (``warm_start`` or ``partial_fit``), the fitted members, each given the
    ensemble's current parameters, so that each continues exactly as it
    would if continued alone with them (and refuses what a single model
    refuses). A ``warm_start`` fit may add members (the new ones start
    afresh with their own seeds), as scikit-learn's forests add trees."""
    k = ensemble.ensemble_size
    if k == 1 or ensemble.ensemble_kind == "shared":
        return [ensemble]
    fitted = ensemble.__dict__.get("estimators_")
    if fitted is None or not (ensemble.warm_start or incremental):
        fitted = []
    _check_size_change(ensemble, len(fitted), incremental)
    seeds = member_seeds(ensemble.random_state, k)
    params = ensemble.get_params(deep=False)
    members = list(fitted) + [clone(ensemble) for _ in range(len(fitted), k)]
    for member, seed in zip(members, seeds):
        member.set_params(**{**params, "ensemble_size": 1, "random_state": int(seed)})
    return members


def _check_size_change(ensemble, n_fitted, incremental):
    """Continued training keeps the fitted members: ``partial_fit`` cannot
    change their number, a ``warm_start`` fit can only add to it."""
    k = ensemble.ensemble_size
    if n_fitted == 0 or n_fitted == k or (n_fitted < k and not incremental):
        return
    how = "partial_fit continues" if incremental else "with warm_start=True, fit continues"
    raise ValueError(
        f"ensemble_size={k}, but this {type(ensemble).__name__} has {n_fitted} fitted "
        f"members, which {how}"
        + ("" if incremental else " and can only add to")
        + "; call fit with warm_start=False to start anew."
    )


def check_member_count(estimator, incremental):
    """Refuse to continue training a single network as an ensemble, or an
    ensemble as a single network (``warm_start`` or ``partial_fit``), naming
    the parameters that changed."""
    if not (estimator.warm_start or incremental):
        return
    fitted = estimator.__dict__
    separate = estimator.ensemble_size > 1 and estimator.ensemble_kind == "independent"
    if not (
        ("estimators_" in fitted and not separate) or ("_network" in fitted and separate)
    ):
        return
    was, changed = _fitted_form(estimator)
    how = "partial_fit continues" if incremental else "with warm_start=True, fit continues"
    raise ValueError(
        f"This {type(estimator).__name__} was fitted as {was} and {how} it, but "
        f"{' and '.join(changed)}; set {'them' if len(changed) > 1 else 'it'} back to "
        "continue training, or call fit with warm_start=False to start anew."
    )


def _fitted_form(estimator):
    """What the fitted model is (``"one network"``, ...) and which of
    ``ensemble_size`` and ``ensemble_kind`` now differ from it."""
    fitted = estimator.__dict__
    if "estimators_" in fitted:
        size, kind = len(fitted["estimators_"]), "independent"
        was = f"an ensemble of {size} independent members"
    else:  # one network: a shared-weight ensemble's heads, or a single model's one
        size = fitted["_network"].heads
        kind = "shared" if size > 1 else None
        was = "one network" if size == 1 else f"a shared-weight ensemble of {size} members"
    changed = []
    if estimator.ensemble_size != size:
        changed.append(f"ensemble_size is now {estimator.ensemble_size} (was {size})")
    if kind is not None and estimator.ensemble_kind != kind:
        changed.append(f"ensemble_kind is now {estimator.ensemble_kind!r} (was {kind!r})")
    return was, changed


def publish(ensemble, members):
    """The ensemble's fitted attributes from its fitted members."""
    for name in SHARED:
        if name in members[0].__dict__:
            setattr(ensemble, name, members[0].__dict__[name])
        else:
            ensemble.__dict__.pop(name, None)
    for name in PER_MEMBER:
        setattr(ensemble, name, [getattr(m, name) for m in members])
    ensemble.n_iter_ = max(m.n_iter_ for m in members)
    ensemble.t_ = max(m.t_ for m in members)
    ensemble.estimators_ = list(members)
    for name in SINGLE:  # a single model's, if any
        ensemble.__dict__.pop(name, None)


def stacked(arrays_of_members):
    """Each layer's arrays of the members, stacked and read-only: ``coefs_`` and
    ``intercepts_`` of an ensemble."""
    layers = []
    for arrays in zip(*arrays_of_members):
        layer = np.stack(arrays)
        layer.flags.writeable = False
        layers.append(layer)
    return layers
