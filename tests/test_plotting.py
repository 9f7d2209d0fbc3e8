"""Tests of mirnb.plotting: Axes returned, artists drawn, one colour per genre."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from mirnb import plotting as mp  # noqa: E402
from mirnb.errors import ParameterError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _scatter_colors(ax):
    """Label of each legend-bearing scatter -> its face colour."""
    out = {}
    for coll in ax.collections:
        if not coll.get_label().startswith("_"):
            out[coll.get_label()] = to_hex(coll.get_facecolor()[0], keep_alpha=False)
    return out


def test_genre_palette_is_stable_and_distinct():
    pal = mp.genre_colors()
    assert list(pal) == list(mp.GENRES)
    assert len(set(pal.values())) == len(mp.GENRES)
    assert mp.genre_colors() == pal
    pal["rock"] = "#000000"  # a copy: the book's palette cannot be changed by accident
    assert mp.genre_colors()["rock"] != "#000000"
    assert mp.color_of("Rock") == mp.color_of("rock") == mp.genre_colors()["rock"]
    assert mp.color_of("hip-hop") == mp.genre_colors()["hiphop"]


def test_color_of_unknown_labels_is_deterministic():
    a = mp.color_of("Artist 17")
    assert a == mp.color_of("Artist 17")
    # a fixed value, the same in every process: md5, not Python's salted hash()
    assert a == "#2877b5"
    assert mp.color_of(3) == mp.color_of("3")
    assert len({mp.color_of(f"artist {i}") for i in range(20)}) == 20


def test_embedding_artists_and_colours():
    rng = np.random.default_rng(0)
    labels = np.array(["rock", "jazz", "blues", "metal"] * 10)
    Z = rng.normal(size=(40, 2))
    ax = mp.embedding(Z, labels, title="t-SNE")
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.collections) == 4
    leg = ax.get_legend()
    assert [t.get_text() for t in leg.get_texts()] == ["blues", "jazz", "metal", "rock"]
    cols = _scatter_colors(ax)
    assert cols == {g: mp.genre_colors()[g] for g in ["blues", "jazz", "metal", "rock"]}
    # a second figure with other genres: rock keeps its colour
    _, ax2 = plt.subplots()
    out = mp.embedding(Z[:20], np.array(["rock", "pop"] * 10), ax=ax2)
    assert out is ax2
    assert _scatter_colors(ax2)["rock"] == cols["rock"]


def test_embedding_marks_placed_points():
    rng = np.random.default_rng(1)
    labels = np.array(["a", "b", "c"] * 6)
    test = np.arange(18) >= 12
    ax = mp.embedding(rng.normal(size=(18, 2)), labels, test=test, palette="tab10")
    assert len(ax.collections) == 6  # fitted and placed points for each of 3 labels
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["a", "b", "c", "placed by transform"]
    markers = {c.get_label(): c for c in ax.collections if not c.get_label().startswith("_")}
    assert set(markers) == {"a", "b", "c"}


def test_embedding_errors():
    with pytest.raises(ParameterError, match="one per point"):
        mp.embedding(np.zeros((5, 2)), ["a"] * 4)
    with pytest.raises(ParameterError, match=r"\(n_points, 2\)"):
        mp.embedding(np.zeros((5, 3)), ["a"] * 5)
    with pytest.raises(ParameterError, match="boolean mask"):
        mp.embedding(np.zeros((5, 2)), ["a"] * 5, test=[0, 1, 0, 1, 0])
    with pytest.raises(ParameterError, match="palette"):
        mp.embedding(np.zeros((5, 2)), list("abcde"), palette=["red", "blue"])


def test_specshow():
    S = np.random.default_rng(0).normal(size=(32, 40))
    fig, ax = plt.subplots()
    out = mp.specshow(S, sr=22050, hop_length=512, ax=ax, y_axis="mel", title="log-mel")
    assert out is ax
    assert len(ax.collections) == 1  # the QuadMesh
    assert len(fig.axes) == 2  # with its colour bar
    assert ax.get_title() == "log-mel"
    ax2 = mp.specshow(S, sr=22050, hop_length=512, y_axis=None, colorbar=False)
    assert len(ax2.figure.axes) == 1
    with pytest.raises(ParameterError, match="2-D"):
        mp.specshow(S[0], sr=22050, hop_length=512)
    with pytest.raises(ParameterError, match="y_axis"):
        mp.specshow(S, sr=22050, hop_length=512, y_axis="bark")


def test_confusion_matrix_plot():
    cm = pd.DataFrame([[3, 1], [0, 4]], index=pd.Index(["blues", "rock"], name="True"),
                      columns=pd.Index(["blues", "rock"], name="Predicted"))
    ax = mp.confusion_matrix(cm)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.images) == 1
    assert sorted(t.get_text() for t in ax.texts) == ["0.00", "0.25", "0.75", "1.00"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["blues", "rock"]
    ax = mp.confusion_matrix(cm, normalize=False)
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "3", "4"]
    with pytest.raises(ParameterError, match="square"):
        mp.confusion_matrix(np.ones((2, 3)))


def test_tag_bars_sorted_with_errors_and_left_out():
    vals = pd.Series({"guitar": 0.7, "piano": 0.9, "drums": np.nan, "vocal": 0.8}, name="AUC")
    errs = {"guitar": 0.01, "piano": 0.02, "vocal": 0.03}
    ax = mp.tag_bars(vals, errors=errs, title="per-tag AUC")
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["piano", "vocal", "guitar"]
    assert [p.get_height() for p in ax.patches] == [0.9, 0.8, 0.7]
    assert any("1 tag left out" in t.get_text() for t in ax.texts)
    assert ax.get_ylabel() == "AUC"
    with pytest.raises(ParameterError, match="no value for tags"):
        mp.tag_bars(vals, errors={"piano": 0.1})


def test_learning_curves():
    hist = {"loss": [1.0, 0.7, 0.5], "val_loss": [1.1, 0.9, 0.8], "accuracy": [0.3, 0.5, 0.6]}
    ax = mp.learning_curves(hist)
    assert len(ax.lines) == 2
    assert ax.lines[0].get_color() == ax.lines[1].get_color()
    assert ax.lines[1].get_linestyle() == "--"
    assert ax.lines[0].get_xdata().tolist() == [1, 2, 3]

    class FakeHistory:  # the shape of keras.callbacks.History
        history = hist

    ax = mp.learning_curves(FakeHistory(), metrics=("loss", "val_loss", "accuracy"))
    assert len(ax.lines) == 3
    with pytest.raises(ParameterError, match="val_accuracy"):
        mp.learning_curves(hist, metrics=("val_accuracy",))


def test_table_figure_and_label_counts():
    df = pd.DataFrame({"Method": ["DBN", "MFCC"], "Ours": ["0.800 ± 0.020", "0.600"],
                       "Paper": ["0.840", "—"]})
    df.attrs["note"] = "synthetic data"
    ax = mp.table_figure(df)
    assert len(ax.tables) == 1 and not ax.axison
    labels = pd.Series(["rock", "rock", "jazz", "blues", "rock", "jazz"])
    ax = mp.label_counts(labels)
    assert [p.get_height() for p in ax.patches] == [3, 2, 1]
    assert to_hex(ax.patches[0].get_facecolor(), keep_alpha=False) == mp.color_of("rock")
    ax = mp.label_counts(labels, sort="label")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["blues", "jazz", "rock"]
    tags = pd.DataFrame({"guitar": [1, 0, 1], "piano": [1, 1, 1]})
    ax = mp.label_counts(tags)
    assert [p.get_height() for p in ax.patches] == [3, 2]
    with pytest.raises(ParameterError, match="sort"):
        mp.label_counts(labels, sort="size")


def test_compare_curves_draws_one_labelled_line_per_run():
    import matplotlib.pyplot as plt

    from mirnb import plotting
    from mirnb.errors import ParameterError

    fig, ax = plt.subplots()
    out = plotting.compare_curves({"FCN-3": {"val_auc": [0.6, 0.7]},
                                   "FCN-4": {"val_auc": [0.62, 0.71, 0.74]}}, ax=ax)
    assert out is ax
    assert [line.get_label() for line in ax.get_lines()] == ["FCN-3", "FCN-4"]
    assert list(ax.get_lines()[1].get_xdata()) == [1, 2, 3]
    with pytest.raises(ParameterError, match="no 'val_auc'"):
        plotting.compare_curves({"x": {"loss": [1.0]}}, ax=ax)
    plt.close(fig)
