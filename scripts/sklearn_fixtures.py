#!/usr/bin/python3
"""Generate scikit-learn reference fixtures for interloop/probe and interloop/metric.

Run from the repository root with the system Python (Debian packages
python3-sklearn python3-numpy python3-scipy):

    /usr/bin/python3 scripts/sklearn_fixtures.py

It writes JSON files under testdata/sklearn/. The Go tests read only these
files (CI has no Python). Every dataset is drawn from a fixed numpy seed, so
re-running reproduces the fixtures for the same library versions, which are
recorded in each file's "versions" field.

Activations are float32, as in interloop; they are written with the shortest
decimal that round-trips as float32 and Go decodes them into float32, so both
sides fit on exactly the same numbers (sklearn sees them widened to float64).
"""

import json
import os
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "sklearn")
VERSIONS = {"sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__}


class F32:
    """A float32 matrix written with shortest float32 round-trip decimals."""

    def __init__(self, a):
        self.a = np.asarray(a, dtype=np.float32)


def fmt32(v):
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def dump(obj):
    """json.dumps with F32 arrays written compactly."""
    if isinstance(obj, F32):
        if obj.a.ndim == 1:
            return "[" + ",".join(fmt32(v) for v in obj.a) + "]"
        return "[\n" + ",\n".join(dump(F32(r)) for r in obj.a) + "]"
    if isinstance(obj, dict):
        return "{\n" + ",\n".join(json.dumps(k) + ": " + dump(v) for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)) and any(isinstance(v, (F32, dict)) for v in obj):
        return "[" + ",\n".join(dump(v) for v in obj) + "]"
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    return json.dumps(obj)


def write(name, cases):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write(dump({"versions": VERSIONS, "cases": cases}) + "\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)


def classes(rng, n, d, sep, pos_frac=0.5, scales=None):
    """Two Gaussian classes; positives shifted by sep along a random unit direction."""
    y = rng.random(n) < pos_frac
    y[0], y[1] = True, False  # both classes present
    direction = rng.standard_normal(d)
    direction /= np.linalg.norm(direction)
    cov_root = np.eye(d) + 0.3 * rng.standard_normal((d, d)) / np.sqrt(d)
    X = rng.standard_normal((n, d)) @ cov_root + np.outer(y, sep * direction)
    if scales is not None:
        X = X * scales
    return np.asarray(X, dtype=np.float32), y


def logistic_cases():
    specs = [
        # name, seed, n, d, sep, pos_frac, C, standardize, scales
        ("basic", 1, 300, 8, 1.5, 0.5, 1.0, False, None),
        ("imbalanced", 2, 400, 10, 2.0, 0.08, 0.5, False, None),
        ("near_separable", 3, 200, 6, 5.0, 0.5, 10.0, False, None),
        ("standardized", 4, 250, 7, 1.0, 0.4, 0.3, True, [1, 10, 0.1, 5, 1, 100, 0.5]),
        ("wide", 5, 60, 40, 1.0, 0.5, 0.1, False, None),
        ("strong_penalty", 6, 150, 5, 1.0, 0.3, 1e-3, False, None),
    ]
    cases = []
    for name, seed, n, d, sep, frac, C, std, scales in specs:
        rng = np.random.default_rng(seed)
        X, y = classes(rng, n + 50, d, sep, frac, None if scales is None else np.array(scales, float))
        Xtr, ytr, Xte = X[:n], y[:n], X[n:]
        lr = LogisticRegression(C=C, penalty="l2", fit_intercept=True, solver="newton-cholesky",
                                tol=1e-12, max_iter=1000)
        if std:
            model = make_pipeline(StandardScaler(), lr).fit(Xtr.astype(np.float64), ytr)
            sc = model[0]
            coef = lr.coef_[0] / sc.scale_
            intercept = lr.intercept_[0] - np.dot(coef, sc.mean_)
        else:
            model = lr.fit(Xtr.astype(np.float64), ytr)
            coef, intercept = lr.coef_[0], lr.intercept_[0]
        # Check sklearn really converged: gradient of ½‖w‖² + C·Σ loss.
        Z = Xtr.astype(np.float64)
        if std:
            Z = model[0].transform(Z)
        p = 1 / (1 + np.exp(-(Z @ lr.coef_[0] + lr.intercept_[0])))
        g = np.r_[lr.coef_[0] + C * Z.T @ (p - ytr), C * np.sum(p - ytr)]
        assert np.max(np.abs(g)) < 1e-7 * max(1.0, C * n), (name, np.max(np.abs(g)))
        cases.append({
            "name": name, "C": C, "standardize": std,
            "X": F32(Xtr), "y": ytr.tolist(), "X_test": F32(Xte),
            "coef": coef.tolist(), "intercept": float(intercept),
            "proba_test": model.predict_proba(Xte.astype(np.float64))[:, 1].tolist(),
        })
    return cases


def lda_cases():
    specs = [
        # name, seed, n, d, sep, pos_frac, shrinkage (None | float | "auto")
        ("empirical", 11, 300, 6, 1.5, 0.5, None),
        ("fixed_shrinkage", 12, 200, 10, 1.0, 0.3, 0.3),
        ("auto_shrinkage", 13, 120, 20, 1.0, 0.5, "auto"),
        ("auto_imbalanced", 14, 300, 8, 2.0, 0.1, "auto"),
    ]
    cases = []
    for name, seed, n, d, sep, frac, shrink in specs:
        rng = np.random.default_rng(seed)
        X, y = classes(rng, n, d, sep, frac)
        lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=shrink).fit(X.astype(np.float64), y)
        cases.append({
            "name": name, "shrinkage": -1.0 if shrink == "auto" else (shrink or 0.0),
            "X": F32(X), "y": y.tolist(),
            "coef": lda.coef_[0].tolist(), "intercept": float(lda.intercept_[0]),
            "proba": lda.predict_proba(X.astype(np.float64))[:, 1].tolist(),
        })
    return cases


def pca_cases():
    cases = []
    rng = np.random.default_rng(21)
    # Plain PCA on anisotropic data.
    X = (rng.standard_normal((80, 12)) * np.linspace(3, 0.2, 12)).astype(np.float32)
    p = PCA(n_components=4, svd_solver="full").fit(X.astype(np.float64))
    cases.append({"name": "plain", "X": F32(X), "k": 4, "components": p.components_.tolist(),
                  "variance": p.explained_variance_.tolist(), "ratio": p.explained_variance_ratio_.tolist()})
    # Paired differences: B plus a shift along two concept directions with varying strength.
    B = rng.standard_normal((100, 16)).astype(np.float32)
    dirs = np.linalg.qr(rng.standard_normal((16, 2)))[0].T
    A = (B + (1.0 + rng.standard_normal((100, 1))) * 2 * dirs[0]
         + rng.standard_normal((100, 1)) * dirs[1] + 0.1 * rng.standard_normal((100, 16))).astype(np.float32)
    D = A.astype(np.float64) - B.astype(np.float64)
    p = PCA(n_components=3, svd_solver="full").fit(D)
    cases.append({"name": "paired_diff", "A": F32(A), "B": F32(B), "k": 3,
                  "components": p.components_.tolist(), "variance": p.explained_variance_.tolist(),
                  "ratio": p.explained_variance_ratio_.tolist()})
    return cases


def roc_cases():
    cases = []
    rng = np.random.default_rng(31)

    def add(name, s, y):
        s, y = np.asarray(s, float), np.asarray(y, bool)
        fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
        rec = {f"{t:g}": float(np.max(tpr[fpr <= t])) for t in (0.0, 0.01, 0.05, 0.1, 0.5)}
        cases.append({"name": name, "scores": s.tolist(), "y": y.tolist(),
                      "auroc": float(roc_auc_score(y, s)), "fpr": fpr.tolist(), "tpr": tpr.tolist(),
                      "thresholds": thr[1:].tolist(), "recall_at_fpr": rec,
                      "accuracy_at_half": float(accuracy_score(y, s > 0.5))})

    y = rng.random(400) < 0.5
    add("continuous", rng.standard_normal(400) + 1.2 * y, y)
    y = rng.random(500) < 0.5
    add("ties", np.round(rng.random(500) * 0.6 + 0.4 * y, 1), y)  # ~10 distinct values
    y = np.zeros(1000, bool)
    y[rng.choice(1000, 7, replace=False)] = True
    add("imbalanced", np.round(rng.standard_normal(1000) + 2 * y, 2), y)
    y = rng.random(300) < 0.9
    add("mostly_positive", np.round(rng.random(300) + 0.3 * y, 2), y)
    y = rng.random(50) < 0.5
    add("separable", np.where(y, 0.9, 0.1) + 0.01 * rng.random(50), y)
    add("all_tied", np.full(40, 0.5), rng.random(40) < 0.5)
    y = rng.random(60) < 0.5
    add("inverted", np.where(y, 0.2, 0.8) + 0.01 * rng.random(60), y)
    return cases


def t_cases():
    rng = np.random.default_rng(41)
    cases = []
    for n in (2, 3, 5, 10, 30):
        x = rng.standard_normal(n) * 0.1 + 0.7
        m, se = x.mean(), x.std(ddof=1) / np.sqrt(n)
        lo, hi = scipy.stats.t.interval(0.95, n - 1, loc=m, scale=se)
        cases.append({"x": x.tolist(), "level": 0.95, "mean": float(m), "lo": float(lo), "hi": float(hi)})
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    write("logistic.json", logistic_cases())
    write("lda.json", lda_cases())
    write("pca.json", pca_cases())
    write("roc.json", roc_cases())
    write("mean_ci.json", t_cases())


if __name__ == "__main__":
    main()
