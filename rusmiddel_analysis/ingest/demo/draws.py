"""The demo surveys' drawing helpers: yes/no answers around a share, and each school's effect. NOT real data.

A survey's answers are drawn one by one, as a sample is: each respondent's odds of a "yes" carry
their own weight (older pupils, their risk propensity, their school), with an intercept set so that
the profile's share is the expected one (docs/assumptions.md). The school and the youth survey
share these draws; YES_NO is the exports' word for a yes and a no, and `inverted` reads a
mapping the other way (a header or word from its canonical name), for every source module.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

YES_NO = {True: "Ja", False: "Nej"}


def calibrated_intercept(offset: np.ndarray, share: float) -> float:
    """The a with mean(expit(a + offset)) = share: each respondent's log-odds is a plus their own
    offset (older pupils, their school), and a sets the expected share to the profile's truth. The
    mean rises with a and lies between expit(a + min offset) and expit(a + max offset), which brackets it."""
    target = np.log(share / (1 - share))
    low, high = target - offset.max(), target - offset.min()
    while True:  # bisection to the last representable step
        middle = (low + high) / 2
        if middle in (low, high):
            return float(middle)
        low, high = (middle, high) if expit(middle + offset).mean() < share else (low, middle)


def yes(rng: np.random.Generator, weights: np.ndarray, share: float) -> np.ndarray:
    """Independent yes/no draws whose odds are proportional to `weights`, `share` (0-1) expected."""
    if share <= 0 or share >= 1:
        return np.full(len(weights), share >= 1)
    offset = np.log(weights)
    return rng.random(len(weights)) < expit(calibrated_intercept(offset, share) + offset)


def answers(rng: np.random.Generator, n: int, share_true: float, weights: np.ndarray, no_answer_rate: float) -> np.ndarray:
    """A boolean answer per respondent (None for no answer), each drawn on its own: True with odds
    proportional to its weight (older pupils, their school), calibrated so that `share_true` % is the
    expected share among those who answer. A survey's share varies around the truth from sample to
    sample; fixing each year's count exactly made the demo's changes and their p-values artefacts."""
    answered = rng.random(n) >= no_answer_rate
    values = np.full(n, None, dtype=object)
    values[answered] = yes(rng, weights[answered], share_true / 100)
    return values


def cluster_effects(rng: np.random.Generator, n_clusters: int, sd: float) -> np.ndarray:
    """Each school's (institution's) multiplier on the odds of a trait: exp(b), b ~ N(0, sd²).

    The spread between schools that makes pupils at one school more alike than pupils drawn at
    random (docs/assumptions.md: the intra-class correlation it gives)."""
    return np.exp(rng.normal(0.0, sd, size=n_clusters))


def inverted(pairs: dict) -> dict:
    """`pairs` read the other way, values to keys: a mapping's export headers or words from their canonical names, and back."""
    return {value: key for key, value in pairs.items()}
