"""history_, diagnose_training and TrainingCurveDisplay."""

from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    make_circles,
    make_classification,
    make_moons,
)
from sklearn.model_selection import LearningCurveDisplay, cross_validate, learning_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from synthetic_curves import GENERATORS, confusion

from skmlp import MLPClassifier, MLPClassifierCV, MLPRegressor, MultiLabelMLP
from skmlp.inspection import PATTERNS, TrainingCurveDisplay, diagnose_training
from skmlp.inspection._diagnosis import mean_history

matplotlib.use("Agg")


# -- history_ -----------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_history_is_a_dict_of_equal_length_lists(solver):
    X, y = make_moons(200, noise=0.2, random_state=0)
    clf = MLPClassifier(solver=solver, max_iter=20, random_state=0).fit(X, y)
    history = clf.history_
    assert {"epoch", "train_loss", "learning_rate", "grad_norm", "time"} <= set(history)
    assert len({len(v) for v in history.values()}) == 1
    frame = pd.DataFrame(history)
    assert len(frame) == clf.n_iter_
    np.testing.assert_allclose(frame["train_loss"], clf.loss_curve_)
    assert (frame["time"] >= 0).all() and (frame["grad_norm"] > 0).all()


def test_the_diagnosis_compares_data_losses_whatever_alpha():
    """train_loss includes the alpha penalty (as loss_curve_ does) and the
    validation loss does not; history_ records the penalty, and the diagnosis
    and the display compare the two data losses."""
    from skmlp.inspection._diagnosis import data_loss

    X, y = make_moons(300, noise=0.2, random_state=0)
    clf = MLPClassifier(alpha=3.0, early_stopping=True, max_iter=30, random_state=0)
    clf.fit(X, y)
    history = clf.history_
    penalty = np.asarray(history["penalty"])
    assert (penalty > 0).all()
    np.testing.assert_allclose(
        data_loss(history), np.asarray(history["train_loss"]) - penalty
    )
    # with alpha=3 the penalty is a tenth of the data loss: enough to bias a
    # comparison of train_loss with valid_loss
    assert penalty.mean() > 0.1 * data_loss(history).mean()
    display = TrainingCurveDisplay.from_estimator(clf)
    np.testing.assert_allclose(display.train_loss, data_loss(history))


def test_history_records_validation_learning_rate_and_continues_on_warm_start():
    X, y = make_moons(300, noise=0.2, random_state=0)
    clf = MLPClassifier(
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.5,
        early_stopping=True,
        max_iter=10,
        warm_start=True,
        random_state=0,
    )
    clf.fit(X, y)
    history = clf.history_
    np.testing.assert_allclose(history["valid_loss"], clf.validation_loss_curve_)
    np.testing.assert_allclose(history["valid_score"], clf.validation_scores_)
    assert history["learning_rate"][0] == 0.5 > history["learning_rate"][-1]
    clf.fit(X, y)
    assert clf.history_["epoch"] == list(range(1, len(clf.loss_curve_) + 1))


# -- diagnose_training ---------------------------------------------------------------


def test_every_generated_pattern_is_recognised():
    """A few dozen noisy curves of each pattern, drawn at random scales."""
    table = confusion(n_per_pattern=40, seed=1)
    for pattern, row in table.items():
        assert row.get(pattern, 0) >= 36, (pattern, row)  # >= 90 % per pattern


@pytest.mark.parametrize("pattern", list(GENERATORS))
def test_diagnosis_is_scale_free(pattern):
    rng = np.random.RandomState(3)
    train, valid = GENERATORS[pattern](rng)
    verdicts = {
        diagnose_training({"train_loss": train * k, "valid_loss": valid * k}).pattern
        for k in (1e-4, 1.0, 1e5)
    }
    assert verdicts == {pattern}


def test_diagnosis_explains_itself():
    rng = np.random.RandomState(0)
    train, valid = GENERATORS["overfit"](rng)
    d = diagnose_training({"train_loss": train, "valid_loss": valid})
    assert d.pattern == "overfit" and d.pattern in PATTERNS
    assert 1 <= d.evidence["divergence_epoch"] < len(train)
    assert d.evidence["valid_rise"] > 0
    assert "regularis" in d.advice.lower() and "overfit" in str(d)


def test_no_validation_and_bad_input():
    assert diagnose_training({"train_loss": [1.0, 0.5, 0.4]}).pattern == "no_validation"
    X, y = make_moons(100, random_state=0)
    assert diagnose_training(MLPClassifier(max_iter=5).fit(X, y)).pattern == "no_validation"
    with pytest.raises(TypeError, match="train_loss"):
        diagnose_training([1, 2, 3])
    with pytest.raises(ValueError, match="same length"):
        diagnose_training({"train_loss": [1, 2, 3], "valid_loss": [1, 2]})


def test_a_cv_estimators_final_model_is_diagnosed_by_its_networks():
    """The final model mixes candidates: networks stopped early, linear models
    solved without a validation curve. The diagnosis reads the mean curves
    of the networks of the candidate weighing most, not "no validation"."""
    X, y = load_breast_cancer(return_X_y=True)
    model = MLPClassifierCV(random_state=0).fit(X, y)
    final = model.estimator_
    solved = ["valid_loss" not in m.history_ for m in final.estimators_]
    assert any(solved) and not all(solved)
    network_weights = model.ensemble_weights_[: len(model.alphas)]
    heaviest = [
        m.history_
        for m in final.estimators_
        if "valid_loss" in m.history_ and m.alpha == model.alphas[network_weights.argmax()]
    ]
    assert len(heaviest) == model.n_splits_
    expected = diagnose_training(mean_history(heaviest))
    diagnosis = diagnose_training(final)
    assert diagnosis.pattern != "no_validation"
    assert diagnosis == expected
    # the CV estimator itself is read as its final model, and drawn so
    assert diagnose_training(model) == expected
    import matplotlib.pyplot as plt

    display = TrainingCurveDisplay.from_estimator(model)
    assert display.diagnosis == expected
    assert display.estimator_name == "MLPClassifierCV"
    plt.close("all")


def test_a_mixed_ensemble_is_diagnosed_by_its_heaviest_networks():
    """Of a final model's candidates, a network pruned by halving at epoch 4
    (its curves still falling) and a solved linear model do not decide the
    diagnosis of the networks that weigh most."""
    rng = np.random.RandomState(0)
    train, valid = GENERATORS["overfit"](rng)
    heavy = {"train_loss": train, "valid_loss": valid}
    pruned = {"train_loss": train[:4], "valid_loss": valid[:4]}
    solved = {"train_loss": train[:12]}
    ensemble = SimpleNamespace(
        estimators_=[SimpleNamespace(history_=h) for h in (heavy, heavy, pruned, solved)],
        _member_weights=np.array([0.3, 0.3, 0.1, 0.3]),
    )
    assert diagnose_training(ensemble).pattern == "overfit"
    ensemble._member_weights = None  # an ensemble of skmlp's own: every member
    assert diagnose_training(ensemble).pattern == "no_validation"


def _moons(seed):
    return make_moons(400, noise=0.25, random_state=seed)


def _real_run(pattern):
    """A real training run meant to produce ``pattern``, and its validation data."""
    if pattern == "underfit_capacity":  # a linear model cannot separate circles
        data = [make_circles(400, noise=0.1, factor=0.5, random_state=s) for s in (0, 1)]
        est = MLPClassifier(
            hidden_layer_sizes=(2,),
            activation="identity",
            learning_rate_init=0.01,
            max_iter=200,
            random_state=0,
        )
    elif pattern == "underfit_stopped_early":  # max_iter far too small
        data = [_moons(0), _moons(1)]
        est = MLPClassifier(hidden_layer_sizes=(32,), max_iter=15, random_state=0)
    elif pattern == "good_fit":
        data = [_moons(0), _moons(1)]
        est = MLPClassifier(
            hidden_layer_sizes=(32,),
            learning_rate_init=0.01,
            alpha=1e-3,
            max_iter=150,
            random_state=0,
        )
    else:  # overfit: a huge unregularised network, 60 noisy samples
        X, y = make_classification(460, 20, n_informative=5, flip_y=0.2, random_state=0)
        data = [(X[:60], y[:60]), (X[60:], y[60:])]
        est = MLPClassifier(
            hidden_layer_sizes=(256, 256),
            alpha=0,
            learning_rate_init=0.003,
            max_iter=200,
            random_state=0,
        )
    (X, y), (X_val, y_val) = data
    return est.fit(X, y, X_val=X_val, y_val=y_val)


@pytest.mark.parametrize(
    "pattern", ["overfit", "underfit_capacity", "underfit_stopped_early", "good_fit"]
)
def test_real_training_runs_are_diagnosed(pattern):
    assert diagnose_training(_real_run(pattern)).pattern == pattern


# -- TrainingCurveDisplay --------------------------------------------------------------


def test_display_from_estimator_marks_best_epoch_and_pattern():
    import matplotlib.pyplot as plt

    est = _real_run("overfit")
    display = TrainingCurveDisplay.from_estimator(est)
    assert display.diagnosis.pattern == "overfit"
    assert "overfit" in display.ax_.get_title()
    assert display.lines_["best"].get_xdata()[0] == est.best_epoch_
    np.testing.assert_allclose(
        display.lines_["valid"].get_ydata(), est.validation_loss_curve_
    )
    assert display.figure_ is display.ax_.figure
    fig, ax = plt.subplots()
    assert TrainingCurveDisplay.from_estimator(est, ax=ax).ax_ is ax
    plt.close("all")


def test_display_from_history_without_validation():
    import matplotlib.pyplot as plt

    display = TrainingCurveDisplay.from_history({"train_loss": [3.0, 2.0, 1.5, 1.4]})
    assert set(display.lines_) == {"train"} and display.diagnosis.pattern == "no_validation"
    plt.close("all")


def test_display_from_cv_results_draws_mean_and_band():
    import matplotlib.pyplot as plt

    X, y = _moons(0)
    model = make_pipeline(
        StandardScaler(), MLPClassifier(early_stopping=True, max_iter=40, random_state=0)
    )
    cv = cross_validate(model, X, y, cv=3, return_estimator=True)
    display = TrainingCurveDisplay.from_cv_results(cv)
    lengths = [len(e[-1].history_["train_loss"]) for e in cv["estimator"]]
    assert len(display.lines_["train"].get_xdata()) == min(lengths)
    assert len(display.ax_.collections) == 2  # the two +- sd bands
    with pytest.raises(ValueError, match="return_estimator=True"):
        TrainingCurveDisplay.from_cv_results({"test_score": [1.0]})
    plt.close("all")


def test_display_from_cv_results_averages_only_epochs_every_fold_reached():
    # a fold that stopped early must not make the mean jump where it drops out
    import matplotlib.pyplot as plt

    def fold(train, valid):
        return SimpleNamespace(history_={"train_loss": train, "valid_loss": valid})

    folds = [fold([4.0, 3.0, 2.0], [5.0, 4.0, 3.5]), fold([2.0, 1.0], [3.0, 2.0])]
    display = TrainingCurveDisplay.from_cv_results({"estimator": folds})
    np.testing.assert_allclose(display.lines_["train"].get_ydata(), [3.0, 2.0])
    np.testing.assert_allclose(display.lines_["valid"].get_ydata(), [4.0, 3.0])
    np.testing.assert_allclose(display.train_std, [1.0, 1.0])
    plt.close("all")


def test_display_from_cv_results_of_ensembles_uses_each_fold_members_mean():
    import matplotlib.pyplot as plt

    X, y = _moons(0)
    model = MLPClassifier(ensemble_size=2, early_stopping=True, max_iter=30, random_state=0)
    cv = cross_validate(model, X, y, cv=3, return_estimator=True)
    display = TrainingCurveDisplay.from_cv_results(cv)
    lengths = [min(len(m.loss_curve_) for m in e.estimators_) for e in cv["estimator"]]
    assert len(display.lines_["train"].get_xdata()) == min(lengths)
    plt.close("all")


def test_display_from_cv_results_titles_the_folds_own_diagnoses():
    """The title gives the majority of the folds' own diagnoses with its count,
    not a reading of the mean curve (which can show a pattern no fold has);
    with advice=True every pattern shown comes with its advice and the guide."""
    import matplotlib.pyplot as plt

    from skmlp.inspection._diagnosis import ADVICE, GUIDE

    rng = np.random.RandomState(0)
    patterns = ["good_fit", "good_fit", "overfit", "unrepresentative_train"]
    folds = []
    for pattern in patterns:
        train, valid = GENERATORS[pattern](rng)
        history = {"train_loss": train, "valid_loss": valid}
        assert diagnose_training(history).pattern == pattern
        folds.append(SimpleNamespace(history_=history))
    display = TrainingCurveDisplay.from_cv_results({"estimator": folds}, advice=True)
    title = display.ax_.get_title()
    assert "good fit in 2 of 4 folds" in title and "4 folds" in title.splitlines()[0]
    assert [d.pattern for d in display.fold_diagnoses] == patterns
    assert display.diagnosis.pattern == "good_fit"
    texts = " ".join(" ".join(t.get_text().split()) for t in display.ax_.texts)
    for pattern in set(patterns):
        assert " ".join(ADVICE[pattern].split()) in texts
    assert GUIDE in texts
    tie = TrainingCurveDisplay.from_cv_results({"estimator": folds[1:3]})
    assert "no majority: good fit in 1, overfit in 1 of 2 folds" in tie.ax_.get_title()
    assert len(tie.ax_.texts) == 0  # the advice only on request
    plt.close("all")


# -- scikit-learn's sample-size learning curves ---------------------------------------


@pytest.mark.parametrize(
    "make_estimator, make_y",
    [
        (lambda: MLPClassifier(random_state=0), lambda X, y: y),
        (lambda: MLPRegressor(random_state=0), lambda X, y: X[:, 0] + y),
        (
            lambda: MultiLabelMLP(random_state=0),
            lambda X, y: np.column_stack([y, X[:, 0] > 0]).astype(int),
        ),
    ],
    ids=["classifier", "regressor", "multilabel"],
)
def test_learning_curve_incremental_for_every_estimator(make_estimator, make_y):
    import matplotlib.pyplot as plt

    X, y = _moons(0)
    y = make_y(X, y)
    sizes, train, test = learning_curve(
        make_estimator(),
        X,
        y,
        cv=3,
        train_sizes=[0.25, 0.5, 1.0],
        exploit_incremental_learning=True,
    )
    assert train.shape == test.shape == (3, 3) and np.isfinite(test).all()
    display = LearningCurveDisplay(train_sizes=sizes, train_scores=train, test_scores=test)
    display.plot()
    plt.close("all")
