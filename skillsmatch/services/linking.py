"""The fitted skill linker and title normaliser, built from the shipped reference data once."""

from __future__ import annotations

import os
import threading

from ml.linking import SkillLinker, tuned_params
from ml.titles import TitleNormaliser
from skillsmatch import reference_data

_lock = threading.Lock()
_linkers: dict[str, SkillLinker] = {}
_normalisers: dict[str, TitleNormaliser] = {}


def get_skill_linker(cache_dir: str | os.PathLike[str], progress: bool = False) -> SkillLinker:
    """The ESCO skill linker, label embeddings read from (or first written to) ``cache_dir``."""
    key = os.fspath(cache_dir)
    with _lock:
        if key not in _linkers:
            linker = SkillLinker(
                cache_dir=key, taxonomy_version=reference_data.ESCO_VERSION, **tuned_params()
            )
            _linkers[key] = linker.fit(reference_data.read_esco_skills(), progress=progress)
        return _linkers[key]


def get_title_normaliser(
    cache_dir: str | os.PathLike[str], progress: bool = False
) -> TitleNormaliser:
    """The ESCO occupation / SOC 2020 title normaliser, embeddings cached in ``cache_dir``."""
    key = os.fspath(cache_dir)
    with _lock:
        if key not in _normalisers:
            normaliser = TitleNormaliser(
                cache_dir=key, taxonomy_version=reference_data.ESCO_VERSION
            )
            _normalisers[key] = normaliser.fit(
                reference_data.read_esco_occupations(),
                reference_data.read_soc_index(),
                progress=progress,
            )
        return _normalisers[key]
