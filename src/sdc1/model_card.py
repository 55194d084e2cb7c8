"""The card of a trained classifier: what it needs and how it was made, beside its joblib file.

A run's trained model (``results/<dataset>/model/{freq}mhz.joblib``) is reusable on
another dataset (``classifier.model``, :func:`sdc1.model.apply_model`). Its card
(``{freq}mhz.json``) says what it needs (each feature set's columns, and so the
frequencies whose counterparts it reads), what it learnt from (dataset, frequencies,
labelled sources, classifier settings) and with what (package versions, the joblib
file's SHA-256), so that a mismatch is refused with one line before any work and a
model from another environment is recognised.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from sdc1.classify import CLASS_NAMES
from sdc1.errors import InputError
from sdc1.io import atomic_path

__all__ = [
    "CARD_PACKAGES",
    "ModelCard",
    "check_model_folder",
    "file_sha256",
    "make_model_card",
    "model_paths",
    "needed_frequencies",
    "read_model_card",
    "write_model_card",
]

#: Packages whose versions a card records: the model's pickle depends on scikit-learn's,
#: its features on the rest.
CARD_PACKAGES: tuple[str, ...] = ("sdc1", "scikit-learn", "numpy", "pandas", "bdsf", "astropy")


@dataclass(frozen=True)
class ModelCard:
    """What a trained classifier of one frequency needs and how it was made.

    Attributes
    ----------
    freq : int
        Frequency (MHz) of the sources it classifies.
    dataset : str
        The dataset it was trained on.
    frequencies : list of int
        That dataset's frequencies.
    primary : str
        The feature set whose classes were submitted there.
    feature_sets : dict
        Feature set -> its feature columns, in the model's order.
    needs : dict
        Feature set -> the other frequencies of the training dataset whose counterparts
        its features read.
    classes : dict
        Class code (as a string, as JSON keys are) -> name.
    n_labelled : int
        Labelled training sources.
    classifier : dict
        The ``classifier`` settings it was trained with.
    packages : dict
        Package -> version at training time.
    joblib_sha256 : str
        SHA-256 of the joblib file.
    fallback : str or None
        Why the primary feature set has no model, where it has none.
    """

    freq: int
    dataset: str
    frequencies: list[int]
    primary: str
    feature_sets: dict[str, list[str]]
    needs: dict[str, list[int]]
    classes: dict[str, str]
    n_labelled: int
    classifier: dict[str, Any]
    packages: dict[str, str]
    joblib_sha256: str
    fallback: str | None = None
    format: int = field(default=1)


def needed_frequencies(columns: list[str], freq: int) -> list[int]:
    """The other frequencies whose counterparts the feature ``columns`` of ``freq`` read.

    Cross-frequency features end in ``_<other frequency>`` (:mod:`sdc1.features`).
    """
    found = {int(m.group(1)) for c in columns if (m := re.search(r"_(\d+)$", c))}
    return sorted(f for f in found if f != freq)


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def make_model_card(
    model: Any,
    *,
    dataset: str,
    frequencies: list[int],
    classifier: dict[str, Any],
    joblib_path: str | os.PathLike,
) -> ModelCard:
    """The card of ``model`` (a :class:`sdc1.model.TrainedModel`) saved at ``joblib_path``."""
    columns = {name: list(fs.columns) for name, fs in model.feature_sets.items()}
    return ModelCard(
        freq=int(model.freq),
        dataset=dataset,
        frequencies=sorted(int(f) for f in frequencies),
        primary=model.primary,
        feature_sets=columns,
        # Counterpart columns of frequencies the training dataset lacked held no information
        # (never observed), so they need no counterparts where the model is applied.
        needs={
            name: sorted(set(needed_frequencies(cols, model.freq)) & set(map(int, frequencies)))
            for name, cols in columns.items()
        },
        classes={str(code): name for code, name in CLASS_NAMES.items()},
        n_labelled=int(model.n_labelled),
        classifier=dict(sorted(classifier.items())),
        packages={name: _version(name) for name in CARD_PACKAGES},
        joblib_sha256=file_sha256(joblib_path),
        fallback=None if model.fallback is None else model.fallback.reason,
    )


def write_model_card(card: ModelCard, path: str | os.PathLike) -> None:
    """Write ``card`` as JSON (sorted keys), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(asdict(card), indent=1, sort_keys=True) + "\n")


def read_model_card(path: str | os.PathLike) -> ModelCard:
    """Read a card written by :func:`write_model_card`.

    Raises
    ------
    InputError
        When the file is missing or is not a model card.
    """
    try:
        data = json.loads(Path(path).read_text())
        return ModelCard(**data)
    except FileNotFoundError:
        raise InputError(f"{path}: no model card (the train step writes one beside the model)")
    except (json.JSONDecodeError, TypeError) as exc:
        raise InputError(f"{path}: not a model card ({exc})") from None


def model_paths(folder: str | os.PathLike, freq: int) -> tuple[Path, Path]:
    """The joblib file and the card of ``freq`` in a model folder (``results/<dataset>/model``)."""
    folder = Path(folder)
    return folder / f"{freq}mhz.joblib", folder / f"{freq}mhz.json"


def check_model_folder(
    folder: str | os.PathLike, frequencies: list[int], feature_set: str
) -> dict[int, ModelCard]:
    """Check that a model folder classifies a dataset's frequencies with ``feature_set``.

    Parameters
    ----------
    folder : path
        ``classifier.model``: a finished run's ``results/<dataset>/model``.
    frequencies : list of int
        The dataset's frequencies.
    feature_set : str
        ``classifier.features``: the feature set whose classes are submitted.

    Returns
    -------
    dict
        Frequency -> its card.

    Raises
    ------
    InputError
        One line naming the file and what is wrong: a frequency without a model, a
        joblib file that is not the one of its card, a feature set the model lacks,
        or one that reads counterparts at a frequency the dataset lacks.
    """
    cards = {}
    for freq in frequencies:
        joblib_path, card_path = model_paths(folder, freq)
        if not joblib_path.is_file():
            raise InputError(f"{joblib_path}: no {freq} MHz model in {folder}")
        card = read_model_card(card_path)
        if card.freq != freq:
            raise InputError(f"{card_path}: a {card.freq} MHz model, not {freq} MHz")
        if file_sha256(joblib_path) != card.joblib_sha256:
            raise InputError(f"{joblib_path}: not the model of its card {card_path.name}")
        if feature_set not in card.feature_sets:
            raise InputError(
                f"{card_path}: no {feature_set!r} classifier "
                f"(it has {', '.join(sorted(card.feature_sets))})"
            )
        missing = sorted(set(card.needs[feature_set]) - set(frequencies))
        if missing:
            raise InputError(
                f"{card_path}: its {feature_set!r} classifier reads counterparts at "
                f"{', '.join(map(str, missing))} MHz, which this dataset lacks; "
                "set classifier.features: single"
            )
        cards[freq] = card
    return cards
