"""An automatic reading of training and validation loss curves.

The rules follow the lecture notes' patterns (six, one of them in two
forms), in this order (the first
that holds wins):

1. ``validation_below_train`` -- the validation loss stays below the
   training loss, by a wide margin, for most of training (often dropout or
   other regularisation active in training only).
2. ``overfit`` -- the validation loss has a minimum (the divergence point)
   well before the end and rises after it, beyond its noise, while the
   training loss keeps falling.
3. ``unrepresentative_validation_noisy`` -- the validation loss jitters far
   more than the training loss does, with no clear trend.
4. ``unrepresentative_train`` -- the training loss keeps decreasing while the
   validation loss has levelled off much higher: the gap is wide and still
   growing.
5. ``underfit_stopped_early`` -- both curves are still clearly decreasing at
   the end of training.
6. ``underfit_capacity`` -- both curves are flat, at a high level: training
   ended not far below where it started.
7. ``good_fit`` -- otherwise: both fell and levelled off, close together.

Without a validation curve the verdict is ``no_validation``.

Every quantity is scale-free: losses are divided by the starting loss level
(the larger of the first training and validation losses, i.e. roughly the
loss of the untrained network), so the rules work for any loss and any
units. Curves are smoothed with a centred moving median before trends are
read, and the noise of a curve is the spread of its residuals around that
smooth. The thresholds are the module constants below.
"""

from dataclasses import dataclass, field

import numpy as np

PATTERNS = (
    "underfit_capacity",
    "underfit_stopped_early",
    "overfit",
    "good_fit",
    "unrepresentative_train",
    "unrepresentative_validation_noisy",
    "validation_below_train",
    "no_validation",
)

#: Final training loss above this fraction of the starting level is "high".
HIGH_LEVEL = 0.5
#: A curve is "still decreasing" when its drop over the last fifth of
#: training exceeds this share of its whole drop (an exponential approach
#: that has levelled off shows ~0 %), and 3x its noise, and ...
STILL_DECREASING = 0.05
#: ... this absolute floor (fraction of the starting level).
MIN_DROP = 0.005
#: A validation rise after its minimum must exceed this and 3x its noise.
RISE = 0.03
#: Validation noise above this, and above 3x the training noise, is "noisy".
NOISY = 0.03
#: A validation-minus-training gap beyond this is "wide" ...
WIDE_GAP = 0.1
#: ... and "growing" when it widened by more than this over the second half.
GROWING_GAP = 0.04
#: Share of epochs with validation below training for validation_below_train.
BELOW_SHARE = 0.8

ADVICE = {
    "underfit_capacity": (
        "Both losses level off high: the model is too simple for the data (or the "
        "learning rate too high). Add units or layers, improve the features, or lower "
        "learning_rate_init."
    ),
    "underfit_stopped_early": (
        "Both losses were still falling when training stopped: train longer (raise "
        "max_iter) or make early stopping more patient (n_iter_no_change)."
    ),
    "overfit": (
        "Validation loss turns upward after the divergence epoch while training loss "
        "keeps falling: the network memorises. Regularise (alpha, dropout), shrink the "
        "network, or stop at the divergence point (early_stopping=True)."
    ),
    "good_fit": (
        "Both losses fall and level off close together: a good fit. A small, stable "
        "gap is normal."
    ),
    "unrepresentative_train": (
        "Validation loss levels off far above a still-falling training loss and the "
        "gap keeps widening: the training data do not explain the validation data. "
        "Collect more data or check for a shift between them (batches, sites, "
        "patients)."
    ),
    "unrepresentative_validation_noisy": (
        "Validation loss is much noisier than training loss: the validation set is too "
        "small or not representative. Enlarge it, stratify or group it, or use "
        "cross-validation."
    ),
    "validation_below_train": (
        "Validation loss stays well below training loss: often dropout or other "
        "training-only regularisation, sometimes an easier validation set. Understand "
        "the cause before trusting either curve."
    ),
    "no_validation": (
        "There is no validation curve to read: fit with early_stopping=True or pass "
        "X_val, y_val (a linear model solved to its optimum, as a CV estimator's "
        "linear candidates are, has none)."
    ),
}

#: Where the patterns and their remedies are explained, for messages that name
#: a pattern (the command line's table and figure).
GUIDE = "the user guide's 'Reading learning curves' (docs/user_guide/learning_curves.rst)"


@dataclass
class TrainingDiagnosis:
    """The verdict of :func:`diagnose_training`.

    Attributes
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    evidence : dict
        The numbers the verdict rests on (scale-free, in units of the starting
        loss level): ``scale``, ``final_train_level``, ``train_tail_drop``,
        ``valid_tail_drop``, ``divergence_epoch``, ``valid_rise``, ``final_gap``,
        ``gap_growth``, ``train_noise``, ``valid_noise``, ``share_valid_below``.
    advice : str
        One or two sentences on what to do, after the lecture notes' remedies.
    """

    pattern: str
    evidence: dict = field(default_factory=dict)
    advice: str = ""

    def __str__(self):
        numbers = ", ".join(f"{k}={_fmt(v)}" for k, v in self.evidence.items())
        return f"{self.pattern}: {self.advice} ({numbers})"


def _fmt(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def common_epochs(curves):
    """Curves as the rows of an array, cut to the epochs every curve reached."""
    shortest = min(len(c) for c in curves)
    return np.array([c[:shortest] for c in curves], dtype=float)


def mean_history(histories):
    """The mean curves of several histories (an ensemble's members, the folds
    of a cross-validation) over the epochs all of them reached: a history with
    ``train_loss`` (the data loss) and, when every history has one,
    ``valid_loss``."""
    mean = {"train_loss": common_epochs([data_loss(h) for h in histories]).mean(axis=0)}
    if all("valid_loss" in h for h in histories):
        mean["valid_loss"] = common_epochs([h["valid_loss"] for h in histories]).mean(
            axis=0
        )
    return mean


def networks_of(estimator):
    """The fitted networks of ``estimator``: a CV estimator's final model
    (``estimator_``), else the estimator itself."""
    final = getattr(estimator, "estimator_", None)
    return final if final is not None and not hasattr(estimator, "history_") else estimator


def _history_of(estimator_or_history):
    """A history dict: the given one, an estimator's ``history_`` (a CV
    estimator's: its final model's), or an ensemble's members' mean history
    (:func:`_diagnosed_members`)."""
    estimator_or_history = networks_of(estimator_or_history)
    members = getattr(estimator_or_history, "estimators_", None)
    if members is not None:
        return mean_history(_diagnosed_members(estimator_or_history))
    return getattr(estimator_or_history, "history_", estimator_or_history)


def _diagnosed_members(ensemble):
    """The histories of the members of ``ensemble`` to diagnose: all of them,
    except in a CV estimator's final model, which mixes candidates with their
    weights (``_member_weights``): there, of the members trained with a
    validation curve (not the linear models solved to their optimum), those
    of the greatest weight -- the networks of one candidate, whose curves
    end alike (a candidate pruned by halving stopped at its rung)."""
    histories = [m.history_ for m in ensemble.estimators_]
    weights = ensemble.__dict__.get("_member_weights")
    validated = [i for i, h in enumerate(histories) if "valid_loss" in h]
    if weights is None or not validated:
        return histories
    top = max(weights[i] for i in validated)
    return [histories[i] for i in validated if weights[i] == top]


def data_loss(history):
    """The training curve to compare with ``valid_loss``: ``train_loss`` minus
    the epoch's mean ``penalty`` where the history records one (skmlp's
    stochastic fits), as the validation loss has no penalty."""
    train = np.asarray(history["train_loss"], dtype=float)
    penalty = history.get("penalty")
    if penalty is None:
        return train
    return train - np.nan_to_num(np.asarray(penalty, dtype=float))  # NaN: none


def diagnose_training(estimator_or_history):
    """Read a training history and name its pattern.

    Parameters
    ----------
    estimator_or_history : fitted estimator or dict
        A fitted skmlp estimator (its ``history_`` is read; of a CV
        estimator, its final model's, ``estimator_``; for an ensemble,
        the members' mean curves over the epochs they all reached -- of a CV
        estimator's ``estimator_``, which mixes candidates, the networks of
        the candidate of the greatest weight among those trained with a
        validation curve; diagnose a member with
        ``diagnose_training(estimator.estimators_[j])``), or any dict with
        at least a ``train_loss`` list and, to be diagnosed, a ``valid_loss``
        list of the same length. A ``penalty`` list (skmlp's histories have
        one) is subtracted from ``train_loss``, so that two data losses are
        compared; other keys are ignored.

    Returns
    -------
    diagnosis : TrainingDiagnosis
        ``pattern``, ``evidence`` and ``advice``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.inspection import diagnose_training
    >>> epochs = np.arange(60)
    >>> train = 0.1 + np.exp(-epochs / 8)
    >>> valid = 0.2 + np.exp(-epochs / 8) + 0.01 * np.maximum(epochs - 20, 0)
    >>> diagnose_training({"train_loss": train, "valid_loss": valid}).pattern
    'overfit'
    """
    history = _history_of(estimator_or_history)
    if not isinstance(history, dict) or "train_loss" not in history:
        raise TypeError(
            "diagnose_training needs a fitted skmlp estimator or a dict with a "
            f"'train_loss' list; got {type(estimator_or_history).__name__}."
        )
    train = data_loss(history)
    valid = np.asarray(history.get("valid_loss", np.full_like(train, np.nan)), dtype=float)
    if valid.shape != train.shape:
        raise ValueError(
            f"train_loss and valid_loss must have the same length; got {train.shape[0]} "
            f"and {valid.shape[0]}."
        )
    finite = np.isfinite(train) & np.isfinite(valid)
    if finite.sum() < 3:
        evidence = {"n_epochs": int(train.shape[0])}
        return TrainingDiagnosis("no_validation", evidence, ADVICE["no_validation"])
    evidence = _evidence(train[finite], valid[finite])
    pattern = _classify(evidence)
    return TrainingDiagnosis(pattern, evidence, ADVICE[pattern])


def _smooth(values):
    """Centred moving median over ~1/8 of the curve (at least 3 points)."""
    n = values.shape[0]
    half = max(1, n // 16)
    padded = np.pad(values, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.median(windows, axis=1)


def _evidence(train, valid):
    n = train.shape[0]
    scale = max(abs(train[0]), abs(valid[0]), np.finfo(float).tiny)
    T, V = _smooth(train) / scale, _smooth(valid) / scale
    tail = max(2, n // 5)
    lowest = int(np.argmin(V))
    gap = V - T
    return {
        "n_epochs": n,
        "scale": float(scale),
        "final_train_level": float(T[-1] / (train[0] / scale)),
        "train_tail_drop": float(T[-tail - 1] - T[-1]),
        "valid_tail_drop": float(V[-tail - 1] - V[-1]),
        "train_total_drop": float(T[0] - T[-1]),
        "valid_total_drop": float(V[0] - V[-1]),
        "divergence_epoch": lowest + 1,
        "valid_rise": float(V[-1] - V[lowest]),
        "train_drop_after_divergence": float(T[lowest] - T[-1]),
        "final_gap": float(gap[-1]),
        "gap_growth": float(gap[-1] - gap[n // 2]),
        "train_noise": float(np.std(train / scale - T)),
        "valid_noise": float(np.std(valid / scale - V)),
        "share_valid_below": float(np.mean(valid < train)),
        "tail_epochs": tail,
    }


def _classify(e):
    n, tail = e["n_epochs"], e["tail_epochs"]
    if e["share_valid_below"] >= BELOW_SHARE and e["final_gap"] < -WIDE_GAP / 2:
        return "validation_below_train"
    rising = e["valid_rise"] > max(RISE, 3 * e["valid_noise"])
    if (
        rising
        and e["divergence_epoch"] <= n - tail
        and e["train_drop_after_divergence"] > 0
    ):
        return "overfit"
    if e["valid_noise"] > max(NOISY, 3 * e["train_noise"]):
        return "unrepresentative_validation_noisy"
    train_falling = _still_decreasing(e, "train")
    valid_falling = _still_decreasing(e, "valid")
    if not valid_falling and e["final_gap"] > WIDE_GAP and e["gap_growth"] > GROWING_GAP:
        return "unrepresentative_train"
    if train_falling and valid_falling:
        return "underfit_stopped_early"
    if e["final_train_level"] > HIGH_LEVEL:
        return "underfit_capacity"
    return "good_fit"


def _still_decreasing(e, curve):
    drop = e[f"{curve}_tail_drop"]
    floor = max(MIN_DROP, 3 * e[f"{curve}_noise"])
    return drop > floor and drop > STILL_DECREASING * e[f"{curve}_total_drop"]
