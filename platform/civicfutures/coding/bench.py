"""`civicfutures bench suggestions`: the theme classifier's held-out kappa on a synthetic
coded corpus, beside two trivial peers measured on the same folds in the same run.

The corpus: stories in Polish, Estonian, Italian, Ukrainian and Arabic, each a run of
everyday words with the words of its themes in inflected forms (or with Arabic prefixes);
some stories name a theme they are not about (distractors) and some humans' decisions are
flipped (noise), so no method can reach a kappa of 1. Seeded: the same size gives the same
corpus. The peers: the majority decision per theme, and one keyword per theme (the training
folds' word that best separates the theme's stories).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence

import numpy as np

from civicfutures.coding.classifier import THRESHOLD, HeldOut, Labels, eligible, fit, held_out

LANGUAGES = ("pl", "et", "it", "uk", "ar")
# Per theme and language: stems that take the language's endings.
STEMS: dict[str, dict[str, tuple[str, ...]]] = {
    "transport": {
        "pl": ("autobus", "tramwaj", "przystank"), "et": ("buss", "tramm", "peatus"),
        "it": ("autobus", "tram", "ferma"), "uk": ("автобус", "трамва", "зупинк"),
        "ar": ("حافلة", "ترام", "محطة"),
    },
    "green": {
        "pl": ("park", "drzew", "zieleń"), "et": ("park", "puu", "haljasala"),
        "it": ("parc", "alber", "giardin"), "uk": ("парк", "дерев", "сквер"),
        "ar": ("حديقة", "شجرة", "خضرة"),
    },
    "housing": {
        "pl": ("mieszkani", "czynsz", "blok"), "et": ("korter", "üür", "maja"),
        "it": ("cas", "affitt", "alloggi"), "uk": ("житл", "оренд", "квартир"),
        "ar": ("سكن", "إيجار", "شقة"),
    },
    "youth": {
        "pl": ("młodzież", "szkoł", "uczni"), "et": ("noor", "kool", "õpilas"),
        "it": ("giovan", "scuol", "student"), "uk": ("молод", "школ", "учн"),
        "ar": ("شباب", "مدرسة", "طلاب"),
    },
    "digital": {
        "pl": ("internet", "aplikacj", "cyfrow"), "et": ("internet", "rakendus", "digi"),
        "it": ("internet", "applicazion", "digital"), "uk": ("інтернет", "застосунк", "цифров"),
        "ar": ("إنترنت", "تطبيق", "رقمي"),
    },
    "safety": {
        "pl": ("bezpieczeństw", "policj", "oświetleni"), "et": ("turvalisus", "politsei", "valgus"),
        "it": ("sicurezz", "polizi", "illuminazion"), "uk": ("безпек", "поліці", "освітленн"),
        "ar": ("أمن", "شرطة", "إنارة"),
    },
    "water": {
        "pl": ("wod", "rzek", "powodzi"), "et": ("vesi", "jõe", "üleujutus"),
        "it": ("acqu", "fium", "alluvion"), "uk": ("вод", "річк", "повен"),
        "ar": ("ماء", "نهر", "فيضان"),
    },
    "culture": {
        "pl": ("teatr", "bibliotek", "muze"), "et": ("teater", "raamatukogu", "muuseum"),
        "it": ("teatr", "bibliotec", "muse"), "uk": ("театр", "бібліотек", "музе"),
        "ar": ("مسرح", "مكتبة", "متحف"),
    },
}  # fmt: skip
ENDINGS = {
    "pl": ("", "a", "u", "em", "y", "ie", "ami"),
    "et": ("", "i", "s", "st", "le", "ga", "de"),
    "it": ("o", "a", "i", "e", "ale"),
    "uk": ("", "а", "у", "ом", "и", "ів"),
}
ARABIC_PREFIXES = ("", "ال", "وال", "بال", "لل")
FILLER = {
    "pl": "w naszym mieście chcemy żeby było lepiej dla wszystkich ludzi którzy tu mieszkają "
    "kiedyś za dwadzieścia lat dzielnica będzie inna",
    "et": "meie linnas tahame et kõigil oleks parem kes siin elavad kunagi kahekümne aasta "
    "pärast on linnaosa teistsugune",
    "it": "nella nostra città vogliamo che sia meglio per tutte le persone che ci vivono un "
    "giorno tra vent'anni il quartiere sarà diverso",
    "uk": "у нашому місті ми хочемо щоб було краще для всіх людей які тут живуть колись через "
    "двадцять років район буде іншим",
    "ar": "في مدينتنا نريد أن تكون الحياة أفضل لكل الناس الذين يعيشون هنا بعد عشرين سنة سيكون "
    "الحي مختلفا",
}
DISTRACTOR_RATE = 0.05
NOISE_RATE = 0.05
WORD = re.compile(r"\w+")


def _word(rng: np.random.Generator, language: str, stem: str) -> str:
    if language == "ar":
        return str(rng.choice(ARABIC_PREFIXES)) + stem
    return stem + str(rng.choice(ENDINGS[language]))


def corpus(stories: int, *, seed: int = 11) -> tuple[list[str], dict[str, list[bool | None]]]:
    """`stories` synthetic texts and the humans' decisions on every theme of each."""
    rng = np.random.default_rng(seed)
    themes = sorted(STEMS)
    prevalence = np.linspace(0.08, 0.35, len(themes))
    texts: list[str] = []
    labels: dict[str, list[bool | None]] = {theme: [] for theme in themes}
    for _ in range(stories):
        language = str(rng.choice(LANGUAGES))
        filler = FILLER[language].split()
        words = list(rng.choice(filler, size=int(rng.integers(25, 60))))
        applied = rng.random(len(themes)) < prevalence
        for theme, on in zip(themes, applied, strict=True):
            mentions = int(rng.integers(1, 3)) if on else int(rng.random() < DISTRACTOR_RATE)
            for _mention in range(mentions):
                stem = str(rng.choice(STEMS[theme][language]))
                words.insert(int(rng.integers(0, len(words) + 1)), _word(rng, language, stem))
            decided = bool(on) != bool(rng.random() < NOISE_RATE)
            labels[theme].append(decided)
        texts.append(" ".join(words))
    return texts, labels


class Majority:
    """Each theme's more common decision in the training folds, for every story."""

    def __init__(self, texts: Sequence[str], labels: Labels, minimum: int) -> None:
        self.decision = {
            theme: sum(v is True for v in labels[theme]) > sum(v is False for v in labels[theme])
            for theme in eligible(labels, minimum)
        }

    def scores(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return {t: np.full(len(texts), float(d)) for t, d in self.decision.items()}


def _kappa_of(counts: list[int], n: int, positives: int) -> float:
    """Cohen's kappa of "the word is present" against the decisions, from its counts
    (stories with the word where the theme applies, where it does not)."""
    hits, misses = counts
    observed = (hits + (n - positives - misses)) / n
    marked = (hits + misses) / n
    chance = marked * positives / n + (1 - marked) * (1 - positives / n)
    return (observed - chance) / (1 - chance) if chance < 1 else 0.0


class Keyword:
    """One word per theme: the training folds' word whose presence best matches the humans'
    decisions (Cohen's kappa), as a hand-made keyword list would."""

    def __init__(self, texts: Sequence[str], labels: Labels, minimum: int) -> None:
        words = [set(WORD.findall(text.casefold())) for text in texts]
        self.keyword: dict[str, str] = {}
        for theme in eligible(labels, minimum):
            found: dict[str, list[int]] = {}
            known = [v for v in labels[theme] if v is not None]
            n, positives = len(known), sum(known)
            for bag, value in zip(words, labels[theme], strict=True):
                if value is None:
                    continue
                for word in bag:
                    found.setdefault(word, [0, 0])[0 if value else 1] += 1

            self.keyword[theme] = max(
                found.items(), key=lambda item: (_kappa_of(item[1], n, positives), item[0])
            )[0]

    def scores(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        bags = [set(WORD.findall(text.casefold())) for text in texts]
        return {
            theme: np.array([float(word in bag) for bag in bags])
            for theme, word in self.keyword.items()
        }


def run(stories: int, minimum: int) -> list[tuple[str, HeldOut, float]]:
    """(method, held-out figures, seconds) for the classifier and its two peers."""
    texts, labels = corpus(stories)
    learners: list[tuple[str, Callable]] = [
        ("char n-grams + logistic regression", fit),
        ("majority decision per theme", Majority),
        ("one keyword per theme", Keyword),
    ]
    results = []
    for name, learner in learners:
        began = time.perf_counter()
        figures = held_out(texts, labels, minimum, learner=learner)
        results.append((name, figures, time.perf_counter() - began))
    return results


def _kappa(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render(stories: int, minimum: int, results: list[tuple[str, HeldOut, float]]) -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    lines = [
        f"Suggested themes: {stories} synthetic stories in {len(LANGUAGES)} languages, "
        f"{len(STEMS)} themes, {DISTRACTOR_RATE:.0%} distractors, {NOISE_RATE:.0%} flipped "
        f"decisions; a theme learned from {minimum} agreed examples; threshold {THRESHOLD}.",
        f"Load average (1, 5, 15 min): {load}",
        "",
        f"{'method':<38} {'kappa':>7} {'stories':>8} {'folds':>6} {'seconds':>8}",
    ]
    for name, figures, seconds in results:
        lines.append(
            f"{name:<38} {_kappa(figures.kappa):>7} {figures.stories:>8} "
            f"{figures.folds:>6} {seconds:>8.2f}"
        )
    lines.append("")
    lines.append("Per theme (kappa: classifier / majority / keyword):")
    for rows in zip(*(figures.themes for _name, figures, _s in results), strict=True):
        lines.append(
            f"  {rows[0].theme:<12} {' / '.join(_kappa(row.kappa) for row in rows)}"
            f"  ({rows[0].positive} of {rows[0].stories} stories)"
        )
    return "\n".join(lines)
