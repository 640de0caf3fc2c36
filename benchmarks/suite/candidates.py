"""Candidate configurations of skmlp's CV estimators, one change each from
the defaults: the evidence a portfolio is chosen on (issue "Self-tuning that
wins on the suite"). Opt-in suite models (``--models "cv periodic" ...``),
never in the default run.

Each candidate is scored on the suite's folds like every other model; a
candidate's per-table gain over "skmlp CV" says where that change matters,
and the best candidate per table bounds what selecting among them could win.
"""

#: The headline metric of each task (the suite's report), as a scikit-learn
#: scoring name: a candidate may select its alpha by it instead of the loss.
HEADLINE_SCORING = {
    "binary": "roc_auc",
    "multiclass": "balanced_accuracy",
    "regression": "r2",
    "multilabel": "f1_micro",
}

#: name: (parameters, tasks it applies to or None for all)
CANDIDATES = {
    "cv periodic": (dict(feature_embedding="periodic"), None),
    "cv shared": (dict(ensemble_size=8, ensemble_kind="shared"), None),
    "cv balanced": (dict(class_weight="balanced"), ("binary", "multiclass")),
    "cv by metric": ("headline", None),
    "cv wide": (dict(hidden_layer_sizes=(256, 256)), None),
    "cv dropout": (dict(dropout=0.15), None),
    "cv long": (dict(learning_rate_init=0.002, max_iter=200, n_iter_no_change=20), None),
    "cv one layer": (dict(hidden_layer_sizes=(128,)), None),
}


def builder(name):
    """The suite builder ``(task, seed, X) -> Prepared`` of candidate ``name``."""
    params, tasks = CANDIDATES[name]

    def build(task, seed, X):
        from skmlp import MLPClassifierCV, MLPRegressorCV, MultiLabelMLPCV

        from .models import Prepared

        cls = {"regression": MLPRegressorCV, "multilabel": MultiLabelMLPCV}.get(
            task, MLPClassifierCV
        )
        given = {"scoring": HEADLINE_SCORING[task]} if params == "headline" else params
        applies = tasks is None or task in tasks
        return Prepared(cls(random_state=seed, **(given if applies else {})), groups=True)

    return build
