"""The NumPy core of skmlp: activations, losses, layers, network, optimizers.

Nothing in this sub-package imports scikit-learn.
"""
