"""The model axis of the core: k networks stacked in one flat vector.

A network is always a stack of k >= 1 members; these tests take k = 3.
Finite-difference gradient checks through the axis for every loss, with
different rows, sample weights and penalties per member; and the central
property: member j of the stacked network computes exactly what a network
of its own (a stack of one) computes on member j's data.
"""

import numpy as np
import pytest

from skmlp.nn.losses import LOSSES, get_loss
from skmlp.nn.network import Network
from skmlp.nn.objective import Objective
from skmlp.training.batches import MemberRows, Minibatches

K, M, D = 3, 9, 4
LOSS_PARAMS = {"huber": {"delta": 0.5}}
ARCHITECTURES = {
    "plain": dict(),
    "batch_norm": dict(batch_norm=True),
    "residual": dict(residual=True),
    "periodic": dict(embedding=("periodic", 3)),
    "piecewise": dict(embedding=("piecewise", 4)),
    "heads": dict(heads=2),
    "heads+periodic": dict(heads=3, embedding=("periodic", 2)),
}


def _targets(name, rng, shape):
    k, m, o = shape
    if name == "softmax_cross_entropy":
        return np.eye(o)[rng.randint(o, size=(k, m))]
    if name in ("sigmoid_cross_entropy", "hinge"):
        return rng.randint(2, size=shape).astype(float)
    if name == "poisson":
        return rng.poisson(1.5, size=shape).astype(float)
    return rng.normal(size=shape)


def _problem(loss_name, seed=0, architecture="plain", activation="tanh"):
    """A stacked network, its members' own rows, targets and weights."""
    rng = np.random.RandomState(seed)
    n_out = 1 if loss_name == "hinge" else 3
    units = [D, 5, 5, n_out]
    network = Network(units, activation, n_members=K, **ARCHITECTURES[architecture])
    network.initialize([np.random.RandomState(seed + j) for j in range(K)])
    X = rng.normal(size=(K, M, D))
    if network.embedder is not None:  # each member's bins from its own rows
        for j in range(K):
            network.embedder.fit(X[j], j)
    Y = _targets(loss_name, rng, (K, M, n_out))
    sample_weight = rng.uniform(0.2, 3.0, size=(K, M))
    loss = get_loss(loss_name, **LOSS_PARAMS.get(loss_name, {}))
    return network, loss, X, Y, sample_weight


@pytest.mark.parametrize(
    "loss_name, architecture",
    [(name, "plain") for name in sorted(LOSSES)]
    + [("squared_error", "periodic"), ("softmax_cross_entropy", "piecewise")]
    + [("huber", "heads"), ("softmax_cross_entropy", "heads+periodic")],
)
def test_gradient_through_the_model_axis_matches_finite_differences(
    loss_name, architecture
):
    network, loss, X, Y, sw = _problem(loss_name, architecture=architecture)
    objective = Objective(network, loss, alpha=[0.0, 0.3, 1.0])
    objective(X, Y, sw)
    analytic = network.grad.copy()
    theta, eps = network.theta, 1e-6
    rng = np.random.RandomState(1)
    for i in rng.choice(theta.size, size=60, replace=False):
        saved = theta[i]
        theta[i] = saved + eps
        up = objective(X, Y, sw).sum()
        theta[i] = saved - eps
        down = objective(X, Y, sw).sum()
        theta[i] = saved
        numeric = (up - down) / (2 * eps)
        assert analytic[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8), i


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
@pytest.mark.parametrize("loss_name", ["softmax_cross_entropy", "squared_error", "huber"])
def test_member_j_computes_what_a_network_of_its_own_computes(loss_name, architecture):
    """Values, every parameter's gradient and the predictions of member j equal
    those of network.member(j) on member j's rows and weights (rtol 1e-10)."""
    network, loss, X, Y, sw = _problem(loss_name, architecture=architecture)
    alpha = np.array([0.0, 0.3, 1.0])
    singles = [network.member(j) for j in range(K)]  # before any running statistic moves
    objective = Objective(network, loss, alpha=alpha)
    values = objective(X, Y, sw)
    raw = network.predict_raw(X)
    for j, single in enumerate(singles):
        value = Objective(single, loss, alpha[j])(X[j], Y[j], sw[j])
        assert values[j] == pytest.approx(value, rel=1e-10)
        # every parameter's gradient: the member's row of grad
        grads = network.members_view(network.grad)
        np.testing.assert_allclose(grads[j], single.grad, rtol=1e-10, atol=1e-14)
        if architecture == "batch_norm":
            for mine, theirs in zip(network.hidden, single.hidden):
                np.testing.assert_allclose(
                    mine.batch_norm.dgamma[j, 0], theirs.batch_norm.dgamma, rtol=1e-10
                )
                np.testing.assert_allclose(
                    mine.batch_norm.running_mean[j, 0], theirs.batch_norm.running_mean
                )
        np.testing.assert_allclose(raw[j], single.predict_raw(X[j]), rtol=1e-12)


def test_members_start_where_networks_of_their_own_start():
    """Member j draws from its own generator exactly what a single network
    draws from it: an ensemble's or a fold's initial weights are reproducible
    one member at a time."""
    network = Network([D, 6, 2], "relu", n_members=K)
    network.initialize([np.random.RandomState(10 + j) for j in range(K)])
    for j in range(K):
        single = Network([D, 6, 2], "relu")
        single.initialize(np.random.RandomState(10 + j))
        np.testing.assert_array_equal(network.member(j).theta, single.theta)


def test_shared_rows_with_zero_one_weights_equal_each_members_own_subset():
    """Members that train on subsets of the SAME rows (the folds of a small
    table) can share one block of rows, a weight of 0 taking a row out: member
    j then equals a network of its own fitted to its rows alone."""
    rng = np.random.RandomState(0)
    network = Network([D, 5, 3], "tanh", n_members=K)
    network.initialize([np.random.RandomState(j) for j in range(K)])
    X, Y = rng.normal(size=(M, D)), np.eye(3)[rng.randint(3, size=M)]
    member_rows = np.ones((K, M))
    for j in range(K):
        member_rows[j, j::K] = 0  # each member leaves out a different fold
    loss = get_loss("softmax_cross_entropy")
    objective = Objective(network, loss, alpha=0.5)
    values = objective(X, Y, member_rows)
    for j in range(K):
        keep = member_rows[j] > 0
        single = network.member(j)
        value = Objective(single, loss, 0.5)(X[keep], Y[keep])
        assert values[j] == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(
            network.linears[0].dW[j], single.linears[0].dW, rtol=1e-10
        )


@pytest.mark.parametrize("m", [4, 9])
def test_minibatches_are_normalised_per_member_like_a_single_network(m):
    """With set_training_weights, each member's minibatch is divided by its
    rows x its own mean training weight, as Objective does for one network."""
    network, loss, X, Y, sw = _problem("squared_error")
    objective = Objective(network, loss, alpha=0.2)
    objective.set_training_weights(sw, M)
    values = objective(X[:, :m], Y[:, :m], sw[:, :m])
    for j in range(K):
        single = network.member(j)
        reference = Objective(single, loss, 0.2)
        reference.set_training_weights(sw[j], M)
        assert values[j] == pytest.approx(
            reference(X[j, :m], Y[j, :m], sw[j, :m]), rel=1e-12
        )


def test_a_network_is_a_stack_of_one_by_default():
    """A single network is a stack of one: its arrays are a network's own
    (2-D weights, 1-D biases), its member is itself, and stacking it alone
    gives it back."""
    network = Network([2, 3, 1], "relu")
    assert network.n_members == 1
    assert network.coefs[0].shape == (2, 3) and network.intercepts[0].shape == (3,)
    assert network.member(0) is network and Network.stack([network]) is network


@pytest.mark.parametrize("batch_norm", [False, True])
def test_layout_is_member_major_in_a_single_networks_order(batch_norm):
    """Row j of theta.reshape(k, -1) is member j's whole parameter vector, laid
    out as a network of its own lays out its theta (weights first), and every
    layer's (k, ...) array is a view into theta, not a copy."""
    network = Network([D, 6, 5, 2], "tanh", batch_norm=batch_norm, n_members=K)
    network.initialize([np.random.RandomState(j) for j in range(K)])
    rows = network.members_view(network.theta)
    for j in range(K):
        np.testing.assert_array_equal(rows[j], network.member(j).theta)
    for linear in network.linears:
        assert np.shares_memory(linear.W, network.theta)
        assert np.shares_memory(linear.dW, network.grad)
    assert network.n_coefs == D * 6 + 6 * 5 + 5 * 2  # one member's weights
    weights = rows[:, : network.n_coefs]
    np.testing.assert_array_equal(weights[1, : D * 6], network.linears[0].W[1].ravel())


# -- minibatches and optimizer steps along the axis ------------------------------------


def _epoch(batches):
    """One epoch's batches, copied out of the reused buffers."""
    batches.new_epoch()
    return [tuple(None if a is None else np.copy(a) for a in batch) for batch in batches]


def test_member_minibatches_are_each_members_own_minibatches():
    """Members with their own rows (indices into one shared X, or an X of
    their own), sizes and shuffles: each member's real rows are exactly a
    Minibatches of its rows alone; a shorter batch is padded with weight-0
    rows, and the batch says how many rows are each member's."""
    rng = np.random.RandomState(0)
    X, Y, sw = rng.normal(size=(23, D)), rng.normal(size=(23, 2)), rng.uniform(size=23)
    picks = [np.arange(23), rng.permutation(23)[:22], np.sort(rng.permutation(23)[:21])]
    members = [MemberRows(X, Y, sw, rows=p) for p in picks[:2]]
    own_X = X[picks[2]] * 2.0  # a member with preprocessed rows of its own
    members.append(MemberRows(own_X, Y[picks[2]], sw[picks[2]]))
    seeds = [3, 4, 5]
    stacked = Minibatches(
        members, [5, 5, 5], True, [np.random.RandomState(s) for s in seeds]
    )
    sources = [(X[picks[0]], picks[0]), (X[picks[1]], picks[1]), (own_X, picks[2])]
    singles = [
        Minibatches([MemberRows(Xj, Y[p], sw[p])], [5], True, [np.random.RandomState(s)])
        for (Xj, p), s in zip(sources, seeds)
    ]
    for _ in range(3):  # every member reshuffles with its own generator each epoch
        together = _epoch(stacked)
        alone = [_epoch(single) for single in singles]
        assert len(together) == len(alone[0]) == 5
        for i, (Xb, Yb, swb, counts) in enumerate(together):
            sizes = [alone[j][i][0].shape[0] for j in range(3)]
            if len(set(sizes)) == 1:
                assert counts is None
            else:
                np.testing.assert_array_equal(counts, sizes)
            for j, n in enumerate(sizes):
                for stacked_part, single_part in zip((Xb, Yb, swb), alone[j][i]):
                    np.testing.assert_array_equal(stacked_part[j, :n], single_part)
                assert not swb[j, n:].any()  # padding weighs nothing


def test_member_minibatches_refuse_members_with_different_batch_counts():
    X, Y = np.zeros((11, D)), np.zeros((11, 1))
    members = [MemberRows(X, Y), MemberRows(X[:10], Y[:10])]
    rngs = [np.random.RandomState(0)] * 2
    with pytest.raises(ValueError, match="different numbers of minibatches"):
        Minibatches(members, [5, 5], True, rngs)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop"])
@pytest.mark.parametrize("nesterov", [True, False])
def test_optimizer_steps_each_active_member_as_its_own_and_freezes_the_rest(name, nesterov):
    """An inactive member keeps its parameters AND its state (moments, step
    count): activated again, it continues as a network of its own that
    skipped those steps would."""
    from skmlp.nn.optimizers import OPTIMIZERS

    rng = np.random.RandomState(0)
    per_member, n_weights = 11, 7
    theta = rng.normal(size=(K, per_member))
    grads = [rng.normal(size=(K, per_member)) for _ in range(5)]
    extra = {"nesterov": nesterov} if name == "sgd" else {}
    stacked = OPTIMIZERS[name](
        per_member, np.float64, n_weights=n_weights, n_members=K, **extra
    )
    singles = [
        OPTIMIZERS[name](per_member, np.float64, n_weights=n_weights, **extra)
        for _ in range(K)
    ]
    expected = theta.copy()
    flat = theta.ravel().copy()
    for i, g in enumerate(grads):
        stacked.activate()
        if i in (1, 2):  # member 1 pauses for two steps
            stacked.deactivate(1)
        stacked.step(flat, g.ravel().copy())
        for j in range(K):
            if stacked.active[j]:
                singles[j].step(expected[j], g[j].copy())
        if i == 2:
            np.testing.assert_array_equal(flat.reshape(K, per_member)[1], expected[1])
    np.testing.assert_allclose(
        flat.reshape(K, per_member), expected, rtol=1e-13, atol=1e-15
    )


def test_three_members_train_as_three_separate_networks():
    """The central property, in the core: k=3 members with their own initial
    weights, shuffles and sample weights, trained together for 4 epochs of
    Adam minibatches, end where 3 separate networks end (rtol 1e-9)."""
    from skmlp.nn.optimizers import Adam

    rng = np.random.RandomState(0)
    n = 37
    X, Y = rng.normal(size=(n, D)), np.eye(3)[rng.randint(3, size=n)]
    sw = rng.uniform(0.3, 2.0, size=n)
    units, loss, seeds = [D, 6, 3], get_loss("softmax_cross_entropy"), [11, 12, 13]
    network = Network(units, "relu", n_members=K)
    network.initialize([np.random.RandomState(s) for s in seeds])
    objective = Objective(network, loss, alpha=1e-3)
    objective.set_training_weights(sw, n)
    optimizer = Adam(network.theta.size // K, np.float64, learning_rate=0.01, n_members=K)
    members = [MemberRows(X, Y, sw)] * K
    batches = Minibatches(members, [8] * K, True, [np.random.RandomState(s) for s in seeds])
    for _ in range(4):
        batches.new_epoch()
        for Xb, Yb, swb, _ in batches:
            objective(Xb, Yb, swb)
            optimizer.step(network.theta, network.grad)
    for j, seed in enumerate(seeds):
        single = Network(units, "relu")
        single.initialize(np.random.RandomState(seed))
        single_objective = Objective(single, loss, 1e-3)
        single_objective.set_training_weights(sw, n)
        single_optimizer = Adam(single.theta.size, np.float64, learning_rate=0.01)
        single_batches = Minibatches(
            [MemberRows(X, Y, sw)], [8], True, [np.random.RandomState(seed)]
        )
        for _ in range(4):
            single_batches.new_epoch()
            for Xb, Yb, swb, _ in single_batches:
                single_objective(Xb, Yb, swb)
                single_optimizer.step(single.theta, single.grad)
        np.testing.assert_allclose(
            network.members_view(network.theta)[j], single.theta, rtol=1e-9, atol=1e-12
        )


# -- the trainer along the axis ----------------------------------------------------


def _trainer_run(seeds, data, config, alpha=1e-3, rows=None):
    """Train with the one Trainer a stack of len(seeds) members (member j on
    ``rows[j]`` of X, all rows without ``rows``), with early stopping on the
    validation loss."""
    from skmlp.nn.optimizers import make_optimizer
    from skmlp.training.state import TrainingState
    from skmlp.training.trainer import Trainer, TrainingData
    from skmlp.training.validation import Validation, ValidationSet

    X, Y, sw, X_val, Y_val = data
    units, loss, k = [D, 8, 3], get_loss("softmax_cross_entropy"), len(seeds)
    network = Network(units, "relu", n_members=k)
    rngs = [np.random.RandomState(s) for s in seeds]
    network.initialize(rngs)
    objective = Objective(network, loss, alpha)
    optimizer = make_optimizer(
        config.solver,
        network.theta.size // k,
        np.float64,
        network.n_coefs,
        config.optimizer_params,
        n_members=k,
    )
    validation = Validation([ValidationSet(X_val, Y_val, None, None)] * k, objective)
    trainer = Trainer([config] * k, objective, optimizer, rngs)
    states = [TrainingState() for _ in seeds]
    rows = rows or [None] * k
    member_rows = [MemberRows(X, Y, sw, rows=r) for r in rows]
    outcomes = trainer.run(TrainingData(member_rows, validation), states)
    return network, states, outcomes


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_member_j_of_a_batched_training_run_equals_a_separate_run(solver):
    """The central property: one Trainer run over k=3 members (own initial
    weights, shuffles, early stopping on the validation loss, restore-best)
    ends, member by member, where three separate runs end: same stopping epoch,
    same best epoch, same curves, same final weights (float64, rtol 1e-9)."""
    from types import MappingProxyType

    from skmlp.training.config import TrainingConfig

    rng = np.random.RandomState(0)
    n = 60
    X = rng.normal(size=(n, D))
    Y = np.eye(3)[(X[:, 0] + 0.7 * rng.normal(size=n) > 0).astype(int) + (X[:, 1] > 1)]
    X_val = rng.normal(size=(25, D))
    Y_val = np.eye(3)[(X_val[:, 0] > 0).astype(int) + (X_val[:, 1] > 1)]
    sw = rng.uniform(0.5, 2.0, size=n)
    params = dict(learning_rate=0.05, momentum=0.9, nesterov=True, beta_1=0.9, beta_2=0.999)
    params.update(epsilon=1e-8, rho=0.9, weight_decay=0.0)
    config = TrainingConfig(
        solver=solver,
        max_iter=80,
        tol=1e-4,
        n_iter_no_change=4,
        batch_size=16,
        optimizer_params=MappingProxyType(params),
        early_stopping=True,
    )
    data = (X, Y, sw, X_val, Y_val)
    seeds = [21, 22, 23]
    network, states, outcomes = _trainer_run(seeds, data, config)
    stopped_at = set()
    for j, seed in enumerate(seeds):
        single, (state,), (outcome,) = _trainer_run([seed], data, config)
        stopped_at.add(outcome.n_iter)
        assert outcomes[j].n_iter == outcome.n_iter < config.max_iter
        assert outcomes[j].status is outcome.status
        assert outcomes[j].best_epoch == outcome.best_epoch < outcome.n_iter
        np.testing.assert_allclose(states[j].loss_curve, state.loss_curve, rtol=1e-9)
        np.testing.assert_allclose(
            states[j].validation_loss_curve, state.validation_loss_curve, rtol=1e-9
        )
        np.testing.assert_allclose(
            network.members_view(network.theta)[j], single.theta, rtol=1e-9, atol=1e-12
        )
    assert len(stopped_at) > 1  # the members stopped at different epochs


def test_members_on_their_own_rows_equal_separate_runs_on_those_rows():
    """Members on different subsets of one X (the training folds of a
    cross-validation): padded minibatches, each member normalised by its own
    rows and mean sample weight, give each member the run of a network of its
    own on its rows alone (float64, rtol 1e-9)."""
    from types import MappingProxyType

    from skmlp.training.config import TrainingConfig

    rng = np.random.RandomState(1)
    n = 60
    X = rng.normal(size=(n, D))
    Y = np.eye(3)[(X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int) + (X[:, 1] > 1)]
    sw = rng.uniform(0.5, 2.0, size=n)
    params = dict(learning_rate=0.02, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    config = TrainingConfig(
        solver="adam",
        max_iter=12,
        batch_size=16,
        optimizer_params=MappingProxyType(params),
    )
    rows = [np.arange(n), np.sort(rng.permutation(n)[:57]), rng.permutation(n)[:55]]
    data = (X, Y, sw, X[:5], Y[:5])
    seeds = [1, 2, 3]
    network, states, _ = _trainer_run(seeds, data, config, rows=rows)
    for j, (seed, r) in enumerate(zip(seeds, rows)):
        own = (X[r], Y[r], sw[r], X[:5], Y[:5])
        single, (state,), _ = _trainer_run([seed], own, config)
        assert states[j].t == state.t == 12 * len(r)
        np.testing.assert_allclose(states[j].loss_curve, state.loss_curve, rtol=1e-9)
        np.testing.assert_allclose(
            network.members_view(network.theta)[j], single.theta, rtol=1e-9, atol=1e-12
        )


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop"])
def test_stacked_optimizers_and_networks_continue_as_their_members(name):
    """Network.stack / Optimizer.stack and member(j) are inverse: k single
    networks and optimizers stacked, stepped together and split again equal
    the singles stepped on their own (how partial_fit and warm_start continue
    an ensemble)."""
    from skmlp.nn.optimizers import OPTIMIZERS, Optimizer

    rng = np.random.RandomState(0)
    networks = []
    for j in range(K):
        network = Network([D, 4, 2], "tanh")
        network.initialize(np.random.RandomState(j))
        networks.append(network)
    size = networks[0].theta.size
    singles = [OPTIMIZERS[name](size, np.float64, learning_rate=0.05) for _ in range(K)]
    for j, optimizer in enumerate(singles):  # each with its own history
        for _ in range(j + 1):
            optimizer.step(networks[j].theta, rng.normal(size=size))
    stacked = Network.stack(networks)
    optimizer = (
        type(singles[0]).stack(singles)
        if name.startswith("adam")
        else (Optimizer.stack(singles))
    )
    grads = rng.normal(size=(2, K, size))
    for g in grads:
        optimizer.step(stacked.theta, g.ravel().copy())
        for j in range(K):
            singles[j].step(networks[j].theta, g[j].copy())
    for j in range(K):
        np.testing.assert_allclose(stacked.member(j).theta, networks[j].theta, rtol=1e-13)
        split = optimizer.member(j)
        for a, b in zip(split._state_vectors(), singles[j]._state_vectors()):
            np.testing.assert_allclose(a, b, rtol=1e-13)
        np.testing.assert_array_equal(getattr(split, "t", 0), getattr(singles[j], "t", 0))


def test_dropout_members_draw_their_own_masks_as_separate_fits():
    """Members with their own dropout rates (one without dropout, one only in
    its second layer), on their own rows (padded last minibatches), stopping
    early at their own epochs: each ends as its own fit ends (float64)."""
    from sklearn.base import clone

    from skmlp import MLPClassifier
    from skmlp._estimators.base import fit_estimators

    rng = np.random.RandomState(3)
    X = rng.normal(size=(100, 6))
    y = (X[:, 0] + 0.5 * rng.normal(size=100) > 0).astype(int)
    base = MLPClassifier(
        hidden_layer_sizes=(10, 8),
        batch_size=16,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=2,
        max_iter=60,
    )
    # 80, 76, 72 and 80 training rows: 5 minibatches each, the last padded
    settings = [(0.3, 0, 100), (0.0, 1, 95), ([0.0, 0.5], 2, 90), (0.5, 3, 100)]
    members = [clone(base).set_params(dropout=d, random_state=s) for d, s, _ in settings]
    args = [dict(X=X[:n], y=y[:n]) for _, _, n in settings]
    fit_estimators(members, args)
    n_iter = set()
    for member, (dropout, seed, n) in zip(members, settings):
        alone = clone(base).set_params(dropout=dropout, random_state=seed).fit(X[:n], y[:n])
        assert member.n_iter_ == alone.n_iter_
        n_iter.add(alone.n_iter_)
        np.testing.assert_allclose(member.loss_curve_, alone.loss_curve_, rtol=1e-10)
        for ours, theirs in zip(member.coefs_, alone.coefs_):
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert len(n_iter) > 1  # stopped at different epochs: the axis was compacted


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_input_gradients_on_the_axis_are_each_members_own(architecture):
    """Network.input_gradient of a stack on rows all members share: member
    j's gradient with respect to the inputs is network.member(j)'s, and both
    match central differences of the logits (their mean over a shared-weight
    ensemble's heads)."""
    network, _, X, _, _ = _problem("squared_error", architecture=architecture)
    singles = [network.member(j) for j in range(K)]
    rows = X[0] + 0.01  # off the piecewise encoding's edges (member 0's rows)
    weights = np.random.RandomState(1).normal(size=3)

    def output_grad(logits):
        return np.broadcast_to(weights, logits.shape).copy()

    logits, dX = network.input_gradient(rows, output_grad)
    assert dX.shape == (K, M, D)
    for j, single in enumerate(singles):
        own_logits, own = single.input_gradient(rows, output_grad)
        np.testing.assert_allclose(logits[j], own_logits, rtol=1e-12)
        np.testing.assert_allclose(dX[j], own, rtol=1e-10, atol=1e-14)
        eps = 1e-6
        for i in range(D):
            step = np.zeros(D)
            step[i] = eps
            # a shared-weight ensemble's function is its heads' mean
            up = (single.predict_raw(rows + step) @ weights).reshape(-1, M).mean(0)
            down = (single.predict_raw(rows - step) @ weights).reshape(-1, M).mean(0)
            np.testing.assert_allclose(
                own[:, i], (up - down) / (2 * eps), rtol=1e-6, atol=1e-9
            )
