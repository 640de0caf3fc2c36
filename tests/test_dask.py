"""GridSearchCV over skmlp on a Dask cluster equals the local run.

The cluster is started by the test on loopback only; each worker is one
process with one thread and BLAS limited to one thread, so that 2 workers
on 2 cores do not oversubscribe.
"""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV

from skmlp import MLPClassifier

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is in the test extra"
)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def test_grid_search_on_dask_equals_local(client):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 10))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
    grid = {"alpha": [1e-4, 1e-2], "hidden_layer_sizes": [(8,), (16,)]}
    estimator = MLPClassifier(max_iter=30, random_state=0)
    local = GridSearchCV(estimator, grid, cv=3).fit(X, y)
    with parallel_config(backend="dask"):
        remote = GridSearchCV(estimator, grid, cv=3, n_jobs=-1).fit(X, y)
    np.testing.assert_array_equal(
        local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"]
    )
    assert local.best_params_ == remote.best_params_
    np.testing.assert_array_equal(
        local.best_estimator_._network.theta, remote.best_estimator_._network.theta
    )
    threads = client.run(lambda: __import__("threadpoolctl").threadpool_info())
    assert all(
        pool["num_threads"] == 1
        for info in threads.values()
        for pool in info
        if pool["user_api"] == "blas"
    )


def test_one_pass_search_on_dask_equals_scikit_learns_local_search(client):
    from skmlp.model_selection import GridSearchCV as OnePassGridSearchCV

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 10))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
    grid = {"alpha": [1e-4, 1e-2], "learning_rate_init": [1e-3, 1e-2]}
    estimator = MLPClassifier(max_iter=30, random_state=0)
    local = GridSearchCV(estimator, grid, cv=3).fit(X, y)
    with parallel_config(backend="dask"):
        remote = OnePassGridSearchCV(estimator, grid, cv=3, n_jobs=-1).fit(X, y)
    np.testing.assert_allclose(
        local.cv_results_["mean_test_score"],
        remote.cv_results_["mean_test_score"],
        rtol=0,
        atol=1e-9,
    )
    assert local.best_params_ == remote.best_params_
    # one group, one slice per worker: the fits of a slice share its time
    assert len(set(remote.cv_results_["mean_fit_time"])) <= 2
    np.testing.assert_allclose(
        local.best_estimator_._network.theta,
        remote.best_estimator_._network.theta,
        rtol=1e-12,
    )
