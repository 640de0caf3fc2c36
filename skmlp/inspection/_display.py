"""TrainingCurveDisplay: training and validation loss per epoch, with the best
epoch and the diagnosed pattern marked. matplotlib is imported only to plot."""

import textwrap
from collections import Counter

import numpy as np

from ._diagnosis import (
    ADVICE,
    GUIDE,
    _diagnosed_members,
    _history_of,
    common_epochs,
    data_loss,
    diagnose_training,
    networks_of,
)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "Plotting needs matplotlib: pip install 'skmlp[plot]' (or matplotlib)."
        ) from error
    return plt


def fold_summary(diagnoses):
    """The folds' diagnoses in a few words: the leading pattern with its count
    ("good fit in 2 of 4 folds"), or, when no pattern leads, each pattern's."""
    counts = Counter(d.pattern.replace("_", " ") for d in diagnoses).most_common()
    of = f" of {len(diagnoses)} folds"
    if len(counts) == 1 or counts[0][1] > counts[1][1]:
        return f"{counts[0][0]} in {counts[0][1]}{of}"
    return "no majority: " + ", ".join(f"{p} in {c}" for p, c in counts) + of


def _leading(diagnoses):
    """The diagnosis of the first fold with the most common pattern."""
    pattern = Counter(d.pattern for d in diagnoses).most_common(1)[0][0]
    return next(d for d in diagnoses if d.pattern == pattern)


def _advice_text(patterns):
    """Each pattern's advice, one wrapped paragraph each, and where to read more."""
    lines = [f"{p}: {ADVICE[p]}" for p in dict.fromkeys(patterns)]
    lines.append(f"See {GUIDE}.")
    return "\n".join(textwrap.fill(line, 100) for line in lines)


def _final_estimator(estimator):
    """The MLP inside a pipeline (or the estimator itself)."""
    while hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return estimator


class TrainingCurveDisplay:
    """Training (and validation) loss per epoch, read by :func:`diagnose_training`.

    Follows scikit-learn's Display API: build it with :meth:`from_estimator`,
    :meth:`from_history` or :meth:`from_cv_results`, or construct it from
    arrays and call :meth:`plot`. The best validation epoch is marked with a
    dashed line and the diagnosed pattern is written in the title.

    Parameters
    ----------
    train_loss : array-like of shape (n_epochs,)
        Training loss per epoch (a mean over folds for cross-validation).
    valid_loss : array-like of shape (n_epochs,), default=None
        Validation loss per epoch.
    train_std, valid_std : array-like of shape (n_epochs,), default=None
        Standard deviation across folds, drawn as a band.
    best_epoch : int, default=None
        1-based epoch of the best validation score.
    diagnosis : TrainingDiagnosis, default=None
        The diagnosis shown in the title; if None, the leading one of
        ``fold_diagnoses``, or else computed from the curves.
    estimator_name : str, default=None
        Name used in the legend.
    fold_diagnoses : list of TrainingDiagnosis, default=None
        Each fold's own diagnosis (of curves that are a mean over folds): the
        title then gives their leading pattern with its count, e.g. "good fit
        in 2 of 4 folds", rather than a reading of the mean curve, which can
        show a pattern that no fold has.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the plot.
    figure_ : matplotlib Figure
        The figure of the plot.
    lines_ : dict
        ``{'train': Line2D, 'valid': Line2D, 'best': Line2D}`` (those drawn).
    diagnosis : TrainingDiagnosis
        What the curves were read as (of several folds: the first fold with
        the most common pattern).
    fold_diagnoses : list of TrainingDiagnosis or None
        Each fold's diagnosis, when the curves are a mean over folds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_moons
    >>> from skmlp import MLPClassifier
    >>> from skmlp.inspection import TrainingCurveDisplay
    >>> X, y = make_moons(300, noise=0.2, random_state=0)
    >>> clf = MLPClassifier(early_stopping=True, validation_fraction=0.2,
    ...                     max_iter=50, random_state=0).fit(X, y)
    >>> display = TrainingCurveDisplay.from_estimator(clf)
    >>> display.diagnosis.pattern.replace("_", " ") in display.ax_.get_title()
    True
    """

    def __init__(
        self,
        *,
        train_loss,
        valid_loss=None,
        train_std=None,
        valid_std=None,
        best_epoch=None,
        diagnosis=None,
        estimator_name=None,
        fold_diagnoses=None,
    ):
        self.train_loss = np.asarray(train_loss, dtype=float)
        self.valid_loss = (
            None if valid_loss is None else np.asarray(valid_loss, dtype=float)
        )
        self.train_std = train_std
        self.valid_std = valid_std
        self.best_epoch = best_epoch
        self.estimator_name = estimator_name
        self.fold_diagnoses = fold_diagnoses
        if diagnosis is None and fold_diagnoses:
            diagnosis = _leading(fold_diagnoses)
        if diagnosis is None:
            history = {"train_loss": self.train_loss}
            if self.valid_loss is not None:
                history["valid_loss"] = self.valid_loss
            diagnosis = diagnose_training(history)
        self.diagnosis = diagnosis

    def _draw_curves(self, ax, name):
        """The loss curves, each with its band of one standard deviation."""
        epochs = np.arange(1, self.train_loss.shape[0] + 1)
        curves = [("train", self.train_loss, self.train_std, "training loss")]
        if self.valid_loss is not None:
            curves.append(("valid", self.valid_loss, self.valid_std, "validation loss"))
        for key, mean, std, label in curves:
            label = f"{name}: {label}" if name else label
            (self.lines_[key],) = ax.plot(epochs, mean, label=label)
            if std is not None:
                std = np.asarray(std, dtype=float)
                color = self.lines_[key].get_color()
                ax.fill_between(epochs, mean - std, mean + std, alpha=0.2, color=color)

    def _title(self):
        if self.fold_diagnoses:
            n = len(self.fold_diagnoses)
            return (
                f"mean ± sd over {n} folds, each diagnosed on its own curves\n"
                f"diagnosis: {fold_summary(self.fold_diagnoses)}"
            )
        if self.diagnosis.pattern == "no_validation":
            return "training loss"
        return f"diagnosis: {self.diagnosis.pattern.replace('_', ' ')}"

    def _patterns(self):
        """The patterns the title names, the most common first."""
        if not self.fold_diagnoses:
            return [self.diagnosis.pattern]
        return [p for p, _ in Counter(d.pattern for d in self.fold_diagnoses).most_common()]

    def plot(self, ax=None, *, name=None, log_scale=False, advice=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is made if None.
        name : str, default=None
            Overrides ``estimator_name`` in the legend.
        log_scale : bool, default=False
            Use a logarithmic loss axis.
        advice : bool, default=False
            Write below the axes the advice of each pattern the title names
            and where the patterns are explained.

        Returns
        -------
        display : TrainingCurveDisplay
            ``self``, with ``ax_``, ``figure_`` and ``lines_`` set.
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        self.lines_ = {}
        self._draw_curves(ax, name or self.estimator_name)
        if self.best_epoch is not None:
            self.lines_["best"] = ax.axvline(
                self.best_epoch,
                color="grey",
                linestyle="--",
                label=f"best epoch ({self.best_epoch})",
            )
        if log_scale:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title(self._title())
        if advice:  # below the x label, whatever the figure's size
            ax.annotate(
                _advice_text(self._patterns()),
                xy=(0, 0),
                xycoords="axes fraction",
                xytext=(0, -36),
                textcoords="offset points",
                va="top",
                fontsize=8,
            )
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_history(cls, history, *, best_epoch=None, ax=None, name=None, log_scale=False):
        """Plot a ``history_`` dict (or any dict with ``train_loss`` and,
        optionally, ``valid_loss`` lists). The training curve is the data loss
        (``train_loss`` minus ``penalty``, where recorded), like the validation
        loss."""
        valid = history.get("valid_loss")
        if valid is not None and np.all(np.isnan(np.asarray(valid, dtype=float))):
            valid = None
        display = cls(
            train_loss=data_loss(history),
            valid_loss=valid,
            best_epoch=best_epoch,
            estimator_name=name,
        )
        return display.plot(ax=ax, log_scale=log_scale)

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, log_scale=False):
        """Plot a fitted skmlp estimator's (or pipeline's) training history; of
        an ensemble, the members' mean +- sd over the epochs they all reached
        (a member's own: ``from_estimator(estimator.estimators_[j])``); of a
        CV estimator, its final model's, read as :func:`diagnose_training`
        reads it (the networks of its heaviest candidate)."""
        estimator = _final_estimator(estimator)
        name = name or type(estimator).__name__
        estimator = networks_of(estimator)
        members = getattr(estimator, "estimators_", None)
        if members is not None:
            histories = _diagnosed_members(estimator)
            display = cls._from_histories(histories, name=name)
            return display.plot(ax=ax, log_scale=log_scale)
        return cls.from_history(
            estimator.history_,
            best_epoch=estimator.best_epoch_,
            ax=ax,
            name=name,
            log_scale=log_scale,
        )

    @classmethod
    def from_cv_results(
        cls, cv_results, *, ax=None, name=None, log_scale=False, advice=False
    ):
        """Mean +- sd across folds of ``cross_validate(..., return_estimator=True)``.

        Only the epochs that every fold reached are drawn: with early stopping
        the folds stop at different epochs, and a mean over fewer and fewer
        folds would jump wherever one drops out (each fold's own curve is
        in its ``history_``). Each fold is diagnosed on its own curves
        (``fold_diagnoses``); the title gives the most common pattern with
        its count. ``advice``: as in :meth:`plot`.
        """
        if "estimator" not in cv_results:
            raise ValueError(
                "cv_results has no 'estimator': call cross_validate with "
                "return_estimator=True."
            )
        # an ensemble's fold: its members' mean history
        histories = [_history_of(_final_estimator(e)) for e in cv_results["estimator"]]
        diagnoses = [diagnose_training(h) for h in histories]
        display = cls._from_histories(histories, name=name, fold_diagnoses=diagnoses)
        return display.plot(ax=ax, log_scale=log_scale, advice=advice)

    @classmethod
    def _from_histories(cls, histories, *, name, fold_diagnoses=None):
        """Mean +- sd of several histories over the epochs all of them reached
        (not yet drawn)."""
        train = common_epochs([data_loss(h) for h in histories])
        display = dict(
            train_loss=train.mean(axis=0),
            train_std=train.std(axis=0),
            estimator_name=name,
            fold_diagnoses=fold_diagnoses,
        )
        if all("valid_loss" in h for h in histories):
            valid = common_epochs([h["valid_loss"] for h in histories])
            display.update(valid_loss=valid.mean(axis=0), valid_std=valid.std(axis=0))
        return cls(**display)
