# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Choi et al. 2016: fully convolutional taggers
#
# {cite}`choi2016automatic` tag music with *fully convolutional networks*
# (FCNs): stacks of 3x3 convolutions and max-pooling, with batch
# normalisation and dropout, that shrink a 96 x 1366 log-mel spectrogram of a
# 29 s clip to a single 1 x 1 x 2048 vector, then one sigmoid per tag. There
# are no fully connected hidden layers. The paper asks two questions:
#
# - **Experiment I** (MagnaTagATune, top 50 tags; Tables 3 and 4): how do
#   depth (FCN-3, 4, 5) and input (mel spectrogram, STFT, MFCC) compare, and
#   how does FCN-4 compare with earlier systems?
# - **Experiment II** (Million Song Dataset, top 50 last.fm tags; Table 5 and
#   Figure 3): with far more training data, do deeper networks (FCN-3 to
#   FCN-7) win?
#
# This chapter runs both on the book's synthetic corpus by default: the
# MagnaTagATune-layout view for Experiment I and a larger tagging view in the
# same layout for Experiment II. With `profile="paper"` the same cells train
# the paper's models on your MagnaTagATune and MSD previews. **Numbers on the
# synthetic corpus describe the book's data; they are not reproductions of
# the paper's real-data numbers.**

# %% tags=["parameters"]
profile = "default"        # "smoke", "default" or "paper"
data_home = None           # folder of the datasets (default $MIRNB_DATA or ~/mir_datasets)
seed = 0
verbose = True
experiment = "all"         # "all", "I" (Tables 3, 4) or "II" (Table 5, Figure 3)
depth = None               # None: every depth; 3 to 7: that FCN only
dataset = None             # None: real data for "paper", synthetic otherwise; or "real"
front_end = None           # None: the profile's; "precomputed" (CPU, cached) or "device"
mixed_precision = None     # None: the profile's; True: float16 compute on a GPU
results_path = None        # a JSON-lines file the results records are appended to

# %%
import dataclasses
import logging
import time
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Audio, Markdown, display

from mirnb import configs, evaluate, features, layers, plotting, training
from mirnb.datasets import core, synth
from mirnb.datasets.msd_previews import MSDPreviews
from mirnb.datasets.mtat import MTAT
from mirnb.models import baselines, fcn

# TensorFlow warns when ten models in one process each trace their own
# functions; that is expected here.
logging.getLogger("tensorflow").setLevel(logging.ERROR)
cfg = configs.profile(configs.Choi2016, profile)
plan = cfg.plan(profile=profile, experiment=experiment, depth=depth, dataset=dataset,
                front_end=front_end)
cfg = dataclasses.replace(cfg, front_end=plan["front_end"],
                          mixed_precision=cfg.mixed_precision if mixed_precision is None
                          else bool(mixed_precision))
fit_verbose = 2 if verbose else 0
policy = training.set_mixed_precision(cfg.mixed_precision)
runs_dir = core.data_home(data_home) / "mirnb_runs" / "choi2016" / profile
print(f"Keras {keras.__version__} on {keras.backend.backend()}, GPU: "
      f"{training.gpu_available()}, dtype policy: {policy}")
print(plan)
cfg

# %% [markdown]
# ## The models
#
# The paper's Table 1 gives FCN-4; Table 2 gives FCN-5, FCN-6 and FCN-7
# (FCN-5 plus one or two 1x1 convolutions with 1024 maps). Every
# convolution is followed by batch normalisation and a ReLU, every pooling
# by dropout 0.5. `fcn.build_fcn` builds them; here are the paper-sized
# models' output shapes, as in the tables.
#
# Table 1 prints FCN-4's second and third outputs as 24 x 85 and 12 x 21,
# which are FCN-5's sizes; FCN-4's own poolings, (4, 5) and (3, 8), give
# 12 x 68 and 4 x 8 and reach 1 x 1 as the table says. We follow the
# poolings.

# %%
paper_tables = {d: fcn.layer_table(fcn.build_fcn(d)) for d in sorted(fcn.PAPER)}
keras.backend.clear_session()
display(paper_tables[4].style.set_caption("FCN-4 (Table 1): paper-sized"))
display(paper_tables[7].style.set_caption("FCN-7 (Table 2; FCN-5 and FCN-6 are its first "
                                          "layers)"))
pd.Series({f"FCN-{d}": t.attrs["params"] for d, t in paper_tables.items()},
          name="parameters (paper size, 50 tags)").to_frame()

# %% [markdown]
# ## The data
#
# Experiment I uses MagnaTagATune's folder split: folders 0-b train, c
# validation, d-f test, the split the paper used; the synthetic view is
# written in the same layout, songs kept within one folder. The 50 most
# frequent tags are predicted. Experiment II uses a larger set: on real data
# the MSD previews (a folder you assemble, see
# `mirnb.datasets.msd_previews`), on the synthetic corpus the `mtat_large`
# view, with twice the clips of twice as many songs, each clip half as long.

# %%
t_data = time.perf_counter()
data_sets = {}
if "I" in plan["experiments"]:
    if plan["real"]:
        data_sets["I"] = MTAT(data_home)
    else:
        data_sets["I"] = synth.load(cfg.synth_view_i, cfg.synth_profile, data_home=data_home,
                                    verbose=verbose)
if "II" in plan["experiments"]:
    if plan["real"]:
        data_sets["II"] = MSDPreviews(data_home)
    else:
        data_sets["II"] = synth.load(cfg.synth_view_ii, cfg.synth_profile,
                                     data_home=data_home, verbose=verbose)
splits = {e: ds.splits("folder" if isinstance(ds, MTAT) else "files")
          for e, ds in data_sets.items()}
tags = {e: ds.top_tags(min(cfg.n_tags, len(ds.tag_names))) for e, ds in data_sets.items()}
Y = {e: ds.tag_matrix(tags=tags[e]).astype(int) for e, ds in data_sets.items()}
data_kind = "real" if plan["real"] else "synthetic"
describe = {e: (f"{type(ds).__name__} {ds.root.name}" if plan["real"]
                else f"synthetic {ds.root.name} view, {cfg.synth_profile} corpus")
            for e, ds in data_sets.items()}
versions = {e: ("" if plan["real"] else
                synth.generate(cfg.synth_profile, views=[ds.root.name], data_home=data_home,
                               verbose=False)["views"][ds.root.name]["key"])
            for e, ds in data_sets.items()}
pd.DataFrame({e: {"dataset": describe[e], "clips": len(ds), "tags predicted": len(tags[e]),
                  **{part: len(ids) for part, ids in splits[e].items()}}
              for e, ds in data_sets.items()}).T

# %% [markdown]
# ## The input
#
# The paper's front end: audio at 12 kHz, a 512-point FFT with hop 256, 96
# mel bands, log amplitude (decibels); 29.12 s of audio give the 1366
# frames of the paper's input (the paper says 29.1 s; 29.12 s is what the
# authors' code loads "to make it 1366 frame"). The STFT input keeps the 257
# linear-frequency bins; the MFCC input is 30 MFCCs with their first and
# second derivatives, 90 values per frame. To fit a CPU, the default profile
# keeps the 512-point frames but hops 1024 samples (a quarter of the paper's
# frame rate: the frames no longer overlap, and about half of the signal
# falls between them) and uses 48 mel bands.
#
# The features are computed once per clip, in parallel, and cached by
# content (`features.extract`); a second run reads them back.

# %%
fe = dict(sr=cfg.sr, duration=cfg.duration, verbose=verbose)
mel_kw = dict(n_fft=cfg.n_fft, hop_length=cfg.hop_length, n_mels=cfg.n_mels)
stft_kw = dict(n_fft=cfg.n_fft, hop_length=cfg.hop_length)
mfcc_kw = dict(n_mfcc=cfg.n_mfcc, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
               n_mels=cfg.n_mels)
arrays_dir = runs_dir / "arrays" if plan["real"] else None
inputs = {}
for e, ds in data_sets.items():
    tracks = [ds.track(t) for t in ds.track_ids]
    kinds = ["mel"] + (["stft", "mfcc"] if e == "I" and plan["variants"] else [])
    for kind in kinds:
        if kind == "mfcc":
            func, kw = "mfcc_with_deltas", mfcc_kw
        elif cfg.front_end == "device":
            func, kw = training.waveform, {}
        else:
            func, kw = ("log_mel", mel_kw) if kind == "mel" else ("log_stft", stft_kw)
        path = None if arrays_dir is None else arrays_dir / f"{e}-{kind}-{cfg.front_end}.npy"
        X, ids, skipped = training.extract_stacked(tracks, func, path=path, **fe, **kw)
        if skipped:
            print(f"Experiment {e}, {kind}: skipped {len(skipped)} clips: "
                  f"{[(s.track_id, s.reason) for s in skipped[:5]]}")
        inputs[e, kind] = training.TaggingData.from_split(X, ids, Y[e], splits[e])
print(f"inputs ready in {time.perf_counter() - t_data:.1f} s")
pd.DataFrame({f"{e} {k}": {"shape per clip": " x ".join(map(str, d.input_shape)),
                           **d.counts()} for (e, k), d in inputs.items()}).T

# %% [markdown]
# One clip as the networks see it, and the same spectrogram computed inside a
# Keras model by `layers.LogMelSpectrogram` (STFT with `keras.ops.stft`, a
# librosa mel filter bank, decibels). On a GPU this layer lets the model read
# audio and compute its own input, so that a CPU front end does not starve
# the accelerator (`front_end="device"`). The two agree to a fraction of a
# decibel:

# %%
e0 = plan["experiments"][0]
clip = data_sets[e0].track(data_sets[e0].track_ids[0])
y_clip, _ = clip.audio(sr=cfg.sr, duration=cfg.duration)
S_cpu = features.log_mel(y_clip, sr=cfg.sr, **mel_kw)
S_dev = np.asarray(layers.LogMelSpectrogram(sr=cfg.sr, **mel_kw)(y_clip[None]))[0, :, :, 0]
print(f"librosa vs keras.ops front end: max |difference| = "
      f"{np.abs(S_cpu - S_dev).max():.2e} dB over {S_cpu.size} values")
fig, ax = plt.subplots(figsize=(10, 3))
plotting.specshow(S_cpu, sr=cfg.sr, hop_length=cfg.hop_length, y_axis="mel", ax=ax,
                  title=f"{clip.track_id}: log-mel input ({' x '.join(map(str, S_cpu.shape))})")
plt.show()

# %% [markdown]
# Does the input pipeline keep up with training? The clips per second that
# the batches are assembled at, against the clips per second a training
# step of FCN-4 consumes, on this machine (`benchmarks/choi2016_throughput.py`
# measures the same for the paper-sized model and writes JSON):

# %%
data0 = inputs[e0, "mel"]
probe = data0.batches("train", batch_size=cfg.batch_size, shuffle=True, seed=seed)
pipe = training.pipeline_throughput(probe, n_batches=min(len(probe), 20))
fe_layer = (layers.LogMelSpectrogram(sr=cfg.sr, **mel_kw) if cfg.front_end == "device"
            else None)
probe_model = training.compile_tagger(fcn.build_fcn(
    4, input_shape=data0.input_shape, n_tags=len(data0.tags), width=cfg.width,
    dropout=cfg.dropout, front_end=fe_layer))
xb, yb = probe[0]
step = training.step_throughput(probe_model, xb, yb, n_steps=3)
keras.backend.clear_session()
pd.DataFrame({"input pipeline (batches from memory)": pipe, "FCN-4 training step": step}
             ).T[["clips_per_s", "seconds"]].round(1)

# %% [markdown]
# ## Experiment I: depth and input type
#
# FCN-3, FCN-4 and FCN-5 on the mel spectrogram, FCN-4 on the STFT and the
# frame-based MFCC network, each trained with Adam and binary cross-entropy,
# stopped early on the validation ROC-AUC (macro over tags), then tested.
# A baseline that knows nothing of convolutions stands beside them: the mean
# and standard deviation of MFCCs per clip, with one logistic regression per
# tag, trained on the same training clips.
#
# The `paper` profile trains the paper's sizes with dropout 0.5, for at most
# 100 epochs and 5 without improvement (the paper does not give these two
# numbers). The `default` profile gives every layer 1/8 of the paper's
# feature maps, uses dropout 0.1 (at that width, dropout 0.5 after every
# pooling left FCN-4 at a validation AUC of 0.64 after 12 epochs, against
# about 0.76 with 0.1), batches of 16 clips, and at most 12 epochs, or 3
# without improvement.

# %%
runs = {}
results = []
common = dict(chapter="choi2016", data_kind=data_kind, profile=profile, seeds=(seed,),
              config=cfg)
# Choi et al. 2016, Table 3 prints a ROC-AUC for every row. We quote only the
# value we could check against a source at hand (FCN-4 on the mel spectrogram,
# 0.894, as quoted in the emergentmind.com summary of arXiv:1606.00298); the
# other cells are left empty rather than guessed.
paper_i = {"FCN-4 (mel)": 0.894}

if "I" in plan["experiments"]:
    models_i = [(f"FCN-{d} (mel)", "mel", d) for d in plan["depths_i"]]
    if plan["variants"]:
        models_i += [("FCN-4 (STFT)", "stft", 4), ("MFCC network", "mfcc", None)]
    for name, kind, d in models_i:
        data = inputs["I", kind]
        n_mels = None if kind == "stft" else cfg.n_mels
        front = (layers.LogMelSpectrogram(sr=cfg.sr, n_fft=cfg.n_fft,
                                          hop_length=cfg.hop_length, n_mels=n_mels)
                 if cfg.front_end == "device" and kind != "mfcc" else None)
        build = (lambda data=data, d=d, front=front: fcn.build_mfcc_net(
            input_shape=data.input_shape, n_tags=len(data.tags), width=cfg.width,
            dropout=cfg.dropout) if d is None else fcn.build_fcn(
            d, input_shape=data.input_shape, n_tags=len(data.tags), width=cfg.width,
            dropout=cfg.dropout, front_end=front))
        ckpt = runs_dir / f"I-{kind}-{d}-seed{seed}" if cfg.checkpoints else None
        runs["I", name] = training.train_tagger(
            build, data, epochs=cfg.max_epochs, patience=cfg.patience,
            batch_size=cfg.batch_size, learning_rate=cfg.learning_rate, seed=seed,
            checkpoint_dir=ckpt, name=name, verbose=fit_verbose)
        results += runs["I", name].results(
            experiment="Experiment I (Table 3)", dataset=describe["I"],
            dataset_version=versions["I"], split="folder split (0-b / c / d-f)",
            paper_value=paper_i.get(name), paper_ref="Choi et al. 2016, Table 3", **common)
        keras.backend.clear_session()

# %%
if "I" in plan["experiments"]:
    ds = data_sets["I"]
    base_tracks = [ds.track(t) for t in ds.track_ids]
    # overlapping frames (hop n_fft / 2) whatever the networks' hop: the
    # statistics of the baseline get every part of the signal
    X_base, skipped_base = baselines.clip_features(
        base_tracks, "mfcc", sr=cfg.sr, n_mfcc=cfg.baseline_n_mfcc, n_fft=cfg.n_fft,
        hop_length=cfg.n_fft // 2, verbose=verbose)
    y_true, y_score = baselines.fit_predict(
        baselines.linear_tagger(C=cfg.baseline_C, random_state=seed), X_base, Y["I"],
        {"train": splits["I"]["train"], "test": splits["I"]["test"]}, proba=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base_report = evaluate.tagging_report(y_true, y_score, k=(3,), tags=tags["I"])
    baseline_auc = base_report["AUC-T"]
    for metric, key in (("ROC-AUC", "AUC-T"), ("PR-AUC", "PR-AUC")):
        results.append(evaluate.Result(
            experiment="Experiment I (Table 3)",
            method="MFCC statistics + logistic regression (baseline, ours)", metric=metric,
            value=base_report[key], dataset=describe["I"], dataset_version=versions["I"],
            split="folder split (0-b / c / d-f)",
            extra={"skipped": len(skipped_base), "n_mfcc": cfg.baseline_n_mfcc}, **common))
    print(f"baseline test ROC-AUC {baseline_auc:.3f}")

# %% [markdown]
# ### Results of Experiment I
#
# Test ROC-AUC (macro over tags, the paper's measure) and PR-AUC. The
# paper's column holds the paper's number where we could verify it; every
# row says which data produced our number.

# %%
table_i = evaluate.results_table([r for r in results if r.experiment.startswith(
    "Experiment I ")])
table_i[["Method", "Metric", "Ours", "Paper", "Paper source", "Data", "Note"]]

# %%
if "I" in plan["experiments"]:
    fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), constrained_layout=True)
    plotting.compare_curves({name: r.fit.history for (e, name), r in runs.items() if e == "I"},
                            metric="val_auc", ax=axes[0], ylabel="validation ROC-AUC",
                            title="Experiment I: validation AUC per epoch")
    names_i = [n for e, n in runs if e == "I"]
    aucs_i = [runs["I", n].auc for n in names_i] + [baseline_auc]
    labels_i = names_i + ["MFCC stats + LR"]
    axes[1].barh(labels_i, aucs_i, color=["C0"] * len(names_i) + ["C7"])
    axes[1].set_xlim(0.5, 1.0)
    axes[1].invert_yaxis()
    axes[1].set_xlabel("test ROC-AUC")
    axes[1].set_title("Experiment I: test ROC-AUC")
    plt.show()

# %% [markdown]
# ### Table 4: earlier systems on MagnaTagATune
#
# The paper's Table 4 compares FCN-4 with earlier systems. We could not
# obtain the text of that table from a source at hand, so its cells are left
# empty rather than guessed. For orientation, here are the numbers the
# earlier systems' own papers report, as listed by the paper's first author
# (github.com/keunwoochoi/magnatagatune-list). They use other splits and tag
# sets than the paper (and than each other), so they are not a ranking.

# %%
pd.DataFrame([
    {"system": "1-D convolutions on mel spectrograms (Dieleman & Schrauwen 2014)",
     "AUC reported by its paper": 0.8815,
     "tags, split": "12 / 1 / 3 of the 16 folders (train / valid / test)",
     "Choi et al. 2016, Table 4": evaluate.MISSING},
    {"system": "Deep bag of features (Nam et al. 2015)", "AUC reported by its paper": 0.888,
     "tags, split": "160 tags; 14600 / 1629 / 6499 clips",
     "Choi et al. 2016, Table 4": evaluate.MISSING},
    {"system": "PMSC + multi-time-scale learning (Hamel et al. 2011)",
     "AUC reported by its paper": 0.861,
     "tags, split": "14600 / 1629 / 6499 clips (tags not stated in the list)",
     "Choi et al. 2016, Table 4": evaluate.MISSING},
    {"system": "FCN-4, mel spectrogram (Choi et al. 2016)",
     "AUC reported by its paper": paper_i["FCN-4 (mel)"],
     "tags, split": "top 50; folders 0-b / c / d-f",
     "Choi et al. 2016, Table 4": evaluate.MISSING},
])

# %% [markdown]
# ## Experiment II: depth with more data
#
# FCN-3 to FCN-7 on the larger set. Figure 3 of the paper plots the
# validation AUC of each depth as training goes on; here it is for our runs.
# The paper's Table 5 prints the test AUCs on the MSD. The first author's
# ISMIR 2016 slides revisit those MSD results under the headings "Reported
# (and incorrect) results" and "Correct results"; we have neither set of
# numbers at hand, so the paper column stays empty.

# %%
if "II" in plan["experiments"]:
    data = inputs["II", "mel"]
    for d in plan["depths_ii"]:
        front = (layers.LogMelSpectrogram(sr=cfg.sr, **mel_kw)
                 if cfg.front_end == "device" else None)
        ckpt = runs_dir / f"II-mel-{d}-seed{seed}" if cfg.checkpoints else None
        runs["II", f"FCN-{d}"] = training.train_tagger(
            lambda d=d, front=front: fcn.build_fcn(
                d, input_shape=data.input_shape, n_tags=len(data.tags), width=cfg.width,
                dropout=cfg.dropout, front_end=front),
            data, epochs=cfg.max_epochs, patience=cfg.patience, batch_size=cfg.batch_size,
            learning_rate=cfg.learning_rate, seed=seed, checkpoint_dir=ckpt,
            name=f"FCN-{d}", verbose=fit_verbose)
        results += runs["II", f"FCN-{d}"].results(
            experiment="Experiment II (Table 5)", dataset=describe["II"],
            dataset_version=versions["II"],
            split="folder split (0-b / c / d-f)" if not plan["real"] else "split files",
            paper_ref="Choi et al. 2016, Table 5", **common)
        keras.backend.clear_session()

# %%
if "II" in plan["experiments"]:
    fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), constrained_layout=True)
    plotting.compare_curves({name: r.fit.history for (e, name), r in runs.items() if e == "II"},
                            metric="val_auc", ax=axes[0], ylabel="validation ROC-AUC",
                            title="Experiment II (cf. Figure 3): validation AUC per epoch")
    names_ii = [n for e, n in runs if e == "II"]
    axes[1].plot(names_ii, [runs["II", n].auc for n in names_ii], marker="o")
    axes[1].set_ylabel("test ROC-AUC")
    axes[1].set_title("Experiment II: test ROC-AUC by depth")
    plt.show()
table_ii = evaluate.results_table([r for r in results if r.experiment.startswith(
    "Experiment II")])
table_ii[["Method", "Metric", "Ours", "Paper", "Paper source", "Data", "Note"]]

# %% [markdown]
# ## Which tags are easy?
#
# The test ROC-AUC of every tag for FCN-4 on the mel spectrogram (or the
# first model run, when FCN-4 was not). Tags with a single class in the
# test set have no ROC curve and are counted, not drawn.

# %%
key = ("I", "FCN-4 (mel)") if ("I", "FCN-4 (mel)") in runs else next(iter(runs))
fig, ax = plt.subplots(figsize=(14, 3.8))
plotting.tag_bars(runs[key].per_tag, ax=ax,
                  title=f"{key[1]}, Experiment {key[0]}: test ROC-AUC per tag")
ax.axhline(0.5, color="k", lw=0.8, ls=":")
plt.show()

# %% [markdown]
# ## What the tagger says about a clip
#
# Beyond the paper: what a user of the model sees. A few test clips, with the
# model's five most probable tags beside the clip's tags. On the synthetic
# corpus the clip's tags are the crowd-like noisy ones it was trained on; the
# renderer's ground truth (what was actually played) is shown too.

# %%
run_show = runs[key]
data_show = inputs[key[0], "mel" if key[0] == "II" or "(mel)" in key[1] else
                   ("stft" if "STFT" in key[1] else "mfcc")]
ds_show = data_sets[key[0]]
truth_path = ds_show.root / "synth_labels.csv"
truth = (pd.read_csv(truth_path, dtype={"clip_id": str}, keep_default_na=False)
         .set_index("clip_id")["true_tags"] if truth_path.is_file() else None)
test_rows = data_show.parts["test"]
rng = np.random.default_rng(seed)
for i in rng.choice(len(test_rows), size=min(cfg.n_show, len(test_rows)), replace=False):
    tid = data_show.ids[test_rows[i]]
    scores = pd.Series(run_show.scores[i], index=data_show.tags).sort_values(ascending=False)
    clip_tags = set(ds_show.labels.loc[tid, "tags"])
    true_tags = set(truth.loc[tid].split(";")) if truth is not None and tid in truth.index \
        else None
    top = scores.head(5)
    display(Markdown(f"**clip {tid}**"))
    y_show, sr_show = ds_show.track(tid).audio(sr=None)
    display(Audio(y_show, rate=sr_show))
    display(pd.DataFrame({
        "predicted tag": top.index, "probability": top.round(3).to_numpy(),
        "in the clip's tags": ["yes" if t in clip_tags else "" for t in top.index],
        **({"actually played": ["yes" if t in true_tags else "" for t in top.index]}
           if true_tags is not None else {})}))
    print("the clip's tags:", ", ".join(sorted(clip_tags & set(data_show.tags))) or "none")

# %% [markdown]
# ## How the depths and inputs compare here
#
# Read off this run's numbers (they change with the profile, the seed and
# the data):

# %%
lines = []
auc_of = {name: r.auc for (e, name), r in runs.items() if e == "I"}
if auc_of:
    best = max(auc_of, key=auc_of.get)
    lines.append(f"Experiment I: the best test ROC-AUC is {best}'s, "
                 f"{auc_of[best]:.3f}; the MFCC-statistics baseline reaches "
                 f"{baseline_auc:.3f}.")
    if "FCN-4 (mel)" in auc_of:
        gap = auc_of["FCN-4 (mel)"] - baseline_auc
        lines.append(f"FCN-4 on the mel spectrogram {'beats' if gap > 0 else 'does not beat'}"
                     f" the baseline ({gap:+.3f}).")
    mel = {n: a for n, a in auc_of.items() if n.endswith("(mel)")}
    if len(mel) > 1:
        order = sorted(mel, key=mel.get, reverse=True)
        lines.append("Depth on the mel input, best first: "
                     + ", ".join(f"{n} {mel[n]:.3f}" for n in order)
                     + ". The paper reports its best MagnaTagATune result with FCN-4 on "
                     "the mel spectrogram.")
    if "FCN-4 (mel)" in auc_of and "FCN-4 (STFT)" in auc_of:
        diff = auc_of["FCN-4 (mel)"] - auc_of["FCN-4 (STFT)"]
        lines.append(f"Mel against STFT input for FCN-4: {diff:+.3f} for mel.")
    if "FCN-4 (mel)" in auc_of and "MFCC network" in auc_of:
        diff = auc_of["FCN-4 (mel)"] - auc_of["MFCC network"]
        lines.append(f"Mel spectrogram against the MFCC network: {diff:+.3f} for mel. "
                     "The paper concludes that the mel spectrogram is an effective input "
                     "for tagging.")
auc_ii = {name: r.auc for (e, name), r in runs.items() if e == "II"}
if len(auc_ii) > 1:
    names = list(auc_ii)
    best = max(auc_ii, key=auc_ii.get)
    rising = all(auc_ii[a] <= auc_ii[b] for a, b in zip(names, names[1:]))
    lines.append("Experiment II: " + ", ".join(f"{n} {auc_ii[n]:.3f}" for n in names)
                 + f". The best is {best}; the AUC "
                 + ("rises with every added layer" if rising else "does not rise steadily "
                    "with depth") + ". The paper found that deeper models outperformed "
                 "FCN-4 on the much larger MSD; a synthetic corpus of this size can neither "
                 "confirm nor refute that for real data.")
display(Markdown("\n".join(f"- {line}" for line in lines)))

# %% [markdown]
# ## All results
#
# Every number of this chapter as a results record (saved as JSON lines when
# `results_path` is given, which is how `mirnb sweep` collects the runs of a
# sweep).

# %%
if results_path:
    for r in results:
        r.save(results_path)
    print(f"{len(results)} records appended to {results_path}")
evaluate.results_table(results)
