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
# # The data: a synthetic music corpus
#
# The five papers in this book trained on GTZAN, MagnaTagATune, MajorMiner,
# ISMIR2004 Genre, the Million Song Dataset's features (Dieleman et al.) and
# 30 s audio previews of MSD tracks with last.fm tags (Choi et al.). None of
# them can ship with a book, so the book brings a world
# of its own: a procedural composer (`mirnb.synth`) that writes and renders
# music in twenty style families, by several artists each. The corpus is
# written to disk in the layouts of the real datasets, and the same loaders
# read both, so every chapter runs on real data by changing one parameter.
#
# This chapter listens to the corpus, looks at it, counts its labels, shows
# the MSD-style features computed from it, and measures how hard each task is
# with simple baselines. The real datasets it stands in for are GTZAN
# {footcite}`tzanetakis2002musical`, MagnaTagATune
# {footcite}`law2009evaluation`, MajorMiner {footcite}`mandel2008web` and
# the Million Song Dataset {footcite}`bertin2011million`. **Every number
# here is about the synthetic corpus; none is a reproduction of a paper's
# result.**

# %% tags=["parameters"]
profile = "default"
data_home = None
seed = 0
verbose = True

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from mirnb import analysis, datasets, embed, features, plotting, publish, synth
from mirnb.chapters import data
from mirnb.models import baselines

cfg = data.config(profile)
cfg

# %% [markdown]
# ## Making the corpus
#
# `data.corpus` calls `synth.generate`, which renders every clip in parallel
# over the cores and writes every view. It is cached: a second run reads the
# manifest and returns at once, unless the composer's code or the sizes changed.

# %%
t0 = time.perf_counter()
manifest = data.corpus(cfg, data_home=data_home, verbose=verbose)
home = Path(manifest["root"]).relative_to(datasets.data_home(data_home))
print(f"ready in {time.perf_counter() - t0:.1f} s at <data home>/{home}")
data.views_table(manifest)

# %% [markdown]
# ## The world: genres and artists
#
# Each style family is a distribution over tempo, metre, swing, drum patterns,
# bass style, chord progressions, mode, instruments and production. The
# families overlap on purpose. Each artist draws a signature from its family:
# a set of timbres, a tempo centre, favourite keys and a mix colour. That makes
# artists recognisable, and harder to tell apart than genres.

# %%
data.artists_table(synth.world(cfg.synth_profile))

# %%
gtzan = synth.load("gtzan", cfg.synth_profile, data_home=data_home, make=False)
mtat = synth.load("mtat", cfg.synth_profile, data_home=data_home, make=False)
msd_view = synth.load("msd", cfg.synth_profile, data_home=data_home, make=False)
print(gtzan.info())

# %% [markdown]
# ## Listening
#
# A few clips of the GTZAN view, with the labels the renderer recorded while
# it rendered them.

# %%
labels = gtzan.labels
rng = np.random.default_rng(seed)
for genre in rng.choice(sorted(labels.genre.unique()), size=cfg.n_listen, replace=False):
    tid = labels.index[labels.genre == genre][0]
    track = gtzan.track(tid)
    y, sr = track.audio(sr=None)
    row = labels.loc[tid]
    print(f"{tid}: {row.artist}, {row.key_name}, {row.tempo:.0f} bpm, "
          f"{row.time_signature}/4; instruments: {row.instruments.replace(';', ', ')}")
    display(publish.audio(y, sr, name=f"data-{genre}"))

# %% [markdown]
# ## What the genres look like
#
# One log-mel spectrogram per genre ({numref}`fig-data-genres`), all on one
# colour scale. The differences a network can learn are visible: drums or
# none, the density of onsets, brightness, sustained or plucked notes. The
# chapters of Nam et al. and Choi et al. start from the same kind of log-mel
# input ({doc}`04_nam2015`, {doc}`05_choi2016`).

# %%
genres = list(synth.GTZAN_GENRES)
specs = {}
for genre in genres:
    y, sr = gtzan.track(labels.index[labels.genre == genre][0]).audio()
    specs[genre] = features.log_mel(y, sr=sr, n_fft=2048, hop_length=512, n_mels=96)
vmax = max(S.max() for S in specs.values())

# %% mystnb={"figure": {"caption": "Log-mel spectrograms of one clip per genre of the GTZAN view, on one shared dB scale (colour bar, right). Look for drums (vertical stripes), onset density, brightness (energy high up) and sustained notes (horizontal lines).", "name": "fig-data-genres"}, "image": {"alt": "Ten log-mel spectrograms in two rows of five, one per genre, with a shared dB colour bar"}}
fig, axes = plt.subplots(2, 5, figsize=(plotting.PAGE_WIDTH, 4.2), sharex=True, sharey=True,
                         constrained_layout=True)
for genre, ax in zip(genres, axes.flat):
    plotting.specshow(specs[genre], sr=sr, hop_length=512, y_axis="mel", ax=ax, colorbar=False,
                      title=genre, vmin=vmax - 80, vmax=vmax)
    ax.title.set_color(plotting.color_of(genre))
    ax.label_outer()
axes[0, 0].xaxis.set_major_locator(plt.MaxNLocator(4, steps=[1, 2, 5, 10]))
fig.colorbar(axes.flat[-1].collections[0], ax=axes, label="log-mel power (dB)")
plt.show()

# %% [markdown]
# ## Label statistics
#
# The GTZAN view is balanced across genres, like GTZAN
# ({numref}`fig-data-labels`). Keys, modes and tempi follow each family's
# distributions.

# %% mystnb={"figure": {"caption": "Labels of the GTZAN view: clips per genre (top left), the tempo of every clip by genre (top right) and clips per key (bottom). The genres are balanced by construction; look at how far the genres' tempi overlap and how unevenly the keys are used.", "name": "fig-data-labels"}, "image": {"alt": "Bar chart of clips per genre, dot plot of tempo per genre, and bar chart of clips per key"}}
fig, axes = plt.subplot_mosaic([["genre", "tempo"], ["key", "key"]], constrained_layout=True,
                               figsize=(plotting.PAGE_WIDTH, 5.5))
plotting.label_counts(labels.genre, ax=axes["genre"], title="clips per genre (GTZAN view)")
plotting.label_counts(labels.key_name, ax=axes["key"], title="clips per key")
for genre in genres:
    t = labels.tempo[labels.genre == genre]
    axes["tempo"].scatter(t, [genre] * len(t), s=10, color=plotting.color_of(genre))
axes["tempo"].set(xlabel="tempo (bpm)", title="tempo per genre")
plt.show()

# %% [markdown]
# The MagnaTagATune view has tags, with crowd-like noise: every clip's true
# tags (recorded while rendering) go missing at random and a few false ones
# appear, as they do when people tag music in a game. How often each tag
# was given is in {numref}`fig-data-tags`.

# %%
noise = data.tag_noise(mtat)
print(f"{noise['clips']} clips in {noise['songs']} songs; {noise['tags']} tags; "
      f"{noise['kept']:.0%} of true tags kept, {noise['false_per_clip']:.2f} false tags per clip")

# %% mystnb={"figure": {"caption": "Clips per tag for the 40 most frequent tags of the MagnaTagATune view (noisy tags, as a tagging game gives them). Look at how fast the counts fall from the most frequent tags to the rest.", "name": "fig-data-tags"}, "image": {"alt": "Bar chart of clip counts for the 40 most frequent tags, in decreasing order"}}
fig, ax = plt.subplots(figsize=(plotting.PAGE_WIDTH, 3.2), constrained_layout=True)
plotting.tag_bars(mtat.tag_counts().head(40), ax=ax, title="clips per tag (40 most frequent)")
ax.set_ylabel("clips")
plt.show()

# %% [markdown]
# ## MSD-style features
#
# The Million Song Dataset ships no audio, only the Echo Nest's analysis:
# segments with 12-d chroma and timbre, beats, bars, key and tempo. The MSD
# view holds the same fields, computed from the rendered audio by
# `mirnb.analysis`, in HDF5 files of the real schema. Dieleman et al.
# {footcite}`dieleman2011audio` average the segment features per beat;
# `analysis.beat_features` does that for real MSD files and for our analysed
# audio alike ({numref}`fig-data-msd`; their network is in
# {doc}`02_dieleman2011`).

# %%
tid = msd_view.track_ids[0]
record = msd_view.track(tid).record()
chroma_b, timbre_b = analysis.beat_features(record)
z_timbre = (timbre_b - timbre_b.mean(axis=0)) / (timbre_b.std(axis=0) + 1e-9)

# %% mystnb={"figure": {"caption": "One track of the MSD view, beat by beat: its chroma (top, the segments' chroma averaged over each beat) and its 12 timbre coefficients, each standardised over the track (bottom). Look for the chord changes in the chroma and the sections in the timbre.", "name": "fig-data-msd"}, "image": {"alt": "Two heat maps over beats: 12 chroma rows above, 12 timbre rows below"}}
fig, axes = plt.subplots(2, 1, figsize=(plotting.PAGE_WIDTH, 4.5), sharex=True,
                         constrained_layout=True)
im = axes[0].imshow(chroma_b.T, aspect="auto", origin="lower", cmap="magma")
fig.colorbar(im, ax=axes[0], label="chroma")
axes[0].set_yticks(range(12), ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"])
axes[0].set_title(f"{tid}: beat-aligned chroma ({record.artist_name}, "
                  f"{msd_view.labels.loc[tid, 'genre']})")
im = axes[1].imshow(z_timbre.T, aspect="auto", origin="lower", cmap="coolwarm", vmin=-3, vmax=3)
fig.colorbar(im, ax=axes[1], label="z-score")
axes[1].set(title="beat-aligned timbre (standardised per coefficient)", xlabel="beat",
            ylabel="coefficient")
plt.show()

# %% [markdown]
# The Echo Nest's keys are estimates, and so are ours. The table compares the
# analysed key with the key the composer actually used, over all tracks and
# over the half with the highest key confidence (the analyser's own).
# Dieleman et al. kept only confident tracks for their key task, to avoid
# wrong labels; the second row shows how much that buys on this corpus. A
# tonic a fifth away, or the relative major or minor (the same notes), are
# the near misses an analyser makes.

# %%
data.key_accuracy(msd_view)

# %% [markdown]
# Dieleman et al.'s artist task takes the 50 artists with the most tracks,
# 100 tracks each. The MSD view draws each genre's tracks from only some of
# its artists, so that in the default profile 60 artists have 10 tracks each:
# the top 50 then give the same task at a tenth of the paper's size, split
# 8/1/1 per artist.

# %%
data.tracks_per_artist(msd_view)

# %% [markdown]
# Their genre task uses 20 MusicBrainz tags picked by hand. Our 20 style
# families share 16 of them (our `hiphop` is their "hip hop"); disco and
# electronic are close to their dance and techno; ambient and gospel have no
# counterpart, and no family plays new wave or rap. The MSD view tags each
# artist with its family's own name, not with the paper's word, so on this
# view the genre task's classes are the families.

# %%
data.genre_mapping(msd_view)

# %% [markdown]
# ## A map of simple features
#
# MFCC statistics (mean and standard deviation of 20 MFCCs per clip) embedded
# with t-SNE ({numref}`fig-data-tsne`). Genres form regions that overlap:
# simple features carry genre information, but not all of it. Every paper
# chapter draws such maps of its own features, from {doc}`01_hamel2010` on.

# %%
tracks = [gtzan.track(t) for t in gtzan.track_ids]
X_mfcc, skipped = baselines.clip_features(tracks, "mfcc", sr=22050, n_mfcc=cfg.n_mfcc,
                                          n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                                          verbose=verbose)
print(f"features for {len(X_mfcc)} clips; skipped: {skipped or 'none'}")

# %%
Xs = (X_mfcc - X_mfcc.mean()) / X_mfcc.std()
tsne = embed.TSNE(perplexity=cfg.tsne_perplexity, random_state=seed)
Z = tsne.fit_transform(Xs.to_numpy())

# %% mystnb={"figure": {"caption": "t-SNE map of the MFCC statistics of every clip of the GTZAN view, coloured by genre. Genres gather in regions that overlap: simple features carry part of the genre.", "name": "fig-data-tsne"}, "image": {"alt": "Scatter plot of clips in two dimensions, coloured by genre, with a legend of ten genres"}}
fig, ax = plt.subplots(figsize=(plotting.PAGE_WIDTH, 5), constrained_layout=True)
plotting.embedding(Z, labels.loc[X_mfcc.index, "genre"].to_numpy(), ax=ax,
                   title="t-SNE of MFCC statistics (GTZAN view)")
plt.show()

# %% [markdown]
# ## How hard is each task? Baselines
#
# Each task gets a linear model on clip statistics, trained on a stratified
# half of the clips and tested on the other half:
#
# - **genre** (10 classes) and **artist** from MFCC statistics, GTZAN view;
# - **key** (24 classes: tonic and mode) from chroma statistics, GTZAN view;
# - **tags** from MFCC statistics, MagnaTagATune view, folder split, one
#   logistic regression per tag, scored by ROC-AUC against the noisy tags.
#
# A good corpus for this book puts these numbers well above chance and well
# below perfect, so that better methods have room to show.

# %%
results = synth.calibrate(cfg.synth_profile, data_home=data_home, seed=seed, C=cfg.baseline_C,
                          n_mfcc=cfg.n_mfcc, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                          min_tag_count=cfg.min_tag_count, profile=profile, config=cfg,
                          verbose=verbose)
synth.calibration_table(results)

# %% [markdown]
# The table is the calibration of the corpus for this profile. Chance is the
# majority class for accuracy and 0.5 for AUC. No paper number stands beside
# these: they describe the book's own data, not a paper's experiment.
#
# What the later chapters can and cannot show on this corpus follows from it:
# genre is learnable but not solved by clip statistics; artist is harder;
# key is nearly invisible to MFCCs and needs pitch features; tags are noisy,
# so no model reaches an AUC of 1.

# %% [markdown]
# ## References
#
# ```{footbibliography}
# ```
