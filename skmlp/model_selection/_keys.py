"""Keys by content: which candidates of a search share a fold's preprocessing
and which fits can train together."""

from .._estimators.content import content_key


def final_key(final, per_member):
    """What a skmlp estimator shares with those it can train with (all its
    parameters but those in ``per_member``), by content."""
    params = final.get_params(deep=False)
    fixed = [(name, content_key(value)) for name, value in sorted(params.items())]
    return (type(final), tuple(item for item in fixed if item[0] not in per_member))


def preprocessing_key(pipeline):
    """The parameters of a pipeline's preprocessing steps, by content."""
    names = [name for name, _ in pipeline.steps[:-1]]
    params = pipeline.get_params(deep=True)
    return tuple(
        (key, content_key(value))
        for key, value in sorted(params.items())
        if key.partition("__")[0] in names
    )
