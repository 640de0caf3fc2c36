"""scikit-learn's callback API (sklearn.callback, scikit-learn >= 1.9) on the estimators."""

import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV

import skmlp
import skmlp.training.stochastic
from skmlp import MLPClassifier, MLPRegressor, MultiLabelMLP

try:
    from sklearn.callback import ProgressBar, ScoringMonitor
except ImportError:  # scikit-learn < 1.9
    ProgressBar = ScoringMonitor = None

needs_callbacks = pytest.mark.skipif(
    ScoringMonitor is None, reason="scikit-learn < 1.9 has no sklearn.callback"
)

rng = np.random.RandomState(0)
X = rng.normal(size=(90, 5))
Y_KIND = {
    "classifier": np.where(X[:, 0] + X[:, 1] > 0, "sick", "healthy"),
    "regressor": X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=90),
    "multilabel": np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 1]).astype(int),
}
MAKERS = {
    "classifier": MLPClassifier,
    "regressor": MLPRegressor,
    "multilabel": MultiLabelMLP,
}
SOLVERS = ["adam", "sgd", "lbfgs"]


def _est(kind, **params):
    defaults = {"hidden_layer_sizes": (7,), "max_iter": 6, "random_state": 0, "tol": 0}
    return MAKERS[kind](**{**defaults, **params})


class Recorder:
    """A FitCallback logging every hook: (hook, task name, task id), the data it
    got and the fitted estimator of each task end. ``stop_at=k`` asks training to
    stop after the k-th epoch or iteration."""

    def __init__(self, stop_at=None):
        self.stop_at = stop_at
        self.events, self.begins, self.ends = [], [], []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, metadata=None):
        self.events.append(("begin", context.task_name, context.task_id))
        self.begins.append({"context": context, "X": X, "y": y, "metadata": metadata})

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None, fitted_estimator=None
    ):
        self.events.append(("end", context.task_name, context.task_id))
        self.ends.append({"context": context, "model": fitted_estimator})
        is_step = context.parent is not None
        return is_step and context.task_id + 1 == self.stop_at

    def step_models(self):
        return [e["model"] for e in self.ends if e["context"].parent is not None]


def _fit_quietly(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


# -- set_callbacks ---------------------------------------------------------------------


@needs_callbacks
@pytest.mark.parametrize("kind", list(MAKERS))
def test_set_callbacks_takes_callbacks_and_rejects_anything_else(kind):
    est = _est(kind)
    monitor = ScoringMonitor(scoring="accuracy")
    assert est.set_callbacks(monitor) is est
    assert est._skl_callbacks == [monitor]
    for bad in (object(), "progress", ScoringMonitor):  # a class is not a callback
        with pytest.raises(TypeError, match="FitCallback protocol"):
            est.set_callbacks(bad)
    est.set_callbacks()  # none: removes them
    assert not hasattr(est, "_skl_callbacks")


@needs_callbacks
def test_clones_share_the_callback_instances():
    monitor, recorder = ScoringMonitor(scoring="accuracy"), Recorder()
    est = _est("classifier").set_callbacks(monitor, recorder)
    copy = clone(est)
    assert copy._skl_callbacks[0] is monitor and copy._skl_callbacks[1] is recorder
    _fit_quietly(copy, X, Y_KIND["classifier"])
    assert recorder.events[0] == ("setup", "fit")


@needs_callbacks
@pytest.mark.parametrize("remove", [False, True])
def test_continued_members_take_the_ensembles_current_callbacks(remove):
    """warm_start continues an ensemble's fitted members with the callbacks
    set on the ensemble now, not those of its first fit (or none, once removed)."""
    first, then = Recorder(), Recorder()
    params = dict(hidden_layer_sizes=(7,), max_iter=4, tol=0, random_state=0)
    params.update(ensemble_size=3)
    est = MLPClassifier(**params).set_callbacks(first)
    _fit_quietly(est, X, Y_KIND["classifier"])
    n_first = len(first.events)
    est.set_callbacks() if remove else est.set_callbacks(then)
    _fit_quietly(est.set_params(warm_start=True, max_iter=2), X, Y_KIND["classifier"])
    assert len(first.events) == n_first  # the first fit's recorder hears nothing more
    assert (len(then.events) == 0) == remove
    for member in est.estimators_:
        assert ("_skl_callbacks" in vars(member)) != remove


# -- the task tree ---------------------------------------------------------------------


def _tree(root, step, n_steps):
    """The hooks' calls for a root task with ``n_steps`` subtasks."""
    steps = [(h, step, i) for i in range(n_steps) for h in ("begin", "end")]
    return [
        ("setup", root),
        ("begin", root, 0),
        *steps,
        ("end", root, 0),
        ("teardown", root),
    ]


@needs_callbacks
@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("solver", SOLVERS)
def test_fit_is_one_task_with_a_subtask_per_epoch_or_iteration(kind, solver):
    recorder = Recorder()
    est = _fit_quietly(_est(kind, solver=solver).set_callbacks(recorder), X, Y_KIND[kind])
    step = "iteration" if solver == "lbfgs" else "epoch"
    assert 0 < est.n_iter_ <= est.max_iter
    assert recorder.events == _tree("fit", step, est.n_iter_)
    assert recorder.begins[0]["context"].max_subtasks == est.max_iter


@needs_callbacks
@pytest.mark.parametrize("params", [dict(tol=0.1), dict(max_fun=5)])
def test_lbfgs_stopping_before_max_iter_ends_every_iteration(params):
    recorder = Recorder()
    est = _est("classifier", solver="lbfgs", max_iter=200, **params)
    _fit_quietly(est.set_callbacks(recorder), X, Y_KIND["classifier"])
    assert est.n_iter_ < 200
    assert recorder.events == _tree("fit", "iteration", est.n_iter_)


@needs_callbacks
@pytest.mark.parametrize("kind", list(MAKERS))
def test_each_partial_fit_is_one_task_with_one_epoch(kind):
    recorder = Recorder()
    est = _est(kind).set_callbacks(recorder)
    y = Y_KIND[kind]
    extra = {"classes": np.unique(y)} if kind == "classifier" else {}
    est.partial_fit(X, y, **extra)
    est.partial_fit(X, y)
    assert recorder.events == 2 * _tree("partial_fit", "epoch", 1)
    assert recorder.begins[0]["context"].max_subtasks == 1


@needs_callbacks
def test_hooks_get_the_training_data_as_given():
    recorder = Recorder()
    X_list, y_list = X.tolist(), list(Y_KIND["classifier"])
    sw = np.linspace(0.5, 2, len(X))
    est = _est("classifier").set_callbacks(recorder)
    _fit_quietly(est, X_list, y_list, sample_weight=sw)
    for begin in recorder.begins:  # the root task and every epoch
        assert begin["X"] is X_list and begin["y"] is y_list
        assert begin["metadata"] == {"sample_weight": sw}
    _fit_quietly(est, X, y_list)
    assert recorder.begins[-1]["metadata"] is None


@needs_callbacks
@pytest.mark.parametrize("solver", SOLVERS)
def test_callbacks_do_not_change_training(solver):
    params = dict(solver=solver, batch_norm=True, max_iter=8)
    plain = _fit_quietly(_est("regressor", **params), X, Y_KIND["regressor"])
    watched = _est("regressor", **params).set_callbacks(
        Recorder(), ScoringMonitor(scoring="r2")
    )
    _fit_quietly(watched, X, Y_KIND["regressor"])
    np.testing.assert_array_equal(plain._network.theta, watched._network.theta)
    np.testing.assert_array_equal(plain._network.state, watched._network.state)
    assert plain.loss_curve_ == watched.loss_curve_


# -- fitted estimators and ScoringMonitor ------------------------------------------------

# (kind, parameters, scoring): stochastic and L-BFGS, batch norm (running statistics
# in the snapshots), the three estimators; "score" is the estimator's own ``score``
SCORING_CASES = [
    ("classifier", dict(solver="adam"), "neg_log_loss"),
    ("classifier", dict(solver="lbfgs", batch_norm=True), "neg_log_loss"),
    ("regressor", dict(solver="sgd", batch_norm=True), "score"),
    ("regressor", dict(solver="lbfgs"), "neg_mean_squared_error"),
    ("multilabel", dict(solver="rmsprop"), "score"),
]


def _models_after_each_step(kind, params, n_steps):
    """Reference models: the same fit stopped after 1, 2, ... n_steps steps."""
    return [
        _fit_quietly(_est(kind, **{**params, "max_iter": k}), X, Y_KIND[kind])
        for k in range(1, n_steps + 1)
    ]


def _monitored(scoring):
    # ScoringMonitor(scoring=None) fails in scikit-learn 1.9.1 (its default scorer
    # returns a float where a dict is expected), so the estimator's own ``score``
    # is given as a named callable
    if scoring != "score":
        return scoring
    return {"score": lambda est, X, y, **kwargs: est.score(X, y, **kwargs)}


def _score(model, kind, scoring, **kwargs):
    if scoring == "score":
        return model.score(X, Y_KIND[kind], **kwargs)
    return get_scorer(scoring)(model, X, Y_KIND[kind], **kwargs)


@needs_callbacks
@pytest.mark.parametrize("kind, params, scoring", SCORING_CASES)
def test_scoring_monitor_records_the_score_of_each_epoch(kind, params, scoring):
    monitor = ScoringMonitor(scoring=_monitored(scoring))
    est = _fit_quietly(_est(kind, **params).set_callbacks(monitor), X, Y_KIND[kind])
    rows = monitor.get_logs().data
    steps = [row[scoring] for row in rows if row["task_id_path"] != (0,)]
    assert len(steps) == est.n_iter_ == est.max_iter
    references = _models_after_each_step(kind, params, est.n_iter_)
    expected = [_score(model, kind, scoring) for model in references]
    np.testing.assert_array_equal(steps, expected)
    assert rows[0]["task_id_path"] == (0,)  # the root task: the fitted model
    assert rows[0][scoring] == _score(est, kind, scoring)


@needs_callbacks
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_scoring_monitor_scores_with_the_sample_weights(solver):
    sw = np.linspace(0.2, 3, len(X))
    monitor = ScoringMonitor(scoring="neg_log_loss")
    est = _est("classifier", solver=solver, max_iter=4).set_callbacks(monitor)
    _fit_quietly(est, X, Y_KIND["classifier"], sample_weight=sw)
    steps = [row["neg_log_loss"] for row in monitor.get_logs().data[1:]]
    references = [
        _fit_quietly(
            _est("classifier", solver=solver, max_iter=k),
            X,
            Y_KIND["classifier"],
            sample_weight=sw,
        )
        for k in range(1, 5)
    ]
    expected = [
        _score(m, "classifier", "neg_log_loss", sample_weight=sw) for m in references
    ]
    np.testing.assert_array_equal(steps, expected)


@needs_callbacks
@pytest.mark.parametrize("kind, params, scoring", SCORING_CASES)
def test_fitted_estimators_are_snapshots_of_each_epoch(kind, params, scoring):
    recorder = Recorder()
    est = _est(kind, **params).set_callbacks(recorder)
    _fit_quietly(est, X, Y_KIND[kind])
    snapshots = recorder.step_models()
    references = _models_after_each_step(kind, params, est.n_iter_)
    assert len(snapshots) == len(references)
    for snapshot, reference in zip(snapshots, references):
        assert snapshot is not est and snapshot._network is not est._network
        for a, b in zip(
            snapshot.coefs_ + snapshot.intercepts_, reference.coefs_ + reference.intercepts_
        ):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(snapshot.predict(X), reference.predict(X))
    np.testing.assert_array_equal(recorder.ends[-1]["model"].predict(X), est.predict(X))


@needs_callbacks
def test_scoring_monitor_logs_one_run_per_partial_fit():
    monitor = ScoringMonitor(scoring="accuracy")
    est = _est("classifier").set_callbacks(monitor)
    y = Y_KIND["classifier"]
    for _ in range(3):
        est.partial_fit(X, y, classes=np.unique(y))
    runs = monitor.get_logs(select="all")
    assert len(runs) == 3
    assert [row["task_name"] for row in runs[-1].data] == ["partial_fit", "epoch"]
    assert runs[-1].data[1]["accuracy"] == est.score(X, y)


@needs_callbacks
def test_scoring_monitor_on_a_dataframe_raises_no_feature_name_warning():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"gene_{i}" for i in range(X.shape[1])])
    monitor = ScoringMonitor(scoring="accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _fit_quietly(_est("classifier").set_callbacks(monitor), frame, Y_KIND["classifier"])
    assert len(monitor.get_logs().data) == 7


@needs_callbacks
def test_early_stopping_on_a_validation_set_is_monitored_to_the_end():
    monitor = ScoringMonitor(scoring="accuracy")
    params = dict(
        early_stopping=True, validation_fraction=0.2, n_iter_no_change=2, max_iter=200
    )
    est = _fit_quietly(
        _est("classifier", **params).set_callbacks(monitor), X, Y_KIND["classifier"]
    )
    rows = monitor.get_logs().data
    assert est.n_iter_ < 200 and len(rows) == est.n_iter_ + 1
    assert rows[0]["accuracy"] == est.score(X, Y_KIND["classifier"])


# -- a callback asking to stop ---------------------------------------------------------


@needs_callbacks
@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("solver", SOLVERS)
def test_a_callback_can_stop_training(kind, solver):
    recorder = Recorder(stop_at=3)
    est = _est(kind, solver=solver, max_iter=20).set_callbacks(recorder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, Y_KIND[kind])
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert est.n_iter_ == 3 and len(recorder.step_models()) == 3
    reference = _fit_quietly(_est(kind, solver=solver, max_iter=3), X, Y_KIND[kind])
    np.testing.assert_array_equal(est._network.theta, reference._network.theta)


# -- epochs cut short ------------------------------------------------------------------


def _balanced(events):
    open_tasks = []
    for event in events:
        if event[0] == "begin":
            open_tasks.append(event[1:])
        elif event[0] == "end":
            assert open_tasks.pop() == event[1:]
    return not open_tasks


@needs_callbacks
def test_a_diverged_epoch_still_ends():
    recorder = Recorder()
    X_big = (X * 1e15).astype(np.float32)
    params = dict(solver="sgd", learning_rate_init=1e12, momentum=0.9, max_iter=50)
    est = _est("regressor", **params).set_callbacks(recorder)
    _fit_quietly(est, X_big, Y_KIND["regressor"] * 1e15)
    assert est._state.diverged_at is not None
    assert _balanced(recorder.events)
    assert recorder.ends[-2]["model"] is None  # the diverged epoch ends empty
    assert np.isfinite(recorder.ends[-1]["model"].predict(X_big)).all()


@needs_callbacks
def test_an_interrupted_epoch_still_ends(interrupt_fourth_epoch):
    recorder = Recorder()
    with pytest.warns(UserWarning, match="interrupted"):
        _est("classifier", max_iter=50).set_callbacks(recorder).fit(X, Y_KIND["classifier"])
    assert _balanced(recorder.events)
    models = recorder.step_models()
    assert len(models) == 4 and None not in models[:3]
    assert models[3] is None  # the interrupted epoch ends empty


# -- ProgressBar -----------------------------------------------------------------------


@pytest.fixture
def progress_bar():
    if ProgressBar is None:
        pytest.skip("scikit-learn < 1.9 has no sklearn.callback")
    pytest.importorskip("rich", reason="ProgressBar needs rich")
    return ProgressBar()


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_progress_bar_shows_fit(kind, solver, progress_bar, capsys):
    _fit_quietly(_est(kind, solver=solver).set_callbacks(progress_bar), X, Y_KIND[kind])
    assert f"{MAKERS[kind].__name__} - fit" in capsys.readouterr().out


def test_progress_bar_shows_partial_fit(progress_bar, capsys):
    est = _est("regressor").set_callbacks(progress_bar)
    for _ in range(2):
        est.partial_fit(X, Y_KIND["regressor"])
    assert capsys.readouterr().out.count("MLPRegressor - partial_fit") == 2


# -- persistence and model selection ---------------------------------------------------


@needs_callbacks
def test_pickling_a_fitted_estimator_with_callbacks():
    monitor = ScoringMonitor(scoring="accuracy")
    est = _fit_quietly(
        _est("classifier").set_callbacks(monitor, Recorder()), X, Y_KIND["classifier"]
    )
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert [type(c) for c in loaded._skl_callbacks] == [ScoringMonitor, Recorder]
    _fit_quietly(loaded, X, Y_KIND["classifier"])  # the copies still work
    assert len(loaded._skl_callbacks[0].get_logs(select="all")) == 2


def test_pickling_with_a_progress_bar(progress_bar, capsys):
    est = _fit_quietly(
        _est("classifier").set_callbacks(progress_bar), X, Y_KIND["classifier"]
    )
    loaded = pickle.loads(pickle.dumps(est))
    _fit_quietly(loaded, X, Y_KIND["classifier"])
    assert capsys.readouterr().out.count("MLPClassifier - fit") == 2


@needs_callbacks
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_an_estimator_with_a_scoring_monitor(n_jobs):
    monitor = ScoringMonitor(scoring="accuracy")
    est = _est("classifier", max_iter=4).set_callbacks(monitor)
    search = GridSearchCV(est, {"alpha": [1e-4, 1e-1]}, cv=2, n_jobs=n_jobs)
    _fit_quietly(search, X, Y_KIND["classifier"])
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == 5 * 4  # 2 candidates x 2 folds, then the refit
    assert search.best_estimator_._skl_callbacks == [monitor]


def test_grid_search_propagates_its_progress_bar(progress_bar, capsys):
    search = GridSearchCV(_est("classifier"), {"alpha": [1e-4, 1e-1]}, cv=2)
    _fit_quietly(search.set_callbacks(progress_bar), X, Y_KIND["classifier"])
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out and "MLPClassifier - fit" in out


# -- scikit-learn without sklearn.callback ---------------------------------------------

WITHOUT_CALLBACK_API = """
import sys
import numpy as np
import skmlp  # loads the scikit-learn modules it uses, which need sklearn.callback
for name in [name for name in sys.modules if name.split(".")[0] == "skmlp"]:
    del sys.modules[name]
api, sys.modules["sklearn.callback"] = sys.modules["sklearn.callback"], None
from skmlp import MLPClassifier  # sees no sklearn.callback, as under scikit-learn < 1.9
sys.modules["sklearn.callback"] = api  # scikit-learn 1.9's own fit wrapper needs it
X = np.random.RandomState(0).normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)
for solver in ("adam", "lbfgs"):
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, solver=solver, random_state=0)
    assert not hasattr(est, "set_callbacks") and not hasattr(est, "_init_callback_context")
    est.fit(X, y)
    if solver == "adam":
        est.partial_fit(X, y)
    print(solver, est.n_iter_, est.score(X, y))
"""


def test_without_the_callback_api_skmlp_imports_and_fits():
    root = Path(skmlp.__file__).resolve().parents[1]
    path = [str(root), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", WITHOUT_CALLBACK_API],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 2
