"""Suggest groups of comments on one principle that say much the same.

TF-IDF over character n-grams within words (2–5 characters) copes with Swedish compounds and
inflections ("telefontiderna", "telefonens", "telefon") without a Swedish stemmer or a language
model; comments are joined by average-linkage clustering on cosine distance, cut at a threshold,
so the number of groups follows the text instead of being chosen in advance. docs/grouping.md
compares this with sentence embeddings on a hand-grouped set and gives the figures.

Pure functions: no database. The suggestion is only a suggestion – the process owner moves
comments between groups (consolidation operations).
"""
from __future__ import annotations

import re

import numpy as np
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_distances

# Chosen on benchmarks/grouping/labelled_comments.csv (see docs/grouping.md): the cut that gave
# the best mean adjusted Rand index across the three principles.
DISTANCE_THRESHOLD = 0.92
# Above this many comments the full distance matrix (n² floats) grows too large: the comments
# are then reduced to CENTRES k-means centres (in a 100-dimensional LSA space), which are grouped.
DIRECT_LIMIT = 2500
CENTRES = 800

# Words that carry no subject in a comment. scikit-learn ships only an English list; these are the
# most frequent Swedish function words in remiss answers, enough to keep them from joining comments.
STOP_WORDS = frozenset("""
alla andra att av bara blev bli blir bör borde behöver de dem den denna deras dessa det detta dig din
du då där eller en ett efter får finns för från genom ha hade han har hon här hur i idag inom inte jag
kan kommer kunna man med mellan men mer mot många måste ni nu när och också om oss på sig sin sina
ska skulle som så till under upp ut vad var vara vi vid vill än är även åt över
""".split())


def _words(text: str) -> str:
    return " ".join(w for w in re.findall(r"\w+", text.lower()) if w not in STOP_WORDS and not w.isdigit())


def vectorise(texts: list[str]):
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    return vectoriser.fit_transform([_words(text) for text in texts])


def _cluster(distances, threshold: float) -> np.ndarray:
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=threshold)
    return model.fit_predict(distances)


def suggest_groups(texts: list[str], threshold: float = DISTANCE_THRESHOLD) -> list[int]:
    """A group number per text (0, 1, …), in the order given; similar texts share a number."""
    if len(texts) < 2:
        return [0] * len(texts)
    matrix = vectorise(texts)
    if len(texts) <= DIRECT_LIMIT:
        labels = _cluster(cosine_distances(matrix), threshold)
    else:
        reduced = TruncatedSVD(100, random_state=0).fit_transform(matrix)
        centres = MiniBatchKMeans(n_clusters=CENTRES, random_state=0, n_init=1, batch_size=2048).fit(reduced)
        labels = _cluster(cosine_distances(centres.cluster_centers_), threshold)[centres.labels_]
    # Number the groups by first appearance, so the result reads in the comments' order.
    order: dict[int, int] = {}
    return [order.setdefault(int(label), len(order)) for label in labels]
