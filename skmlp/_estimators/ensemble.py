"""``ensemble_size``: several networks of one estimator, trained and averaged.

Member ``j`` of an ensemble is the estimator itself with ``ensemble_size=1``
and ``random_state=seeds[j]`` (:func:`member_seeds`): its own initial
weights, shuffles and early-stopping split, and its own stopping epoch. Each
member's fit is one plan; the scheduler trains the plans together on model
axes where they can share one (:func:`skmlp.model_axis.train`), and every
member ends as it would have ended fitted alone. The fitted members are kept
as ``estimators_``; predictions average the members' probabilities (outputs
for a regressor). A fitted ensemble holds its members' networks stacked into
one (``_network``, :func:`stack_members`), each member's network a view of its
row, so that all predict in one pass; a member refitted, removed or replaced
since is read from the members (:func:`predicting_networks`).
"""

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from ..nn.network import Network
from .attributes import PER_MEMBER, SHARED, SINGLE


def member_seeds(random_state, k):
    """The ``random_state`` of each of ``k`` members, drawn from ``random_state``."""
    rng = check_random_state(random_state)
    return rng.randint(np.iinfo(np.int32).max, size=k)


def ensemble_shape(ensemble_size, ensemble_kind):
    """``(networks, heads)``: how ``ensemble_size`` members of
    ``ensemble_kind`` are built -- independent members are that many
    networks of one head (stacked on the model axis), shared-weight members
    the heads of one network. The one place that reads ``ensemble_kind``."""
    if ensemble_kind == "shared":
        return 1, ensemble_size
    return ensemble_size, 1


def ensemble_members(ensemble, incremental):
    """The members to fit: ``[ensemble]`` itself when it is one model; new
    clones with their seeds on a fresh start; when training continues
    (``warm_start`` or ``partial_fit``), the fitted members, each given the
    ensemble's current parameters, so that each continues exactly as it
    would if continued alone with them (and refuses what a single model
    refuses). A ``warm_start`` fit may add members (the new ones start
    afresh with their own seeds), as scikit-learn's forests add trees."""
    k, _ = ensemble_shape(ensemble.ensemble_size, ensemble.ensemble_kind)
    if k == 1:
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
        _share_callbacks(ensemble, member)
    return members


def _share_callbacks(ensemble, member):
    """The ensemble's callbacks (scikit-learn >= 1.9's ``set_callbacks``) on
    ``member``: a fitted member continues with the ensemble's current ones."""
    callbacks = ensemble.__dict__.get("_skl_callbacks")
    if callbacks is None:
        member.__dict__.pop("_skl_callbacks", None)
    else:
        member._skl_callbacks = callbacks


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
    separate = ensemble_shape(estimator.ensemble_size, estimator.ensemble_kind)[0] > 1
    if ("estimators_" in fitted) == separate or "_network" not in fitted:
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
    stack_members(ensemble)


def stack_members(ensemble):
    """The members' networks stacked into the ensemble's one network
    (``_network``), which predicts for all of them in one pass; each member's
    network becomes a view of its row, so that a member's weights are the
    stack's (setting ``estimators_[j].coefs_`` changes the ensemble). Members
    of different architectures or dtypes (one refitted on its own, in a model
    saved before ensembles were stacked) stay as they are, without a stack."""
    networks = [m._network for m in ensemble.estimators_]
    if len({n.spec for n in networks}) > 1:
        ensemble.__dict__.pop("_network", None)
        return
    ensemble._network = Network.stack(networks)
    bind_members(ensemble)


def bind_members(ensemble):
    """Each member's network as a view of its row of the ensemble's stack
    (nothing for a model without members)."""
    for j, member in enumerate(ensemble.__dict__.get("estimators_", ())):
        member._network = ensemble._network.member(j, copy=False)


def predicting_networks(model):
    """The networks that predict for ``model``: its own (a single network, or
    an ensemble's stack, all members in one pass) while the members are
    exactly the stack's rows, in order; else, when members were refitted,
    removed or replaced since, each member's own network, so that
    predictions always come from ``estimators_``."""
    network, members = model.__dict__.get("_network"), model.__dict__.get("estimators_")
    if members is None or in_stack(members, network):
        return [network]
    return [member._network for member in members]


def in_stack(members, stack):
    """Whether the networks of ``members`` are the rows of ``stack``, in order."""
    if stack is None or len(members) != stack.n_members:
        return False
    return all(
        getattr(m._network, "_view_of", None) == (stack, j) for j, m in enumerate(members)
    )


def stacked(arrays_of_members):
    """Each layer's arrays of the members, stacked and read-only: ``coefs_`` and
    ``intercepts_`` of an ensemble."""
    layers = []
    for arrays in zip(*arrays_of_members):
        layer = np.stack(arrays)
        layer.flags.writeable = False
        layers.append(layer)
    return layers
