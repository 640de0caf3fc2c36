"""Shared numpydoc text: each parameter and attribute is documented once.

Estimator docstrings contain the markers ``<<PARAMETERS>>`` and
``<<ATTRIBUTES>>``; :func:`document` replaces them with the entries named in
the estimator's ``__init__`` signature (parameters) and in its ``_attributes``
list, in that order.
"""

import inspect
import textwrap

PARAMETERS = {
    "hidden_layer_sizes": """\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
    The ith element is the number of neurons in the ith hidden layer.""",
    "activation": """\
activation : {'identity', 'logistic', 'sigmoid', 'tanh', 'relu', 'leaky_relu', \
'elu', 'softplus', 'gelu'}, default='relu'
    Hidden-layer activation. 'sigmoid' is another name for 'logistic';
    'leaky_relu' has slope 0.01 below zero, 'elu' has alpha = 1, 'gelu' is the
    tanh approximation.""",
    "solver": """\
solver : {'adam', 'sgd', 'lbfgs', 'adamw', 'rmsprop'}, default='adam'
    The weight optimiser. 'lbfgs' is scipy's L-BFGS-B on the full batch;
    'adamw' is Adam with decoupled ``weight_decay``; 'rmsprop' divides the
    gradient by a running root-mean-square with decay ``beta_2``.""",
    "alpha": """\
alpha : float, default=0.0001
    Strength of the penalty on the weights (not the biases), divided by the
    (weighted) batch size as in scikit-learn. With ``l1_ratio = 0`` it is
    scikit-learn's L2 penalty ``alpha / 2 * ||W||^2``.""",
    "l1_ratio": """\
l1_ratio : float in [0, 1], default=0.0
    Elastic-net mixing, as in :class:`~sklearn.linear_model.ElasticNet`: the
    penalty is ``alpha * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2)``.
    The L1 part is a proximal soft-threshold step after each update, so it
    produces exact zeros; a whole zero row of ``coefs_[0]`` switches an input
    feature off (see ``feature_importances_``). Needs a stochastic solver.""",
    "batch_size": """\
batch_size : int or 'auto', default='auto'
    Minibatch size of the stochastic solvers; 'auto' is ``min(200, n_samples)``.""",
    "learning_rate": """\
learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, default='constant'
    Learning-rate schedule. scikit-learn's three are ``solver='sgd'``'s:
    'invscaling' uses ``learning_rate_init / (t + 1) ** power_t`` (``t``
    samples seen); 'adaptive' divides the rate by 5 whenever training
    stalls. 'cosine' (skmlp's, for every stochastic solver) gives training a
    fixed budget of ``max_iter`` epochs: after epoch ``e`` the rate is
    ``learning_rate_init * (1 + cos(pi * e / max_iter)) / 2``, from
    ``learning_rate_init`` down to 0 at the end of the budget; each ``fit``
    is one budget, ``partial_fit`` counts every epoch since the last fresh
    start. With early stopping on, training may still stop before the
    budget ends; reaching the budget gives no ConvergenceWarning.""",
    "learning_rate_init": """\
learning_rate_init : float, default=0.001
    Initial learning rate of the stochastic solvers.""",
    "power_t": """\
power_t : float, default=0.5
    Exponent of the 'invscaling' schedule.""",
    "max_iter": """\
max_iter : int, default=200
    Maximum number of epochs (stochastic solvers) or iterations ('lbfgs').""",
    "shuffle": """\
shuffle : bool, default=True
    Whether to shuffle the samples every epoch.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seeds the initial weights, the validation split, the shuffling and the
    dropout masks. The same integer gives bit-identical results.""",
    "tol": """\
tol : float, default=1e-4
    Improvement (of the training loss, or of the validation score with early
    stopping) below which an epoch counts as no improvement.""",
    "verbose": """\
verbose : bool, default=False
    Print progress messages.""",
    "warm_start": """\
warm_start : bool, default=False
    Start ``fit`` from the previous solution instead of new weights.""",
    "momentum": """\
momentum : float, default=0.9
    Momentum of 'sgd'.""",
    "nesterovs_momentum": """\
nesterovs_momentum : bool, default=True
    Whether 'sgd' uses Nesterov's momentum.""",
    "early_stopping": """\
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data, stop when the
    validation score has not improved by ``tol`` for ``n_iter_no_change``
    epochs, and restore the best weights. Applies to ``fit``; ``partial_fit``
    trains on every row it is given.""",
    "validation_fraction": """\
validation_fraction : float, default=0.1
    Fraction of the training data held out for early stopping.""",
    "beta_1": """\
beta_1 : float, default=0.9
    Decay rate of the first-moment estimate ('adam', 'adamw').""",
    "beta_2": """\
beta_2 : float, default=0.999
    Decay rate of the second-moment estimate ('adam', 'adamw', 'rmsprop').""",
    "epsilon": """\
epsilon : float, default=1e-8
    Numerical-stability term of 'adam', 'adamw' and 'rmsprop'.""",
    "n_iter_no_change": """\
n_iter_no_change : int, default=10
    Epochs without improvement tolerated before stopping.""",
    "max_fun": """\
max_fun : int, default=15000
    Maximum number of loss evaluations of 'lbfgs'.""",
    "dropout": """\
dropout : float or array-like of shape (n_layers - 2,), default=0.0
    Inverted-dropout rate after each hidden layer (one rate for all, or one
    per layer), during training only: predictions are deterministic.""",
    "batch_norm": """\
batch_norm : bool, default=False
    Batch-normalise each hidden layer's pre-activations; predictions use
    running statistics.""",
    "residual": """\
residual : bool, default=False
    Skip connections ``A = phi(A_prev W + b) + A_prev`` between consecutive
    hidden layers of equal width.""",
    "feature_embedding": """\
feature_embedding : {'periodic', 'piecewise'} or None, default=None
    A numerical embedding of each input feature before the first hidden
    layer (Gorishniy et al., 2022); its width is ``embedding_size``.
    'periodic' maps ``x`` to ``ReLU([sin(2 pi c x), cos(2 pi c x)] W + b)``
    with learned frequencies ``c`` and a linear layer of each feature's own
    (no penalty acts on them); 'piecewise' encodes ``x`` piecewise-linearly
    over quantile bins of the training rows (those of the fit that starts
    the network: ``partial_fit`` and ``warm_start`` keep the first call's
    bins). The first layer's fan-in is
    then ``n_features_in_ * embedding_size``, and ``coefs_[0]`` has one
    block of ``embedding_size`` rows per feature. Needs dense ``X`` on a
    unit scale (standardise first). None: scikit-learn's MLP.""",
    "embedding_size": """\
embedding_size : int, default=8
    Width of ``feature_embedding``: the number of frequencies and output
    units of 'periodic', of bins of 'piecewise'. Unused without an
    embedding.""",
    "init": """\
init : {'sklearn', 'auto', 'glorot_uniform', 'glorot_normal', 'he_uniform', \
'he_normal'}, default='sklearn'
    Weight initialisation. 'sklearn' reproduces scikit-learn's MLP exactly;
    'auto' is Glorot for saturating activations and He for the ReLU family;
    the others draw weights by that rule with zero biases.""",
    "clip_norm": """\
clip_norm : float or None, default=None
    Rescale each minibatch gradient so that its global L2 norm is at most
    this value.""",
    "weight_decay": """\
weight_decay : float, default=0.01
    Decoupled weight decay of ``solver='adamw'`` (weights only).""",
    "scoring": """\
scoring : None, 'loss', str or callable, default=None
    What the validation set is scored with every epoch (and what early
    stopping monitors): None is the estimator's ``score`` (accuracy, R^2, as
    in scikit-learn); 'loss' the negative validation loss; any other string
    or callable a scikit-learn scorer, e.g. 'average_precision',
    ``make_scorer(matthews_corrcoef)``, 'neg_mean_absolute_error'.""",
    "restore_best_weights": """\
restore_best_weights : bool, default=True
    With early stopping, end with the weights of the best validation epoch
    (``best_epoch_``) rather than those of the last one.""",
    "ensemble_size": """\
ensemble_size : int, default=1
    Number of networks trained and averaged (probabilities for a
    classifier, outputs for a regressor). Member ``j`` is exactly the model
    of the same estimator with ``ensemble_size=1`` and ``random_state``
    ``seeds[j]``, drawn from ``random_state``; it has its own initial weights,
    shuffles and early-stopping split, and stops on its own validation score
    (``estimators_[j]``). Members train together as one batched program when
    they can and it pays (a stochastic solver, dense input, networks of at
    most 32768 parameters), otherwise one after the other; the result is the
    same, and a member that diverges stops alone (see the user guide's page
    on ensembles). With ``ensemble_size > 1`` the per-epoch
    attributes (``loss_curve_``, ``history_``, ``best_epoch_``, ...) are lists
    with one entry per member, and ``coefs_`` / ``intercepts_`` read-only
    stacked arrays ``(ensemble_size, ...)``. ``warm_start`` and ``partial_fit``
    continue each member with the current parameters, as each would be
    continued alone; a ``warm_start`` fit may add members, never remove
    them. With ``ensemble_kind='shared'`` the members are the heads of one
    network instead (see there).""",
    "ensemble_kind": """\
ensemble_kind : {'independent', 'shared'}, default='independent'
    'independent': ``ensemble_size`` separate networks (see there).
    'shared': one network whose ``ensemble_size`` members share every hidden
    weight and differ by an input adapter (a featurewise scale, random signs
    at the start) and an output layer of their own -- TabM-mini (Gorishniy
    et al., 2025) -- trained on the same minibatches with the mean of the
    members' losses, and averaged like independent members. One network's
    hidden parameters and optimizer state; ``coefs_[-1]`` is
    ``(ensemble_size, n_hidden, n_outputs_)`` and there is no
    ``estimators_``. Needs a hidden layer; no dropout or batch
    normalisation.""",
    "class_weight": """\
class_weight : dict, 'balanced' or None, default=None
    Weights of the classes, multiplied into ``sample_weight``. 'balanced'
    uses ``n_samples / (n_classes * count)`` (counts weighted by
    ``sample_weight``). ``partial_fit`` is not available with 'balanced' (each
    chunk would be balanced by its own counts): compute the weights once with
    :func:`sklearn.utils.class_weight.compute_class_weight` and pass a dict.""",
    "class_weight_multilabel": """\
class_weight : None, 'balanced', dict or array-like of shape (n_labels,), \
default=None
    For an indicator target, per-label weights of the weighted binary
    cross-entropy: an array gives each label's positive weight ``w+`` (``w-``
    stays 1); 'balanced' gives ``w+ = n / (2 n_pos)`` and ``w- = n / (2 n_neg)``
    per label. For a 1-D target, as in :class:`MLPClassifier` (dict or
    'balanced'). ``partial_fit`` is not available with 'balanced', as there.""",
    "loss_classifier": """\
loss : {'log_loss', 'focal', 'hinge'}, default='log_loss'
    'log_loss' is the cross-entropy (sigmoid for binary and multilabel
    targets, softmax for multiclass); 'focal' multiplies it by
    ``(1 - p_t) ** focal_gamma``; 'hinge' is the margin loss
    ``max(0, 1 - y z)`` for binary targets (then there is no
    ``predict_proba``; use ``decision_function``).""",
    "loss_multilabel": """\
loss : {'log_loss', 'focal'}, default='log_loss'
    Binary cross-entropy per label, or the focal loss.""",
    "loss_regressor": """\
loss : {'squared_error', 'absolute_error', 'huber', 'log_cosh', 'poisson'}, \
default='squared_error'
    Half squared error, absolute error, Huber (quadratic within
    ``huber_delta``), log-cosh, or half the Poisson deviance with an
    exponential output (non-negative targets). Summed over outputs.""",
    "focal_gamma": """\
focal_gamma : float, default=2.0
    Focusing parameter of ``loss='focal'``; 0 gives exactly 'log_loss'.""",
    "focal_alpha": """\
focal_alpha : float in (0, 1) or None, default=None
    With ``loss='focal'`` on sigmoid outputs (binary, multilabel): weight of
    the positive class, ``1 - focal_alpha`` for the negative (Lin et al.).
    For multiclass targets use ``class_weight`` instead.""",
    "label_smoothing": """\
label_smoothing : float in [0, 1), default=0.0
    Train on ``(1 - label_smoothing) * y + label_smoothing / K`` (``K`` the
    number of classes; 2 per label for sigmoid outputs).""",
    "huber_delta": """\
huber_delta : float, default=1.0
    Residual size at which the Huber loss turns from quadratic to linear.""",
    "threshold": """\
threshold : float or array-like of shape (n_labels,), default=0.5
    Probability at or above which a label (or the positive class of a binary
    target) is predicted.""",
}

ATTRIBUTES = {
    "classes_": """\
classes_ : ndarray
    Class labels (``arange(n_labels)`` for an indicator target).""",
    "loss_": """\
loss_ : float
    The training loss at the end of fitting, penalty included.""",
    "best_loss_": """\
best_loss_ : float or None
    The lowest training loss reached (None with early stopping).""",
    "loss_curve_": """\
loss_curve_ : list of float
    Training loss after each epoch (each iteration for 'lbfgs').""",
    "validation_scores_": """\
validation_scores_ : list of float or None
    Validation score after each epoch, with early stopping.""",
    "best_validation_score_": """\
best_validation_score_ : float or None
    The best validation score, with early stopping.""",
    "t_": """\
t_ : int
    Number of training samples seen by the stochastic solver.""",
    "coefs_": """\
coefs_ : list of ndarray
    Weight matrix of each layer: views into one flat parameter vector.
    Assigning to ``coefs_`` or to ``coefs_[i]`` changes the model.""",
    "intercepts_": """\
intercepts_ : list of ndarray
    Bias vector of each layer, likewise views.""",
    "feature_importances_": """\
feature_importances_ : ndarray of shape (`n_features_in_`,)
    L2 norm of each input feature's first-layer weights (of its block of
    rows with a ``feature_embedding``), averaged over an ensemble's members.
    A shared-weight ensemble's member ``h`` sees the inputs scaled by its
    adapter ``r_h``: its norm is that of ``r_h * W1``, so that a feature the
    adapters shrink weighs less.""",
    "n_features_in_": """\
n_features_in_ : int
    Number of features seen during fit.""",
    "feature_names_in_": """\
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Feature names seen during fit, when ``X`` has string column names.""",
    "validation_loss_curve_": """\
validation_loss_curve_ : list of float or None
    Validation loss after each epoch, whenever a validation set exists
    (early stopping's split, or ``X_val``): the training loss function on the
    validation rows, sample-weighted mean, without the ``alpha`` penalty
    (``loss_curve_`` includes it, as in scikit-learn). With the default loss
    and no ``class_weight`` or ``label_smoothing`` it is
    ``log_loss(y_val, predict_proba(X_val), sample_weight=sample_weight_val)``
    for a classifier (summed over labels for an indicator target) and half
    the mean squared error for a regressor.""",
    "best_epoch_": """\
best_epoch_ : int or None
    1-based epoch (index into ``loss_curve_``) of the best validation score.""",
    "history_": """\
history_ : dict of list
    One entry per epoch (iteration for 'lbfgs') under each key: ``epoch``,
    ``train_loss``, ``penalty``, ``learning_rate``, ``grad_norm``, ``time``
    and, with a validation set, ``valid_loss`` and ``valid_score``; what
    :func:`skmlp.inspection.diagnose_training` and
    :class:`skmlp.inspection.TrainingCurveDisplay` read.""",
    "estimators_": """\
estimators_ : list of estimators
    With ``ensemble_size > 1``: the members, each a fitted estimator of
    this class with ``ensemble_size=1`` (their own ``loss_curve_``,
    ``best_epoch_``, ``history_``...). Absent for a single model.""",
    "n_iter_": """\
n_iter_ : int
    Number of epochs (iterations for 'lbfgs') run by the last fit.""",
    "n_layers_": """\
n_layers_ : int
    Number of layers, input and output included.""",
    "n_outputs_": """\
n_outputs_ : int
    Number of outputs.""",
    "out_activation_": """\
out_activation_ : str
    Output link: 'softmax', 'logistic', 'identity' or 'exp'.""",
}

# The CV estimators' parameters and attributes (their defaults differ from the
# networks' defaults); the other parameters are documented as above.
CV_PARAMETERS = {
    "threshold": """\
threshold : "auto", float or array-like of shape (n_labels,), default="auto"
    Probability at or above which a label (or the positive class of a binary
    target) is predicted. ``"auto"``, for an indicator target: one threshold
    for all labels, chosen from 0.01, 0.02, ..., 0.99 on the final model's
    out-of-fold probabilities (each inner fold's held-out rows, predicted by
    the selected candidates' networks that did not train on them; with
    ``refit=True``, by their fold networks, not the refitted ones) by the
    mean over the inner folds of ``scoring`` where it scores predicted
    labels (``"f1_macro"``, ``"f1_samples"``, ...), else (``scoring=None``,
    or a scoring of probabilities such as ``"roc_auc"``) of the
    micro-averaged F1 score; of equal best ones, the nearest to 0.5
    (``threshold_``). With rare labels it lies below 0.5: more labels
    predicted, more of them right, at some cost in the Hamming loss, which
    0.5 minimises for calibrated probabilities. For a binary 1-D target
    ``"auto"`` is 0.5, so that ``predict`` is ``predict_proba``'s most
    probable class as for scikit-learn's classifiers (to tune it, see
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV`); a
    multiclass target has no threshold.""",
    "alphas": """\
alphas : array-like of float, default=(1e-3, 1e-2, 1e-1, 1.0, 10.0)
    The grid ``alpha`` (L2 penalty on the weights) is chosen from: finite,
    non-negative numbers (a list, tuple, array or set; a set is searched in
    ascending order). When ``alpha_`` is the largest or the smallest (other
    than 0) of two or more alphas and beats all others, a warning
    (:class:`~skmlp.exceptions.AlphaEdgeWarning`) says the best may lie beyond them.""",
    "portfolio": """\
portfolio : {"fast", "best"}, list of dict or None, default="fast"
    Configurations of the networks to search besides ``alpha``: a preset's
    name (``"fast"``: the networks at this estimator's parameters and a
    linear model, ``{"hidden_layer_sizes": ()}`` searching
    ``alphas=(1e-3, ..., 1e4)``; ``"best"``: those and, on tables of at
    most 32 columns as the networks see them (categories one-hot, missing
    values flagged), the networks with periodic and with piecewise-linear
    feature embeddings, ``{"feature_embedding": "periodic"}`` and
    ``{"feature_embedding": "piecewise", "embedding_size": 16}``, about
    three times the time; each configuration also with balanced class
    weights where ``scoring`` rewards them, see ``scoring``), or a list of
    configurations, each a dict of the networks' parameters that differ
    from this estimator's own (``{}``: its own), which may name its own
    ``alphas``. Every
    configuration with each of its alphas is a candidate; all candidates
    train in one pass, halving (``halving``) prunes across all of them, and
    ``cv_results_`` lists every one. ``None`` is ``[{}]``: the candidates
    are the alphas. A configuration cannot set ``ensemble_size``,
    ``ensemble_kind``, ``threshold``, ``scoring``, ``random_state`` or the
    parameters the CV estimators fix (``solver``, ``early_stopping``,
    ``restore_best_weights``); with ``scoring=None`` the configurations
    must agree on how the validation loss is computed (``loss``,
    ``class_weight``, ``label_smoothing``, the focal and Huber parameters):
    candidates are compared by it. A configuration without hidden layers
    (``{"hidden_layer_sizes": ()}``) is a linear model solved to its
    penalised optimum at each alpha (ridge or L2 logistic regression, in
    float64 by Newton's method, or by L-BFGS where Hessians cost more: many
    columns, a loss without second derivatives; one solution per fold
    whatever ``ensemble_size`` and ``ensemble_kind``), beside the pass and
    never pruned.""",
    "selection": """\
selection : {"best", "ensemble"}, default="ensemble"
    What the final model is made of. ``"best"``: the networks of the best
    candidate (``best_index_``). ``"ensemble"``: greedy ensemble selection
    with replacement (Caruana et al., 2004) on the candidates'
    out-of-fold predictions -- each inner fold's held-out rows predicted by
    the networks that did not train on them -- by ``scoring`` (with
    ``None``: log loss for classifiers, squared error for regressors), in
    25 rounds; the final model averages the selected candidates'
    networks, each candidate weighted by its share of the rounds
    (``ensemble_weights_``).""",
    "hidden_layer_sizes": """\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(48, 48)
    The ith element is the number of neurons in the ith hidden layer.""",
    "cv": """\
cv : int, cross-validation generator, iterable or None, default=5
    The inner folds (None: 5). An int ``k`` is ``k`` shuffled folds
    (stratified by class for a classifier) seeded by ``random_state``; when
    ``fit`` gets ``groups``, folds that keep each group whole:
    :class:`~sklearn.model_selection.StratifiedGroupKFold` ``(k)``, shuffled,
    for a classifier, :class:`~sklearn.model_selection.GroupKFold` ``(k)``
    otherwise; with fewer than ``k`` groups, one fold per group
    (:class:`~sklearn.model_selection.LeaveOneGroupOut`, with a warning).
    Anything else is used as given (a splitter receives ``groups``).""",
    "scoring": """\
scoring : None, 'loss', str or callable, default=None
    What every choice of the search is made by: each network's held-out
    fold is scored with it every epoch (early stopping keeps its best
    epoch, halving prunes by it), and at the end (the fold's score in
    ``cv_results_``, which chooses ``best_params_``); ensemble selection
    (``selection``) scores the mixed out-of-fold predictions with it. None
    and 'loss' are the negative held-out loss (the training loss, without
    the penalty): log loss for the classifiers, squared error (of the
    standardised targets) for the regressor, each weighted as in training.
    Any other string or callable is a scikit-learn scorer; 'accuracy',
    'balanced_accuracy', 'roc_auc', 'neg_log_loss', 'r2' and the negated
    mean squared, root mean squared and absolute errors are computed from
    the outputs directly (the scorer's value, without its checks' cost).
    With a preset portfolio, a classifier's scoring that weighs the
    classes alike ('balanced_accuracy', 'roc_auc', 'roc_auc_ovr',
    'roc_auc_ovo', 'f1_macro', 'recall_macro', 'jaccard_macro') also
    searches each configuration with ``class_weight="balanced"`` (unless
    ``class_weight`` is set): about twice the time.""",
    "refit": """\
refit : bool, default=False
    False: the final model averages the chosen alpha's fold networks (each
    trained on its fold's training part, stopped on its held-out part).
    True: ``n_splits_ * ensemble_size`` new networks are trained on every
    row for the median of those fold networks' best epochs (``best_epoch_``,
    at most ``max_iter``; with ``n_iter_no_change=None``, the epochs they
    ran).""",
    "halving": """\
halving : bool, default=True
    Successive halving of the candidates (each configuration of
    ``portfolio`` at each of its alphas; a linear configuration's are
    solved, never halved) within the one pass. At the first rung (the epoch
    by which every network has taken 16 optimizer steps, and at least the
    second), then at twice that epoch, four times, ..., all but the best
    third of the candidates left (by mean inner held-out score so far, or
    at the rung with ``n_iter_no_change=None``; ties stay together) and the
    best of each configuration stop: their networks keep their best
    weights (with ``n_iter_no_change=None``, their weights there), their
    scores there are their ``cv_results_`` scores, and
    ``cv_results_['pruned_at_epoch']`` says where (0: not pruned). The
    others go on. False trains every candidate's networks to their own end.""",
    "time_budget": """\
time_budget : float or None, default=None
    Seconds the networks' training may run, counted from the start of
    ``fit``. The pass checks the clock after every epoch; once the budget
    is spent, every network still training stops there and keeps its best
    epoch so far (with ``n_iter_no_change=None``, its weights there), as
    one pruned by halving does
    (``cv_results_['pruned_at_epoch']`` gives that epoch to the candidates
    it stopped). The linear configurations' solves, ensemble selection and
    a refit run after the pass and are not cut short, so a fit takes
    somewhat longer than its budget. None: no limit.""",
    "learning_rate": """\
learning_rate : {'constant', 'cosine'}, default='cosine'
    The networks' learning-rate schedule: 'cosine', a fixed budget of
    ``max_iter`` epochs decaying from ``learning_rate_init`` to 0 (see the
    plain estimators), or 'constant' (networks stopped by their patience
    alone).""",
    "learning_rate_init": """\
learning_rate_init : float, default=0.005
    The networks' initial learning rate (Adam's).""",
    "max_iter": """\
max_iter : int, default=80
    The most epochs a network trains: the cosine schedule's budget.""",
    "n_iter_no_change": """\
n_iter_no_change : int, np.inf or None, default=10
    Epochs without improvement of a network's held-out score (on its inner
    fold) tolerated before it stops; it keeps its best epoch's weights,
    and that epoch's score is its score. None: no early stopping -- every
    network trains through its whole schedule of ``max_iter`` epochs and
    keeps its last weights, which its held-out rows only score (for
    halving, selection and ``cv_results_``), as RealMLP trains. On the
    benchmark suite this scored higher than the default on 19 tables and
    lower on 7, in 1.4x the time; with ``max_iter=40`` and
    ``learning_rate_init=0.01`` it gained as much in 1.04-1.10x the
    default's time (the user guide's :ref:`choice of the portfolio
    <cv-portfolio-choice>`). A configuration of ``portfolio`` may set it
    too.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seeds the inner folds of an integer ``cv`` and each network's initial
    weights, shuffles and dropout masks (a fold's networks share their seed
    across the alphas). The same integer gives bit-identical results.""",
    "verbose": """\
verbose : bool, default=False
    Print each alpha's mean inner-fold score at the end of ``fit``.""",
    "loss_classifier_cv": """\
loss : {'log_loss', 'focal'}, default='log_loss'
    'log_loss' is the cross-entropy (sigmoid for binary targets, softmax
    for multiclass); 'focal' multiplies it by ``(1 - p_t) ** focal_gamma``.
    (The plain estimator's 'hinge' gives no probabilities to average.)""",
    "scaling": """\
scaling : {'robust', 'standard'} or None, default='robust'
    Input scaling fitted in ``fit`` (no Pipeline needed):
    :class:`~skmlp.preprocessing.SmoothClipScaler` ('robust': median and
    quartiles, then a smooth clip into (-3, 3)), or
    :class:`~sklearn.preprocessing.StandardScaler` ('standard'); None uses
    the inputs as they are. :class:`MLPRegressorCV` also standardises its
    targets unless ``scaling`` is None (with ``loss='poisson'`` it divides
    them by their mean, keeping them non-negative). Rows are weighted by
    ``sample_weight``.""",
    "ensemble_size": """\
ensemble_size : int, default=1
    Networks per (alpha, inner fold), each from its own seed; the final
    model averages ``n_splits_ * ensemble_size`` networks.""",
    "ensemble_kind": """\
ensemble_kind : {'independent', 'shared'}, default='independent'
    'shared': each (alpha, inner fold) trains one shared-weight ensemble of
    ``ensemble_size`` members (TabM-mini, see MLPClassifier) instead of
    ``ensemble_size`` networks; the final model averages the folds'
    ensembles (``refit=True``: one shared-weight ensemble of ``n_splits_ *
    ensemble_size`` members trained on every row).""",
}

CV_ATTRIBUTES = {
    "alpha_": """\
alpha_ : float
    The chosen ``alpha``: the best mean score over the inner folds.""",
    "alphas_": """\
alphas_ : ndarray of shape (n_alphas,)
    The alphas searched (of the best candidate's configuration).""",
    "best_params_": """\
best_params_ : dict
    The parameters of the best candidate: its configuration's entries of
    ``portfolio`` and its ``alpha``.""",
    "ensemble_weights_": """\
ensemble_weights_ : ndarray of shape (n_candidates,)
    Each candidate's weight in the final model, in the order of
    ``cv_results_``: 1 for the best candidate with ``selection="best"``;
    with ``"ensemble"``, the share of the rounds of ensemble selection that
    chose it (0 for the others).""",
    "best_score_": """\
best_score_ : float
    Mean inner-fold score of ``alpha_``.""",
    "best_index_": """\
best_index_ : int
    Index of the best candidate in ``cv_results_`` (without a
    ``portfolio``, also the index of ``alpha_`` in ``alphas_``).""",
    "cv_results_": """\
cv_results_ : dict of ndarray
    scikit-learn's search layout, one entry per candidate (per alpha,
    without a ``portfolio``): ``param_alpha`` (and ``param_<name>`` of the
    portfolio's entries), ``params``, ``split<i>_test_score``, ``mean_test_score``,
    ``std_test_score``, ``rank_test_score``, and ``mean_n_iter`` (epochs run,
    mean over the folds and seeds).""",
    "estimator_": """\
estimator_ : estimator
    The fitted network class (e.g. :class:`MLPClassifier`) holding the final
    networks as an ensemble (``estimator_.estimators_``); it takes inputs
    already scaled by ``scaler_`` (and, for a regressor, predicts the
    standardised targets).""",
    "encoder_": """\
encoder_ : TableEncoder
    The fitted :class:`~skmlp.preprocessing.TableEncoder` that turns the raw
    table into numbers (missing values imputed and flagged, categories
    one-hot) before ``scaler_``.""",
    "scaler_": """\
scaler_ : transformer or None
    The fitted input scaling (None with ``scaling=None``).""",
    "threshold_": """\
threshold_ : float, ndarray of shape (n_labels,) or None
    The threshold ``predict`` uses: the one given, or the one ``"auto"``
    chose; None for a multiclass target.""",
    "n_splits_": """\
n_splits_ : int
    Number of inner folds.""",
    "fit_time_": """\
fit_time_ : float
    Seconds the last ``fit`` took (the whole search and the final model).""",
    "n_iter_": """\
n_iter_ : ndarray of shape (n_networks,)
    Epochs run by each network of the final model.""",
}


# Parameters whose text differs between estimators: (estimator, name) -> key.
VARIANTS = {
    ("MLPClassifier", "loss"): "loss_classifier",
    ("MLPClassifierCV", "loss"): "loss_classifier_cv",
    ("MultiLabelMLP", "loss"): "loss_multilabel",
    ("MLPRegressor", "loss"): "loss_regressor",
    ("MultiLabelMLP", "class_weight"): "class_weight_multilabel",
}


def _entry(name, base, parameter, cv):
    """The key of a parameter's text: the estimator's own variant, else (a CV
    estimator) the CV text, else the variant of its network class, else the
    shared text."""
    own = VARIANTS.get((name, parameter))
    if own is not None:
        return own
    if cv and parameter in CV_PARAMETERS:
        return parameter
    return VARIANTS.get((base, parameter), parameter)


def _section(entries):
    return textwrap.indent("\n".join(entries), "    ")


def document(cls):
    """Class decorator filling ``<<PARAMETERS>>`` and ``<<ATTRIBUTES>>``."""
    names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    cv = cls.__name__.endswith("CV")
    parameters = {**PARAMETERS, **CV_PARAMETERS} if cv else PARAMETERS
    attributes = {**ATTRIBUTES, **CV_ATTRIBUTES} if cv else ATTRIBUTES
    base = cls.__name__[:-2] if cv else cls.__name__
    params = [parameters[_entry(cls.__name__, base, n, cv)] for n in names]
    attributes = [attributes[n] for n in cls._attributes]
    cls.__doc__ = cls.__doc__.replace("<<PARAMETERS>>", _section(params).lstrip()).replace(
        "<<ATTRIBUTES>>", _section(attributes).lstrip()
    )
    return cls
