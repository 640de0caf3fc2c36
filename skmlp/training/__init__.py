"""Training loops: minibatches, schedules, stopping rules, L-BFGS.

Nothing in this sub-package imports scikit-learn.
"""
