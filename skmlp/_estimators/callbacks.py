"""The bridge to scikit-learn's callback API (scikit-learn >= 1.9)."""

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9 has no callback API: no set_callbacks

    class CallbackSupportMixin:
        """Stand-in for scikit-learn's mixin where it does not exist."""


def callback_data(X, y, sample_weight):
    """The training data as callbacks get it: as the user passed it to fit, so that
    ``fitted_estimator.score(X, y)`` is what the user would compute."""
    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    return {"X": X, "y": y, "metadata": metadata}


class FitTasks:
    """One fit or partial_fit call as scikit-learn's callbacks see it.

    A root task (``task_name``) with one subtask (``subtask_name``) per epoch
    of the stochastic solvers or per L-BFGS iteration. Every hook gets the
    user's ``X``, ``y`` and sample weights, and the reconstruction attributes
    of the model at that point (``snapshot``, computed only when a callback
    asks for a ``fitted_estimator``). An epoch or iteration whose end hook
    returns true is the last one.
    """

    def __init__(self, estimator, task_name, subtask_name, max_subtasks, data, snapshot):
        self._arguments = dict(estimator=estimator, reconstruction_attributes=snapshot)
        self._arguments.update(data)
        self._subtask_name, self._subtask = subtask_name, None
        self._root = estimator._init_callback_context(
            task_name=task_name, max_subtasks=max_subtasks
        )
        self._root.call_on_fit_task_begin(**self._arguments)
        self._active = bool(getattr(estimator, "_skl_callbacks", None))

    def hooks(self):
        """``(on_begin, on_end)`` for the training loop; ``(None, None)`` without
        callbacks, so that the loop does no work for them."""
        if not self._active:
            return None, None
        return self._begin_subtask, self._end_subtask

    def _begin_subtask(self):
        self._subtask = self._root.subcontext(task_name=self._subtask_name)
        self._subtask.call_on_fit_task_begin(**self._arguments)

    def _end_subtask(self):
        subtask, self._subtask = self._subtask, None
        return subtask.call_on_fit_task_end(**self._arguments)

    def finish(self, teardown=False):
        """End the root task (and, empty, a subtask cut short by divergence or an
        interruption). ``teardown``: also tear the callbacks down, as
        scikit-learn does at the end of a ``fit`` it wraps, for an estimator
        trained as a member of another's fit (an ensemble's)."""
        estimator = self._arguments["estimator"]
        if self._subtask is not None:
            self._subtask.call_on_fit_task_end(estimator=estimator)
        self._root.call_on_fit_task_end(**self._arguments)
        if teardown:
            context = estimator.__dict__.pop("_callback_fit_ctx", None)
            for callback in estimator.__dict__.pop("_skl_callbacks_to_teardown", []):
                callback.teardown(estimator=estimator, context=context)


class _NoFitTasks:
    """The tasks of a fit when scikit-learn has no callback API."""

    def hooks(self):
        return None, None

    def finish(self, teardown=False):
        pass


NO_TASKS = _NoFitTasks()
