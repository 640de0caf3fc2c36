"""A benchmark suite of real biomedical tables against the models users pick
instead of skmlp (CatBoost and LightGBM at their defaults, HistGradientBoosting,
a regularised linear model, a random forest, scikit-learn's MLP).

``python -m benchmarks.suite --help`` (from the repository root) runs it;
``--report`` turns the cached results into ``docs/benchmarks.rst``. Needs the
``bench`` extra: ``pip install ".[bench]"``.
"""
