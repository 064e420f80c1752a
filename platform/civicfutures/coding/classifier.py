"""The theme classifier behind suggested themes: character n-grams and one logistic
regression per theme, trained on stories whose themes humans agreed on.

Character n-grams within word boundaries (2–4) work across the project's languages and
scripts without a downloaded model: inflected Polish or Estonian forms share their stems'
n-grams, and Arabic or Ukrainian text is read as it is written. Each theme has its own
training rows (the stories where the humans' decision on that theme is known), so one
theme's undecided stories do not count as negatives of it. A theme is learned only with at
least `minimum` agreed examples of it applying and one of it not applying.

No database here: `coding.suggestions` gives the training set, the benchmark gives a
synthetic one, and both get the same figures.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from civicfutures.analysis.agreement import kappa_values

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

# A theme is suggested when its model gives it at least this probability.
THRESHOLD = 0.5
FOLDS = 5
SEED = 20261206
MAX_FEATURES = 200_000

# Per theme, one label per training text: True (applies), False (does not), None (unknown).
Labels = Mapping[str, Sequence[bool | None]]


def eligible(labels: Labels, minimum: int) -> list[str]:
    """The themes with enough agreed examples to learn: `minimum` positives, one negative."""
    return sorted(
        theme
        for theme, values in labels.items()
        if sum(v is True for v in values) >= minimum and any(v is False for v in values)
    )


class Scorer(Protocol):
    def scores(self, texts: Sequence[str]) -> dict[str, np.ndarray]: ...


@dataclass
class ThemeModel:
    """The vectorizer and a model per learnable theme; `examples` counts agreed positives."""

    vectorizer: TfidfVectorizer | None = None
    models: dict[str, LogisticRegression] = field(default_factory=dict)
    examples: dict[str, int] = field(default_factory=dict)
    stories: int = 0

    def scores(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Each learned theme's probability of applying, per text."""
        if self.vectorizer is None or not self.models or not texts:
            return {}
        matrix = self.vectorizer.transform(texts)
        return {theme: model.predict_proba(matrix)[:, 1] for theme, model in self.models.items()}


def fit(texts: Sequence[str], labels: Labels, minimum: int) -> ThemeModel:
    """Train on `texts` (one per story) and their per-theme labels."""
    # Imported here: scikit-learn (with SciPy) is half of the app's import time, and a server
    # process that never trains should not pay it at start.
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    themes = eligible(labels, minimum)
    if not themes:
        return ThemeModel(stories=len(texts))
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, max_features=MAX_FEATURES
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:
        # Texts without a single n-gram (empty or whitespace only): nothing to learn from.
        return ThemeModel(stories=len(texts))
    # The n-grams cut by `max_features`: only kept for introspection, and large.
    vectorizer.stop_words_ = None
    model = ThemeModel(vectorizer=vectorizer, stories=len(texts))
    for theme in themes:
        rows = [i for i, v in enumerate(labels[theme]) if v is not None]
        y = np.array([bool(labels[theme][i]) for i in rows])
        classifier = LogisticRegression(class_weight="balanced", solver="liblinear", C=10.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.fit(matrix[rows], y)
        model.models[theme] = classifier
        model.examples[theme] = int(y.sum())
    return model


@dataclass(frozen=True)
class HeldOutTheme:
    theme: str
    stories: int
    positive: int
    kappa: float | None


@dataclass(frozen=True)
class HeldOut:
    """The classifier's Cohen's kappa against the humans' decisions on stories it did not
    train on (k-fold, fixed seed), per theme and pooled over every theme."""

    themes: list[HeldOutTheme]
    stories: int
    folds: int
    kappa: float | None


def _kappa(truth: np.ndarray, guess: np.ndarray) -> float | None:
    if truth.size == 0:
        return None
    value = float(kappa_values(truth, guess)[0])
    return None if np.isnan(value) else value


def held_out(
    texts: Sequence[str],
    labels: Labels,
    minimum: int,
    *,
    folds: int = FOLDS,
    seed: int = SEED,
    learner: Callable[[Sequence[str], Labels, int], Scorer] = fit,
) -> HeldOut:
    """Each story's themes predicted by a model trained on the other folds, against the
    humans' decisions: per theme that has `minimum` examples overall, and pooled. `learner`
    is `fit` or a peer to compare with (the benchmark's baselines), on the same folds."""
    from sklearn.model_selection import KFold

    themes = eligible(labels, minimum)
    n = len(texts)
    splits = min(folds, n)
    if not themes or splits < 2:
        return HeldOut(themes=[], stories=0, folds=0, kappa=None)
    guess = {theme: np.zeros(n, dtype=bool) for theme in themes}
    for train, test in KFold(n_splits=splits, shuffle=True, random_state=seed).split(texts):
        model = learner(
            [texts[i] for i in train],
            {theme: [labels[theme][i] for i in train] for theme in themes},
            minimum,
        )
        for theme, probability in model.scores([texts[i] for i in test]).items():
            guess[theme][test] = probability >= THRESHOLD
    rows, pooled_truth, pooled_guess, judged = [], [], [], set()
    for theme in themes:
        known = np.array([i for i, v in enumerate(labels[theme]) if v is not None])
        truth = np.array([bool(labels[theme][i]) for i in known])
        judged.update(known.tolist())
        rows.append(
            HeldOutTheme(
                theme=theme,
                stories=int(known.size),
                positive=int(truth.sum()),
                kappa=_kappa(truth, guess[theme][known]),
            )
        )
        pooled_truth.append(truth)
        pooled_guess.append(guess[theme][known])
    return HeldOut(
        themes=rows,
        stories=len(judged),
        folds=splits,
        kappa=_kappa(np.concatenate(pooled_truth), np.concatenate(pooled_guess)),
    )
