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
# # The five methods on common ground
#
# Each paper of this book measured itself on its own data, split and metric:
# {doc}`Hamel & Eck <01_hamel2010>` {footcite}`hamel2010learning` on GTZAN and
# MajorMiner, {doc}`Dieleman et al. <02_dieleman2011>`
# {footcite}`dieleman2011audio` on the Million Song Dataset,
# {doc}`Zhang et al. <03_zhang2015>` {footcite}`zhang2015deep` on GTZAN and
# ISMIR2004, {doc}`Nam et al. <04_nam2015>` {footcite}`nam2015deep` and
# {doc}`Choi et al. <05_choi2016>` {footcite}`choi2016automatic` on
# MagnaTagATune with different splits and tag sets. Their numbers cannot be
# set side by side. This chapter runs all of them under one protocol, on two
# common tasks of the book's synthetic corpus, which is one world rendered
# into every dataset's layout:
#
# - **genre**: the synthetic GTZAN view, stratified k-fold cross-validation
#   (each fold one run, with its own seed); accuracy;
# - **tags**: the synthetic MagnaTagATune view, its folder split, which
#   keeps the clips of a song together, one run per seed; AUC-T (ROC-AUC
#   per tag, averaged), AUC-C (per clip), PR-AUC and precision at 3.
#
# Every method keeps its chapter's `default` model size. Where this chapter's
# budget cut training, as it did for Hamel's fine-tuning, the table of
# methods says so. **All numbers here are
# on synthetic data.** They rank the methods on the book's corpus at CPU
# size. They say nothing about how the methods rank on the papers' datasets.

# %% tags=["parameters"]
profile = "default"        # "smoke", "default" or "paper" (real GTZAN and MagnaTagATune)
data_home = None           # folder of the datasets (default $MIRNB_DATA or ~/mir_datasets)
methods = None             # None: all; or a list of keys, e.g. ["mfcc", "fcn4"]
records_dir = None         # where the chapters wrote their results CSVs (default: the book's)
verbose = True

# %%
import time

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from mirnb import plotting, publish
from mirnb.chapters import comparison

t_start = time.perf_counter()
cfg = comparison.config(profile, methods=methods)
ts = comparison.tasks(cfg, data_home=data_home, verbose=verbose)
comparison.tasks_table(ts)

# %% [markdown]
# ## The methods, and what changed for each task
#
# Each paper's representation gets the head that suits the task. Where a
# method needs adapting to the other task, for instance a softmax head for a
# tagger or sigmoid outputs for a genre classifier, the table says exactly
# what changed. Beside the five papers runs a baseline of our own: the mean
# and standard deviation of 20 MFCCs per clip, then logistic regression.
# Every unsupervised stage (RBMs, codebooks, dictionaries) learns from the
# run's training clips only.

# %%
ms = comparison.methods(cfg)
Markdown(comparison.adaptations(ms, ts))

# %% [markdown]
# Each paper reported its headline number on its own data, as printed
# below (from the chapters' tables). These numbers are not comparable with
# one another, and the rest of this chapter exists for that reason.

# %%
comparison.papers_own_numbers(ms)

# %% [markdown]
# ## Running everything
#
# For each method and task, the features of every clip are computed once.
# The extraction cache is shared with the chapters, so a chapter run has
# already paid for most of them. Each run then trains on its training clips
# and scores its test clips. The whole protocol is this loop:
#
# ```{literalinclude} ../../src/mirnb/chapters/comparison.py
# :pyobject: evaluate
# :start-at: scores, costs, test, states
# :dedent:
# :language: python
# ```
#
# The log is folded below.

# %%
out = comparison.evaluate(ts, ms, verbose=verbose)

# %% [markdown]
# ## Quality
#
# Mean ± standard deviation over the runs: the folds for genre, the seeds
# for tags. With about 130 test clips per genre fold, one clip is 0.008 of
# accuracy. The MFCC baseline's tag numbers have no spread: its split is
# fixed and its logistic regressions do not depend on the seed.

# %%
display(comparison.quality_table(out, "genre"))
comparison.quality_table(out, "tags")

# %% [markdown]
# Differences between methods are *paired*: both methods ran on the same
# folds and seeds and were tested on the same clips. So the spread that
# matters is that of the differences, and it is smaller than that of either
# method alone. {numref}`fig-cmp-diffs` shows every pair. A number in bold is
# a difference larger than its own standard deviation over runs, which is a
# mild bar: with three runs it is not a significance test.

# %% mystnb={"figure": {"caption": "Paired differences of the main metric, row method minus column method, averaged over runs (top: genre accuracy; bottom: tag AUC-T). Blue: the row method is ahead; red: it is behind. Bold: the mean difference exceeds its standard deviation over runs.", "name": "fig-cmp-diffs"}, "image": {"alt": "Two square matrices of differences between methods, coloured red where the row method is ahead and blue where it is behind"}}
fig, axes = plt.subplots(2, 1, figsize=(plotting.PAGE_WIDTH, 9.5), constrained_layout=True)
comparison.plot_differences(comparison.paired_differences(out, "genre"), ax=axes[0])
comparison.plot_differences(comparison.paired_differences(out, "tags"), ax=axes[1])
plt.show()

# %% [markdown]
# The confusion matrix of the best genre method, on the first fold's test
# clips:

# %% mystnb={"figure": {"caption": "Confusion matrix of the best genre method on the first fold (rows: true genre, normalised; columns: predicted).", "name": "fig-cmp-confusion"}, "image": {"alt": "A ten by ten confusion matrix of genres, darkest on the diagonal"}}
cm = comparison.best_confusion(out, ts)
plotting.confusion_matrix(cm, title=f"{cm.attrs['method']}, first fold")
plt.show()

# %% [markdown]
# ## Cost
#
# These are parameters, training seconds and inference speed on this
# machine's CPU (2 cores; no GPU was used). *Features* is the one-off cost of
# a task's inputs, often read from the chapters' cache. *Training* covers
# every stage of one run, unsupervised pretraining included. *Inference*
# scores test clips from their features. {numref}`fig-cmp-cost` sets quality
# against training cost.

# %%
comparison.cost_table(out)

# %% mystnb={"figure": {"caption": "Quality against training cost, one point per method (mean ± SD over runs; log time axis). Left: genre accuracy; right: tag AUC-T.", "name": "fig-cmp-cost"}, "image": {"alt": "Two scatter plots of quality against training seconds, one point per method with error bars"}}
comparison.plot_cost(out)
plt.show()

# %% [markdown]
# ## What each method learns
#
# {numref}`fig-cmp-tsne` maps each method's clip-level representation of the
# same test clips (the first genre fold) with t-SNE, coloured by genre in one
# palette. The representation is what each method's head sees: the MFCC
# statistics, the DBN's pooled activations, the convolutional networks'
# last hidden layers, the deep bag of features. Clusters that separate the
# genres here are ones that a simple head can use.

# %% mystnb={"figure": {"caption": "t-SNE maps of each method's representation of the same genre test clips (first fold), coloured by true genre.", "name": "fig-cmp-tsne"}, "image": {"alt": "A grid of small scatter plots, one per method, of test clips coloured by genre"}}
maps = comparison.tsne_maps(out, ts, perplexity=cfg.perplexity)
comparison.plot_maps(maps)
plt.show()

# %% [markdown]
# ## The papers' claims, collected
#
# Every paper chapter wrote its results records beside its page. The table
# below reads them, not copied numbers, and sets each paper's comparative
# claim beside what the chapter measured on the book's data. A claim is
# *reproduced* when the difference favours the paper's side by more than its
# spread, *opposite* when it favours the other side by more than its
# spread, and *within noise* otherwise. A chapter that has not run yet, or
# whose profile leaves the rows out, says so.

# %%
claims = comparison.claims(comparison.read_chapter_records(records_dir))
Markdown(comparison.claims_markdown(claims))

# %% [markdown]
# ## Your own audio: `mirnb tag`
#
# The first run's FCN-4 of each task is saved with a model card under the
# data home's runs folder. The card records the data, split, seed, test
# metrics, front end and limits. From a shell, `mirnb models` lists the
# saved models, and `mirnb tag song.wav --model comparison/fcn4-tags` tags
# any file that soundfile can read, at any sample rate. Here the tag model
# is run on test clips that it never trained on, beside their true tags:

# %%
saved = comparison.save_models(out, ts, cfg, profile=profile, data_home=data_home)
comparison.tag_examples(ts, saved["tags"], n=cfg.n_examples, data_home=data_home)

# %% [markdown]
# ## Verdict
#
# The verdict below is computed from the runs above.

# %%
recs = comparison.records(out, ts, cfg, profile=profile)
display(publish.download(recs, name="comparison_results"))
display(Markdown(comparison.verdict(out, claims, data_kind=ts["genre"].data_kind)))
print(f"chapter ran in {time.perf_counter() - t_start:.0f} s")

# %% [markdown]
# ## References
#
# ```{footbibliography}
# ```
