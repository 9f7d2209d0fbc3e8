"""The choi2016 chapter module: config and switches, the paper's numbers, the
larger synthetic tagging view, the verdict and the records."""

import pytest

from mirnb import synth
from mirnb.chapters import choi2016
from mirnb.datasets.mtat import MTAT
from mirnb.errors import ParameterError


def test_switches_are_resolved_and_checked():
    cfg, plan = choi2016.setup("default", verbose=False)
    assert plan["experiments"] == ["I", "II"] and not plan["real"]
    assert plan["depths_i"] == [3, 4, 5] and plan["depths_ii"] == [3, 4, 5, 6, 7]
    _, plan = choi2016.setup("default", depth=6, verbose=False)
    assert plan["experiments"] == ["II"] and plan["depths_ii"] == [6] and not plan["variants"]
    assert choi2016.setup("paper", verbose=False)[1]["real"]
    cfg, _ = choi2016.setup("smoke", front_end="device", mixed_precision=False, verbose=False)
    assert cfg.front_end == "device" and cfg.mixed_precision is False
    for bad in (dict(experiment="III"), dict(depth=8), dict(dataset="msd"),
                dict(front_end="gpu"), dict(experiment="I", depth=7)):
        with pytest.raises(ParameterError):
            choi2016.setup("default", verbose=False, **bad)


def test_the_paper_profile_has_the_papers_front_end_and_sizes():
    paper = choi2016.config("paper")
    assert (paper.sr, paper.n_fft, paper.hop_length, paper.n_mels) == (12000, 512, 256, 96)
    assert 1 + int(paper.duration * paper.sr) // paper.hop_length == 1366
    assert paper.dropout == 0.5 and paper.width == 1.0 and paper.n_tags == 50
    assert choi2016.config("default").width == 1 / 8


def test_every_number_of_tables_3_to_5_is_quoted_with_its_table():
    got = {(n.table, n.row): n.value for n in choi2016.PAPER}
    assert {k[1]: v for k, v in got.items() if k[0] == "Table 3"} == {
        "FCN-3 (mel)": 0.852, "FCN-4 (mel)": 0.894, "FCN-5 (mel)": 0.890,
        "FCN-4 (STFT)": 0.846, "MFCC network": 0.862}
    assert sorted(v for k, v in got.items() if k[0] == "Table 4") == \
        [0.861, 0.88, 0.882, 0.888, 0.894, 0.898]
    assert {k[1]: v for k, v in got.items() if k[0] == "Table 5"} == {
        "FCN-3": 0.786, "FCN-4": 0.808, "FCN-5": 0.848, "FCN-6": 0.851, "FCN-7": 0.845}
    multiscale = [n for n in choi2016.PAPER if n.row.startswith("2012")][0]
    assert "2013" in multiscale.note
    table = choi2016.table4()
    assert len(table) == 6 and table["ROC-AUC (paper)"].iloc[0] == 0.894


class _Run:
    def __init__(self, auc):
        self.auc = auc


def test_the_verdict_compares_each_claim_with_the_paper():
    runs_i = {"FCN-3 (mel)": _Run(0.70), "FCN-4 (mel)": _Run(0.75),
              "FCN-4 (STFT)": _Run(0.78), "MFCC network": _Run(0.60)}
    runs_ii = {f"FCN-{d}": _Run(a) for d, a in ((4, 0.70), (5, 0.72), (6, 0.69))}
    text = choi2016.verdict(runs_i, runs_ii, baseline_auc=0.65)
    assert "paper 0.894 against 0.852 (+0.042); ours 0.750 against 0.700 (+0.050" in text
    mel_stft = [line for line in text.splitlines() if "Mel beats STFT" in line][0]
    assert "opposite direction" in mel_stft
    assert "1 of 2 deeper models ahead" in text
    assert "baseline (ours) 0.650" in text
    assert "no pair" in choi2016.verdict({}, {})


def test_mtat_large_view_is_read_by_the_mtat_loader(smoke_home):
    small = synth.load("mtat", "smoke", data_home=smoke_home, make=False)
    large = synth.load("mtat_large", "smoke", data_home=smoke_home, make=False)
    assert isinstance(large, MTAT) and large.root.name == "mtat_large"
    assert len(large) == synth.SIZES["smoke"]["mtat_large"]["songs"] * \
        synth.SIZES["smoke"]["mtat_large"]["clips_per_song"]
    assert large.tag_names == small.tag_names
    split = large.splits("folder")
    assert sum(len(v) for v in split.values()) == len(large)
    assert large.track(large.track_ids[0]).audio_path.is_file()
    # its songs are not the MTAT view's songs
    assert set(large.labels["title"]) != set(small.labels["title"])
    again = MTAT(smoke_home / "mirnb_synth" / "smoke", folder="mtat_large")
    assert again.track_ids == large.track_ids
    with pytest.raises(ParameterError, match="folder"):
        MTAT(folder="a/b")


def test_the_paper_profile_follows_the_paper_where_the_others_depart():
    paper, default = choi2016.config("paper"), choi2016.config("default")
    assert paper.stft_n_fft == 256 and default.stft_n_fft == 512
    assert paper.mfcc_kernel == 1 and default.mfcc_kernel == 3
    assert paper.max_epochs == paper.patience == 200  # no early stopping in the paper
    assert paper.top_db is None
    from mirnb.models import fcn

    net = fcn.build_mfcc_net(width=1 / 64, kernel=paper.mfcc_kernel)
    assert all(net.get_layer(f"conv{i}").kernel_size == (1,) for i in range(1, 5))
    stft = fcn.build_fcn(4, input_shape=(1 + paper.stft_n_fft // 2, 1366, 1), width=1 / 64)
    assert stft.get_layer("pool4").output.shape[1:3] == (1, 1)
