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
# {footcite}`choi2016automatic` tag music with *fully convolutional networks*
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
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from mirnb import features, plotting, publish
from mirnb.chapters import choi2016, paper_table
from mirnb.results import results_table, save_results

cfg, plan = choi2016.setup(profile, experiment=experiment, depth=depth, dataset=dataset,
                           front_end=front_end, mixed_precision=mixed_precision,
                           verbose=verbose)
cfg

# %% [markdown]
# Every number the paper prints for its experiments, with where it is
# printed; the results below set each beside ours on the same row:

# %%
paper_table(choi2016.PAPER)

# %% [markdown]
# ## The models
#
# The paper's Table 1 gives FCN-4; Table 2 gives FCN-5, FCN-6 and FCN-7
# (FCN-5 plus one or two 1x1 convolutions with 1024 maps). Every
# convolution is followed by batch normalisation and a ReLU, every pooling
# by dropout 0.5. `fcn.build_fcn` builds them. Past its checks, the model is
# the few lines below: a batch normalisation of the input (in the authors'
# code, not in the paper's text), then one block per pooling (a 3x3
# convolution, batch normalisation, ReLU, max-pooling, dropout), the 1x1
# convolutions of FCN-6 and FCN-7, and one sigmoid unit per tag:
#
# ```{literalinclude} ../../src/mirnb/models/fcn.py
# :pyobject: build_fcn
# :start-at: if input_norm:
# :dedent:
# :language: python
# ```
#
# Here are the paper-sized models' output shapes, as in the tables.
#
# Table 1 prints FCN-4's second and third outputs as 24 x 85 and 12 x 21,
# which are FCN-5's sizes; FCN-4's own poolings, (4, 5) and (3, 8), give
# 12 x 68 and 4 x 8 and reach 1 x 1 as the table says. We follow the
# poolings.

# %%
paper_tables = choi2016.paper_models()
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
data = choi2016.load(cfg, plan, data_home=data_home, verbose=verbose)
data.summary()

# %% [markdown]
# ## The input
#
# The paper's front end: audio at 12 kHz, a 512-point FFT with hop 256, 96
# mel bands, log amplitude (decibels); 29.12 s of audio give the 1366
# frames of the paper's input (the paper says 29.1 s; 29.12 s is what the
# authors' code loads "to make it 1366 frame"). The paper's text says a
# 256-point FFT; the mel input follows the authors' code's 512-point frames,
# and the STFT input takes the paper's 256-point FFT (129 bins) in the
# `paper` profile and 512-point frames (257 bins) in the others. The MFCC
# input is 30 MFCCs with their first and second derivatives, 90 values per
# frame. Log amplitude here is decibels of the power with no floor; the
# authors' code kept only about 40 dB (`top_db=40` reproduces it; see the
# config). To fit a CPU, the default profile
# keeps the 512-point frames but hops 1024 samples (a quarter of the paper's
# frame rate: the frames no longer overlap, and about half of the signal
# falls between them) and uses 48 mel bands.
#
# The features are computed once per clip, in parallel, and cached by
# content (`features.extract`); a second run reads them back.

# %%
inputs = choi2016.make_inputs(data, cfg, plan, verbose=verbose)
choi2016.inputs_summary(inputs)

# %% [markdown]
# Why mel rather than STFT? The paper's Figure 2 counts how many of the 96
# mel bands and of the 129 bins of a 256-point FFT fall in each 1 kHz band at
# 12 kHz: the mel spectrogram spends its resolution on the low frequencies
# ({numref}`fig-choi-bins`). Nam et al.'s
# {doc}`bag-of-features chapter <04_nam2015>` starts from log-mel bands too.

# %%
bins = features.bins_per_khz()
bins.T

# %% mystnb={"figure": {"caption": "The paper's Figure 2, recomputed: how many of the 96 mel bands and of the 129 bins of a 256-point STFT fall in each 1 kHz band of 12 kHz audio. The mel bands crowd at the bottom (35 below 1 kHz, 6 between 5 and 6 kHz); the STFT bins spread evenly.", "name": "fig-choi-bins"}, "image": {"alt": "Grouped bar chart of mel bands and STFT bins per 1 kHz band, 0 to 6 kHz"}}
fig, ax = plt.subplots(figsize=(plotting.PAGE_WIDTH, 2.8), constrained_layout=True)
bins.plot.bar(rot=0, ax=ax, ylabel="bins per 1 kHz band",
              title="Figure 2 (recomputed): bins per 1 kHz band, 12 kHz audio")
plt.show()

# %% [markdown]
# One clip as the networks see it, and the same spectrogram computed inside a
# Keras model by `layers.LogMelSpectrogram` (STFT with `keras.ops.stft`, a
# librosa mel filter bank, decibels). On a GPU this layer lets the model read
# audio and compute its own input, so that a CPU front end does not starve
# the accelerator (`front_end="device"`). {numref}`fig-choi-input` shows the
# librosa one; the two agree to a fraction of a decibel, as the line below
# the figure says.

# %% mystnb={"figure": {"caption": "One clip's log-mel spectrogram as the networks read it (librosa front end, decibels). The Keras layer computes the same matrix inside the model; their largest difference is printed below.", "name": "fig-choi-input"}, "image": {"alt": "A log-mel spectrogram of one clip with a dB colour bar"}}
fig, ax = plt.subplots(figsize=(plotting.PAGE_WIDTH, 2.8), constrained_layout=True)
max_diff, _ = choi2016.front_end_check(data, cfg, ax=ax)
plt.show()

# %%
print(f"librosa vs keras.ops front end: max |difference| = {max_diff:.2e} dB")

# %% [markdown]
# Does the input pipeline keep up with training? The clips per second that
# the batches are assembled at, against the clips per second a training
# step of FCN-4 consumes, on this machine (`benchmarks/choi2016_throughput.py`
# measures the same for the paper-sized model and writes JSON):

# %%
choi2016.throughput(inputs, cfg, plan, seed=seed)

# %% [markdown]
# ## Experiment I: depth and input type
#
# FCN-3, FCN-4 and FCN-5 on the mel spectrogram, FCN-4 on the STFT and the
# MFCC network (frame-based, as the paper's, in the `paper` profile; a
# 3-frame kernel in the others, ours), each trained with Adam and binary cross-entropy,
# stopped early on the validation ROC-AUC (macro over tags), then tested.
# A baseline that knows nothing of convolutions stands beside them: the mean
# and standard deviation of MFCCs per clip, with one logistic regression per
# tag, trained on the same training clips.
#
# The stopping rule is ours: the paper gives none, and its deepest models
# were still improving when training ended. The `paper` profile trains the
# paper's sizes with dropout 0.5 for a fixed budget of 200 epochs, keeping
# the best validation epoch. The
# `default` profile gives every layer 1/8 of the paper's feature maps, uses
# dropout 0.1 (at that width, dropout 0.5 after every pooling left FCN-4 at
# a validation AUC of 0.64 after 12 epochs, against about 0.76 with 0.1),
# batches of 16 clips, and at most 12 epochs, or 3 without improvement.

# %%
runs_i, records = choi2016.experiment_i(inputs, data, cfg, plan, seed=seed, verbose=verbose)
baseline_auc, base_records = choi2016.baseline(data, cfg, plan, seed=seed, verbose=verbose)
records += base_records

# %% [markdown]
# ### Results of Experiment I
#
# Test ROC-AUC (macro over tags, the paper's measure) and PR-AUC, with the
# paper's Table 3 number on the row it belongs to; every row says which data
# produced our number.

# %%
choi2016.experiment_table(records, "I")

# %% [markdown]
# The FCN-4 is saved with a model card beside the data (under
# `mirnb_runs/models/choi2016/fcn4`), so that `mirnb tag song.wav` can tag
# your own audio with it. {doc}`The closing chapter <06_comparison>` shows
# it at work. A model trained on the synthetic corpus will not tag real
# music well, and its card says so.

# %%
Markdown(choi2016.save_model(runs_i, data, cfg, plan, seed=seed, data_home=data_home))

# %% [markdown]
# {numref}`fig-choi-exp1` shows how each network got there.

# %% mystnb={"figure": {"caption": "Experiment I: validation ROC-AUC per epoch of each network (left) and the test ROC-AUC of each, with the MFCC-statistics baseline in grey (right). In the paper (Table 3) FCN-4 on the mel spectrogram leads (0.894), FCN-5 is close (0.890), and the STFT input (0.846) falls below even the MFCC network (0.862).", "name": "fig-choi-exp1"}, "image": {"alt": "Learning curves of validation AUC per network beside a bar chart of their test AUCs"}}
choi2016.plot_experiment(runs_i, title="Experiment I", baseline_auc=baseline_auc)
plt.show()

# %% [markdown]
# ### Table 4: earlier systems on MagnaTagATune
#
# The paper's Table 4, as printed. The systems were measured with other
# splits and tag sets than each other, so the table is a context, not a
# ranking; the paper itself notes that they all lie between 0.88 and 0.90.

# %%
choi2016.table4()

# %% [markdown]
# ## Experiment II: depth with more data
#
# FCN-3 to FCN-7 on the larger set. Figure 3 of the paper plots the
# validation AUC of each depth as training goes on; here it is for our runs
# ({numref}`fig-choi-exp2`), with the paper's Table 5 beside our test AUCs.

# %%
runs_ii, records_ii = choi2016.experiment_ii(inputs, data, cfg, plan, seed=seed,
                                             verbose=verbose)
records += records_ii

# %% mystnb={"figure": {"caption": "Experiment II, our analogue of the paper's Figure 3: validation ROC-AUC per epoch of FCN-3 to FCN-7 on the larger set (left) and their test ROC-AUC (right). In the paper (Table 5) the AUC rises with depth up to FCN-6 (0.851), with FCN-5 (0.848) and FCN-7 (0.845) close behind.", "name": "fig-choi-exp2"}, "image": {"alt": "Learning curves of validation AUC for five network depths beside a bar chart of their test AUCs"}}
choi2016.plot_experiment(runs_ii, title="Experiment II (cf. Figure 3)")
plt.show()

# %%
choi2016.experiment_table(records, "II")

# %% [markdown]
# ## What the tagger says about a clip
#
# Beyond the paper: what a user of the model sees. A few test clips, with the
# model's five most probable tags beside the clip's tags. On the synthetic
# corpus the clip's tags are the crowd-like noisy ones it was trained on; the
# renderer's ground truth (what was actually played) is shown too.

# %%
runs = {**{("I", n): r for n, r in runs_i.items()}, **{("II", n): r for n, r in runs_ii.items()}}
shown = choi2016.show_clips(runs, inputs, data, cfg, seed=seed)

# %% [markdown]
# ## Which tags are easy?
#
# The test ROC-AUC of every tag for the same model
# ({numref}`fig-choi-tags`). Tags with a single class in the test set have
# no ROC curve and are counted, not drawn.

# %% mystnb={"figure": {"caption": "Test ROC-AUC of every tag for the model above, from best to worst; the dotted line is chance (0.5): bars below it are tags the model ranks worse than chance.", "name": "fig-choi-tags"}, "image": {"alt": "Bar chart of per-tag test ROC-AUC, sorted, with a dotted chance line"}}
choi2016.plot_tag_auc(runs, shown)
plt.show()

# %% [markdown]
# ## What the paper found, and what this run shows
#
# Claim by claim, computed from this run's numbers (they change with the
# profile, the seed and the data):

# %%
display(Markdown(choi2016.verdict(runs_i, runs_ii, baseline_auc=baseline_auc,
                                  data_kind=data.data_kind)))

# %% [markdown]
# ## All results
#
# Every number of this chapter as a results record (saved as JSON lines when
# `results_path` is given, which is how `mirnb sweep` collects the runs of a
# sweep).

# %%
save_results(records, results_path)
display(results_table(records))
publish.download(records, name="choi2016_results")

# %% [markdown]
# ## References
#
# ```{footbibliography}
# ```
