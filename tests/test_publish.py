"""mirnb.publish: media beside the page, and executed notebooks tidied for reading."""

import nbformat
import numpy as np
import pytest
import soundfile as sf

from mirnb import publish, results
from mirnb.errors import ParameterError


def _nb():
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = "default"', metadata={"tags": ["parameters"]})
    injected = nbformat.v4.new_code_cell('profile = "smoke"',
                                         metadata={"tags": ["injected-parameters"]})
    short = nbformat.v4.new_code_cell("x = 1\ny = 2")
    long = nbformat.v4.new_code_cell("\n".join(f"a{i} = {i}" for i in range(8)))
    shown = nbformat.v4.new_code_cell("\n".join(f"b{i} = {i}" for i in range(8)),
                                      metadata={"tags": ["show-input"]})
    epochs = [f"Epoch {i}/60\nloss: {1 / (i + 1):.3f}\n" for i in range(60)]
    log = nbformat.v4.new_code_cell("fit()")
    for i, text in enumerate(epochs):
        log.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
        log.outputs.append(nbformat.v4.new_output("stream", name="stderr", text=f"{i}%\r"))
    few = nbformat.v4.new_code_cell("report()")
    few.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
                   nbformat.v4.new_output("display_data", data={"text/plain": "fig"}),
                   nbformat.v4.new_output("stream", name="stdout", text="b\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), params, injected, short, long, shown,
                log, few]
    return nb


def test_tidy_hides_parameters_and_long_inputs_and_folds_long_logs():
    nb = publish.tidy(_nb())
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert "remove-cell" in tags[1] and "remove-cell" in tags[2]
    assert tags[3] == [] and tags[4] == ["hide-input"] and tags[5] == ["show-input"]
    log = nb.cells[6].outputs
    # one stdout block (folded: 120 lines > 30) and one stderr block
    assert [o["output_type"] for o in log] == ["display_data", "stream"]
    html = log[0]["data"]["text/html"]
    assert html.startswith('<details class="mirnb-log">') and "120 lines" in html
    assert "Epoch 59/60" in html and "loss: 1.000" in html
    assert log[1]["name"] == "stderr" and log[1]["text"].count("%") == 60
    few = nb.cells[7].outputs  # a player or figure keeps its place between the lines
    assert [o["output_type"] for o in few] == ["stream", "display_data", "stream"]
    assert few[0]["text"] == "a\n" and few[2]["text"] == "b\n"
    nbformat.validate(nb)


def test_audio_embeds_outside_the_book_and_writes_ogg_in_it(tmp_path, monkeypatch):
    from IPython.display import HTML, Audio

    y = 0.3 * np.sin(2 * np.pi * 440 * np.arange(22050 * 2) / 22050)
    monkeypatch.delenv(publish.ENV, raising=False)
    assert isinstance(publish.audio(y, 22050, name="tone"), Audio)
    monkeypatch.setenv(publish.ENV, str(tmp_path / "media"))
    player = publish.audio(y, 22050, name="tone")
    assert isinstance(player, HTML) and 'src="media/tone.ogg"' in player.data
    path = tmp_path / "media" / "tone.ogg"
    info = sf.info(str(path))
    assert info.format == "OGG" and info.samplerate == 22050
    assert path.stat().st_size < 0.2 * y.size * 2  # compressed: well under 16-bit PCM
    with pytest.raises(ParameterError, match="name="):
        publish.audio(y, 22050, name="../escape")
    with pytest.raises(ParameterError, match="mono"):
        publish.audio(np.zeros((2, 10)), 22050, name="x")
    with pytest.raises(ParameterError, match="sr="):
        publish.audio(y, 0, name="x")
    monkeypatch.delenv(publish.ENV)  # outside the book too: the same checks
    with pytest.raises(ParameterError, match="name="):
        publish.audio(y, 22050, name="a/b")


def test_download_writes_every_field_of_the_records(tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.setenv(publish.ENV, str(tmp_path))
    recs = [results.result_from_seeds([0.5, 0.7], seeds=(0, 1), chapter="c", experiment="e",
                                      method=m, metric="Accuracy", dataset="d",
                                      data_kind="synthetic", config={"k": 1})
            for m in ("a", "b")]
    link = publish.download(recs, name="c_results")
    assert "(media/c_results.csv)" in link.data and "2 rows" in link.data
    df = pd.read_csv(tmp_path / "c_results.csv")
    assert list(df["method"]) == ["a", "b"] and df["value"].tolist() == [0.6, 0.6]
    assert {"seeds", "config", "data_kind", "spread", "code_version"} <= set(df.columns)
    with pytest.raises(ParameterError, match="empty"):
        publish.download([], name="none")
