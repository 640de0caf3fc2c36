"""The module paths of earlier versions, still importable.

A pickle or a skops file names each class by the module that defined it when
the file was written (``skmlp._classifier.MLPClassifier``). Those flat private
modules now live in folders; each old path is registered in ``sys.modules``
(and as an attribute of :mod:`skmlp`) as the module that holds its contents
now, so that ``pickle``, ``skops`` and ``import`` find the very same class
objects by their old names. No file is kept per old module.
"""

import importlib
import sys

#: Each flat module of earlier versions -> the module that holds its contents now.
MOVED = {
    "skmlp._base": "skmlp._estimators.base",
    "skmlp._classifier": "skmlp._estimators.classifier",
    "skmlp._regressor": "skmlp._estimators.regressor",
    "skmlp._multilabel": "skmlp._estimators.multilabel",
    "skmlp._callbacks": "skmlp._estimators.callbacks",
    "skmlp._docstrings": "skmlp._estimators.docstrings",
    "skmlp._validation": "skmlp._estimators.early_stopping_split",
    "skmlp._monitor": "skmlp._estimators.scoring",
    "skmlp._input": "skmlp._estimators.predict_input",
    "skmlp._tuned_base": "skmlp._tuned.base",
    "skmlp._halving": "skmlp._tuned.halving",
    "skmlp.model_axis.ensemble": "skmlp._estimators.ensemble",
}

#: Modules of earlier versions that are packages now, importable under the same
#: path: they re-export the classes they defined -> the modules defining them now.
BECAME_PACKAGES = {
    "skmlp._tuned": ("skmlp._tuned.estimators",),
    "skmlp.preprocessing": (
        "skmlp.preprocessing.smooth_clip",
        "skmlp.preprocessing.table_encoder",
    ),
}


def register():
    """Make every old path of :data:`MOVED` import the module it moved to."""
    for old, new in MOVED.items():
        module = sys.modules.setdefault(old, importlib.import_module(new))
        package, _, name = old.rpartition(".")
        setattr(sys.modules[package], name, module)


def old_names(cls):
    """The qualified names ``cls`` had in files saved before the move (none for
    a class that did not move)."""
    return [
        f"{old}.{cls.__qualname__}"
        for old, new in [*MOVED.items(), *BECAME_PACKAGES.items()]
        if cls.__module__ in ([new] if isinstance(new, str) else new)
    ]


register()
