"""The folds skmlp chooses when given a number of them: the CV estimators'
inner folds and the command line's folds (``skmlp cv``) come from one
function, :func:`default_splitter`.

``n`` folds are shuffled (stratified for a classification target), or, with
groups, keep each group whole (stratified and shuffled for a classification
target, else :class:`~sklearn.model_selection.GroupKFold`); with fewer groups
than folds, one fold per group (leave-one-group-out), with a warning; a single
group is an error. The messages name the settings as the caller spells them:
``cv=5`` and ``groups`` for the estimators, ``--cv 5`` and ``--groups COLUMN``
on the command line.
"""

import warnings
from typing import NamedTuple

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    StratifiedGroupKFold,
    StratifiedKFold,
)

#: The number of folds when the caller leaves it unset (``cv=None``).
DEFAULT_N_SPLITS = 5


class Spelling(NamedTuple):
    """How a caller names its settings in the messages: the setting of the
    number of folds (``"cv"``: ``cv=5``; ``"--cv"``: ``--cv 5``), the groups,
    what one of its folds is called, and what to do about a single group."""

    cv: str
    groups: str
    fold: str
    remedy: str


#: The CV estimators' spelling: their parameters ``cv`` and ``groups``.
ESTIMATOR = Spelling(
    cv="cv",
    groups="groups",
    fold="inner fold",
    remedy="Pass groups with 2 or more distinct values, or fit without groups "
    "(inner folds by rows).",
)


def command_line(groups_column):
    """The command line's spelling: its options ``--cv`` and ``--groups``."""
    return Spelling(
        cv="--cv",
        groups=f"--groups {groups_column}",
        fold="fold",
        remedy="Choose another --groups column, or leave it out to split by rows.",
    )


def _setting(name, value):
    """``cv=None`` for a parameter, ``--cv 5`` for an option."""
    return f"{name} {value}" if name.startswith("-") else f"{name}={value!r}"


def default_splitter(n_splits, *, classify, groups=None, random_state=None, what=ESTIMATOR):
    """The splitter of ``n_splits`` folds (``None``: 5).

    Parameters
    ----------
    n_splits : int or None
        The number of folds asked for, as the caller's setting holds it.
    classify : bool
        Whether to stratify by the target (a classification target).
    groups : array-like of shape (n_samples,), default=None
        The group of each row; the folds then keep each group whole.
    random_state : int, None or callable, default=None
        The seed of the shuffled folds; a callable returning it is called
        only when the folds are shuffled (a caller drawing its seed from a
        generator then draws only when the seed is used).
    what : Spelling, default=ESTIMATOR
        How the caller names its settings in the messages.

    Returns
    -------
    splitter : scikit-learn cross-validation splitter
        ``split(X, y, groups)`` gives the folds.
    """
    given, n_splits = n_splits, DEFAULT_N_SPLITS if n_splits is None else n_splits
    if n_splits < 2:
        raise ValueError(f"{what.cv} must be at least 2; got {n_splits}")
    if groups is not None:
        n_groups = _check_groups(groups, _setting(what.cv, given), what)
        if n_groups < n_splits:
            _warn_fewer_groups(n_groups, n_splits, _setting(what.cv, given), what)
            return LeaveOneGroupOut()
        if not classify:
            return GroupKFold(n_splits)
        # rare classes spread over the folds, groups (patients) kept whole
        splitter = StratifiedGroupKFold
    else:
        splitter = StratifiedKFold if classify else KFold
    return splitter(n_splits, shuffle=True, random_state=_seed(random_state))


def _seed(random_state):
    return random_state() if callable(random_state) else random_state


def _check_groups(groups, setting, what):
    """The number of distinct groups; a single one is an error."""
    names = np.unique(groups)
    if len(names) < 2:
        raise ValueError(
            f"{what.groups} has a single group ({names.tolist()[0]!r}): the "
            f"{what.fold}s of {setting} keep each group whole and need at least 2 "
            f"groups. {what.remedy}"
        )
    return len(names)


def _warn_fewer_groups(n_groups, n_splits, setting, what):
    # leave-one-hospital-out leaves fewer hospitals than the default 5 folds:
    # the most folds that keep groups whole, not an error
    warnings.warn(
        f"{setting} asks for {n_splits} {what.fold}s, but {what.groups} has "
        f"{n_groups} groups: using one {what.fold} per group ({n_groups} folds, "
        f"leave-one-group-out). Pass {_setting(what.cv, n_groups)} (or fewer) to "
        "choose this without a warning.",
        UserWarning,
    )
