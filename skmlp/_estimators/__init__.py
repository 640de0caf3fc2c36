"""The scikit-learn facade: the estimators' parameters, input checks and
fitted attributes (:mod:`.base`), MLPClassifier, MLPRegressor and
MultiLabelMLP, the early-stopping split, the per-epoch validation scorer,
callbacks and the shared docstrings. The public names are :mod:`skmlp`'s."""
