"""Candidate configurations of skmlp's CV estimators, one change each from
the defaults: the evidence a portfolio is chosen on (issue "Self-tuning that
wins on the suite"). Opt-in suite models (``--models "cv periodic" ...``),
never in the default run.

Each candidate is scored on the suite's folds like every other model; a
candidate's per-table gain over "skmlp CV" says where that change matters,
and the best candidate per table bounds what selecting among them could win.
"""

from skmlp._tuned.portfolio import LINEAR_ALPHAS

#: The headline metric of each task (the suite's report), as a scikit-learn
#: scoring name: a candidate may select its alpha by it instead of the loss.
HEADLINE_SCORING = {
    "binary": "roc_auc",
    "multiclass": "balanced_accuracy",
    "regression": "r2",
    "multilabel": "f1_micro",
}


def _with_additive_model(bins):
    """The defaults' portfolio and, on tables of at most 32 columns, the
    linear model on each feature's piecewise-linear encoding over ``bins``
    bins: a generalised additive model."""
    additive = {"feature_embedding": "piecewise", "embedding_size": bins}
    linear = {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS}
    return [{}, linear, {**linear, **additive, "narrow": 32}]


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
    # the defaults before portfolios: the alphas of one configuration, the best kept
    "cv single": (dict(portfolio=None, selection="best"), None),
    # ensemble selection over the alphas of today's one configuration
    "cv ensemble": (dict(selection="ensemble"), None),
    # today's network and a linear model solved at each alpha, ensembled
    "cv linear": (
        dict(
            portfolio=[{}, {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS}],
            selection="ensemble",
        ),
        None,
    ),
    # the same candidates, the best one kept (no ensemble selection)
    "cv linear best": (
        dict(portfolio=[{}, {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS}]),
        None,
    ),
    # the four configurations below and the linear model, ensembled
    "cv portfolio linear": (
        dict(
            portfolio=[
                {},
                {"dropout": 0.15},
                {"hidden_layer_sizes": (128,)},
                {"learning_rate_init": 0.002, "max_iter": 200, "n_iter_no_change": 20},
                {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS},
            ],
            selection="ensemble",
        ),
        None,
    ),
    # the defaults, every choice by the table's headline metric
    "cv metric": (dict(scoring="headline"), None),
    # the same, each configuration also with balanced class weights
    "cv metric balanced": (
        dict(
            scoring="headline",
            portfolio=[
                {},
                {"class_weight": "balanced"},
                {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS},
                {
                    "hidden_layer_sizes": (),
                    "alphas": LINEAR_ALPHAS,
                    "class_weight": "balanced",
                },
            ],
        ),
        ("binary", "multiclass"),
    ),
    # the defaults with a wider network and (at most 100 features) periodic embeddings
    "cv best": (
        dict(
            portfolio=[
                {},
                {"hidden_layer_sizes": (256, 256)},
                {"feature_embedding": "periodic", "narrow": True},
                {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS},
            ]
        ),
        None,
    ),
    # the defaults with piecewise-linear embeddings on tables of at most 100 columns
    "cv piecewise": (
        dict(
            portfolio=[
                {},
                {"feature_embedding": "piecewise", "embedding_size": 16, "narrow": True},
                {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS},
            ]
        ),
        None,
    ),
    # the defaults, four independent networks per fold and candidate
    "cv seeds": (dict(ensemble_size=4), None),
    # the defaults, the wider network and both embeddings (narrow tables)
    "cv large": (
        dict(
            portfolio=[
                {},
                {"hidden_layer_sizes": (256, 256)},
                {"feature_embedding": "periodic", "narrow": True},
                {"feature_embedding": "piecewise", "embedding_size": 16, "narrow": True},
                {"hidden_layer_sizes": (), "alphas": LINEAR_ALPHAS},
            ]
        ),
        None,
    ),
    # every network trained through its schedule, keeping its last weights
    "cv through": (dict(n_iter_no_change=None), None),
    # the same through shorter schedules at higher learning rates
    "cv through 50": (
        dict(n_iter_no_change=None, max_iter=50, learning_rate_init=0.008),
        None,
    ),
    "cv through 40": (
        dict(n_iter_no_change=None, max_iter=40, learning_rate_init=0.01),
        None,
    ),
    # the 40-epoch schedule stopped early as the defaults stop
    "cv stopped 40": (dict(max_iter=40, learning_rate_init=0.01), None),
    "cv best through 40": (
        dict(portfolio="best", n_iter_no_change=None, max_iter=40, learning_rate_init=0.01),
        None,
    ),
    # the "best" preset: the defaults and both embeddings (at most 32 columns)
    "cv preset best": (dict(portfolio="best"), None),
    # the defaults and, on tables of at most 32 columns, a generalised additive
    # model: the linear model on each feature's piecewise-linear encoding
    "cv gam": (dict(portfolio=_with_additive_model(8)), None),
    # the same with 16 bins a feature
    "cv gam16": (dict(portfolio=_with_additive_model(16)), None),
    # a portfolio of the changes that need no common scoring, ensembled
    "cv portfolio": (
        dict(
            portfolio=[
                {},
                {"dropout": 0.15},
                {"hidden_layer_sizes": (128,)},
                {"learning_rate_init": 0.002, "max_iter": 200, "n_iter_no_change": 20},
            ],
            selection="ensemble",
        ),
        None,
    ),
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
        given = (
            {"scoring": HEADLINE_SCORING[task]} if params == "headline" else dict(params)
        )
        if given.get("scoring") == "headline":
            given["scoring"] = HEADLINE_SCORING[task]
        if "portfolio" in given and not isinstance(given["portfolio"], str):
            given["portfolio"] = _for_width(given["portfolio"], X.shape[1])
        applies = tasks is None or task in tasks
        return Prepared(cls(random_state=seed, **(given if applies else {})), groups=True)

    return build


def _for_width(portfolio, n_features, narrow=100):
    """The configurations of ``portfolio`` for a table of ``n_features``
    columns: one marked ``"narrow"`` only where there are at most ``narrow``
    (or at most its own number: ``"narrow": 32``)."""
    kept = [c for c in portfolio if not c.get("narrow") or n_features <= _limit(c, narrow)]
    return [{k: v for k, v in c.items() if k != "narrow"} for c in kept]


def _limit(configuration, default):
    limit = configuration["narrow"]
    return default if limit is True else limit


def gains(frame, reference="skmlp CV"):
    """Each candidate against ``reference`` (``frame``: the report's records
    with a headline ``score``), on the tables both ran: the mean and median
    gain of score, and on how many tables it is better or worse beyond one
    paired standard error of the folds (the suite's tie rule). The last row,
    "best per table", is the gain of the best candidate on each table: an
    upper bound on what choosing among them could win (it is chosen on the
    test folds)."""
    import pandas as pd

    from . import aggregate

    table = aggregate.per_table(frame)
    scores = table.pivot(index="table", columns="model", values="score")
    names = [c for c in CANDIDATES if c in scores.columns and c != reference]
    deltas = scores[names].sub(scores[reference], axis=0)
    versus = aggregate.win_rates(frame[frame["model"].isin([reference, *names])], reference)
    versus = versus.set_index("model")
    rows = [
        {
            "candidate": name,
            "tables": int(deltas[name].notna().sum()),
            "mean_gain": deltas[name].mean(),
            "median_gain": deltas[name].median(),
            "better": int(versus.loc[name, "loss"]),
            "worse": int(versus.loc[name, "win"]),
        }
        for name in names
    ]
    best = deltas.max(axis=1).clip(lower=0)
    rows.append(
        {
            "candidate": "best per table",
            "tables": int(best.notna().sum()),
            "mean_gain": best.mean(),
            "median_gain": best.median(),
        }
    )
    summary = pd.DataFrame(rows).astype({"better": "Int64", "worse": "Int64"})
    return summary, deltas


def leave_families_out(deltas, families, names):
    """The choice of a default among ``names`` (and the reference itself,
    gain 0), checked on tables it was not chosen on: for each family of
    tables, the candidate of the best mean gain on the other families'
    tables, and its mean gain on the family left out. ``deltas``: each
    candidate's gain per table (:func:`gains`); ``families``: table ->
    family. A choice that only fits the suite changes from family to family
    or loses on the families it did not see."""
    import pandas as pd

    gains_ = deltas[names].assign(reference=0.0)
    rows = []
    for family in sorted(set(families.values())):
        held = [t for t in gains_.index if families[t] == family]
        seen = gains_.drop(index=held)
        chosen = seen.mean().idxmax()
        rows.append(
            {
                "left out": family,
                "tables": len(held),
                "chosen on the rest": chosen,
                "gain on the rest": seen[chosen].mean(),
                "gain on the family": gains_.loc[held, chosen].mean(),
            }
        )
    return pd.DataFrame(rows)


def main(argv=None):
    """``python -m benchmarks.suite.candidates [--cache DIR]``: the candidates'
    gains over "skmlp CV" from a suite cache, per table and in all."""
    import argparse

    from .report import collect
    from .run import Cache
    from .tables import BY_NAME

    parser = argparse.ArgumentParser(prog="python -m benchmarks.suite.candidates")
    parser.add_argument("--cache", default="benchmarks/suite_cache")
    parser.add_argument(
        "--defaults",
        nargs="+",
        metavar="CANDIDATE",
        help="also choose a default among these candidates, leaving each family "
        "of tables out in turn (candidates that ran on every table)",
    )
    parser.add_argument(
        "--reference",
        default="skmlp CV",
        help="the model the gains are over (default 'skmlp CV'; e.g. 'cv linear', "
        "the defaults' parameters, where 'skmlp CV' ran at older defaults)",
    )
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(["skmlp CV", *CANDIDATES]))
    frame = collect(Cache(args.cache), list(BY_NAME), names)
    summary, deltas = gains(frame, reference=args.reference)
    print(deltas.round(3).to_string())
    print()
    print(summary.round(4).to_string(index=False))
    if args.defaults:
        families = {name: table.family for name, table in BY_NAME.items()}
        checked = leave_families_out(
            deltas.dropna(subset=args.defaults), families, args.defaults
        )
        print()
        print(checked.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
