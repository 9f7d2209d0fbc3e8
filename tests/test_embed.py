"""Tests of mirnb.embed: the openTSNE wrapper."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.base import clone

from mirnb.embed import TSNE, tsne
from mirnb.errors import ParameterError


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 10)) * 6
    X = np.vstack([c + rng.normal(size=(30, 10)) for c in centres])
    y = np.repeat(np.arange(4), 30)
    return X, y


@pytest.fixture(scope="module")
def fitted(blobs):
    X, _ = blobs
    model = TSNE(perplexity=10, n_iter=150, random_state=3)
    Z = model.fit_transform(X)
    return model, Z


def test_fit_transform_shapes_and_state(fitted, blobs):
    X, _ = blobs
    model, Z = fitted
    assert Z.shape == (X.shape[0], 2) and Z.dtype == np.float64
    assert np.all(np.isfinite(Z))
    assert model.n_features_in_ == 10 and model.n_samples_fit_ == X.shape[0]
    assert model.perplexity_ == 10
    np.testing.assert_allclose(np.asarray(model.embedding_), Z)


def test_map_keeps_clusters_apart(fitted, blobs):
    _, y = blobs
    _, Z = fitted
    centres = np.array([Z[y == c].mean(0) for c in range(4)])
    within = np.mean([np.linalg.norm(Z[y == c] - centres[c], axis=1).mean() for c in range(4)])
    between = min(np.linalg.norm(centres[i] - centres[j])
                  for i in range(4) for j in range(i + 1, 4))
    assert between > 2 * within


def test_transform_places_training_points_near_themselves(fitted, blobs):
    X, y = blobs
    model, Z = fitted
    idx = np.arange(0, X.shape[0], 12)
    placed = model.transform(X[idx])
    assert placed.shape == (idx.size, 2)
    dist = np.linalg.norm(placed - Z[idx], axis=1)
    spread = np.linalg.norm(Z.std(axis=0))
    assert np.all(dist < 0.15 * spread)
    # transform does not move the fitted map
    np.testing.assert_allclose(np.asarray(model.embedding_), Z)


def test_transform_places_new_points_in_their_cluster(fitted, blobs):
    X, y = blobs
    model, Z = fitted
    rng = np.random.default_rng(9)
    new = X[::30] + 0.3 * rng.normal(size=(4, 10))
    placed = model.transform(new)
    centres = np.array([Z[y == c].mean(0) for c in range(4)])
    nearest = np.argmin(np.linalg.norm(placed[:, None] - centres[None], axis=2), axis=1)
    assert nearest.tolist() == [0, 1, 2, 3]


def test_determinism_with_random_state(blobs):
    X, _ = blobs
    a = tsne(X, perplexity=10, n_iter=100, random_state=7)
    b = tsne(X, perplexity=10, n_iter=100, random_state=7)
    np.testing.assert_array_equal(a, b)


def test_perplexity_lowered_with_warning(blobs):
    X, _ = blobs
    model = TSNE(perplexity=30, n_iter=50, random_state=0)
    with pytest.warns(UserWarning, match="too large for 40 samples"):
        model.fit(X[:40])
    assert model.perplexity_ == pytest.approx(13.0)


def test_sklearn_api(blobs):
    model = TSNE(perplexity=12, random_state=1)
    params = clone(model).get_params()
    assert params["perplexity"] == 12 and params["random_state"] == 1
    assert "embedding_" not in vars(clone(model))


@pytest.mark.parametrize("X, match", [
    (np.zeros(10), "2-D"),
    (np.array([[0.0, np.nan]] * 10), "NaN"),
    (np.zeros((3, 2)), "at least 4"),
    (np.zeros((0, 3)), "empty"),
])
def test_bad_input(X, match):
    with pytest.raises(ParameterError, match=match):
        TSNE(perplexity=1).fit(X)


def test_bad_params_and_transform_errors(fitted):
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ParameterError, match="perplexity"):
        TSNE(perplexity=0).fit(X)
    with pytest.raises(ParameterError, match="initialization"):
        TSNE(perplexity=3, initialization="umap").fit(X)
    with pytest.raises(NotFittedError, match="not fitted"):
        TSNE().transform(X)
    model, _ = fitted
    with pytest.raises(ParameterError, match="fitted on 10"):
        model.transform(X)
