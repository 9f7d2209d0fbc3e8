"""The synthetic music corpus: the book's own music, in the layouts of the real datasets.

The real datasets of the five papers cannot ship with the book, so the book
ships a world of its own, composed and rendered in NumPy and SciPy only,
without data files.

The world has 20 style families (:data:`GENRES`). Ten play GTZAN's roles
(:data:`GTZAN_GENRES`, the very tuple :data:`mirnb.datasets.gtzan.GENRES`)
and the other ten complete the genre list of Dieleman et al. (2011)
(:data:`OTHER_GENRES`). Each family is a :class:`Genre`: overlapping
distributions over tempo, metre, swing, drum patterns, bass style,
chord-progression templates, mode, instrumentation, brightness, distortion,
reverb, loudness and dynamics. Each genre has several :class:`Artist` s; an
artist fixes a signature drawn from its genre. A :class:`World` holds the
artists and composes clips (:meth:`World.compose`) into a :class:`Score`,
and :func:`render` turns a score into audio and labels taken from what was
rendered; :func:`noisy_tags` adds crowd-like tag noise.

:func:`generate` writes the corpus as views in the real datasets' layouts
(GTZAN, MagnaTagATune, a larger MagnaTagATune-like view, MSD, MajorMiner),
cached under ``<data_home>/mirnb_synth/<profile>/``; :func:`load` returns a
view through the loader of the real data; :func:`calibrate` measures how
hard the corpus is for simple baselines.

Determinism: a clip depends only on (world seed, artist, clip seed) and its
window; the same (world seed, artist, clip seed, duration, sr) gives
bit-identical audio and labels. A longer clip with the same seed starts with
the same music as a shorter one. Seeds are derived with
:class:`numpy.random.SeedSequence`, never with Python's salted ``hash``.

Modules, bottom up:

- :mod:`~mirnb.synth.vocabulary`: genre, pitch-class, instrument and tag names;
- :mod:`~mirnb.synth.genres`: the style families and drawing from them;
- :mod:`~mirnb.synth.instruments`: timbre draws and synthesis engines;
- :mod:`~mirnb.synth.score`: what the composer writes and the renderer plays;
- :mod:`~mirnb.synth.composer`: harmony, bass, melody and rhythm of one clip;
- :mod:`~mirnb.synth.artists`: the artists and the :class:`World`;
- :mod:`~mirnb.synth.renderer`: mixing, rendering and labels;
- :mod:`~mirnb.synth.views`: the corpus on disk (generate, load, manifest);
- :mod:`~mirnb.synth.calibration`: the baselines that calibrate the corpus.

``benchmarks/synth.py`` times it and ``benchmarks/calibrate_synth.py`` calibrates it.

References
----------
.. [1] G. Tzanetakis and P. Cook, "Musical genre classification of audio
   signals", IEEE TSAP 10(5), 2002 (GTZAN, whose roles ten families play).
.. [2] S. Dieleman, P. Brakel and B. Schrauwen, "Audio-based music
   classification with a pretrained convolutional network", ISMIR 2011
   (the 20-genre list of the Million Song Dataset experiments).
"""

from .artists import Artist, World
from .calibration import calibrate, calibration_table
from .genres import Genre
from .renderer import noisy_tags, render
from .score import Chord, DrumHit, Mix, Note, Score, Section
from .views import SIZES, VIEWS, generate, load, root, world
from .vocabulary import (FAST_BPM, GENRES, GTZAN_GENRES, INSTRUMENTS, LOUD_DB, OTHER_GENRES,
                         PITCH_CLASSES, QUIET_DB, SLOW_BPM, TAGS, key_name)

__all__ = [
    # the corpus on disk
    "SIZES", "VIEWS", "generate", "load", "root", "world", "calibrate", "calibration_table",
    # vocabularies
    "GTZAN_GENRES", "OTHER_GENRES", "GENRES", "PITCH_CLASSES", "INSTRUMENTS", "TAGS",
    "FAST_BPM", "SLOW_BPM", "LOUD_DB", "QUIET_DB", "key_name",
    # composing and rendering
    "Genre", "Artist", "World", "Note", "DrumHit", "Chord", "Section", "Mix", "Score",
    "render", "noisy_tags",
]
