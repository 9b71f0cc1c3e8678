"""Matching a job title or an advert to the courses that train for it, or to none.

A course is described by its name, its typical job titles and its overview. A query (a job title
or advert text) is read as a few *variants*: the cleaned title, its segments ("Care Assistant -
Nights - Chelmsford" gives "Care Assistant") and, for a long advert, its first sentences. Each
variant is compared with every course through a handful of features:

- ``title``: the best cosine between the variant and any of the course's labels (name and job
  titles), all-MiniLM-L6-v2 embeddings;
- ``name``: the cosine with the course name alone;
- ``overview``: the cosine with the course overview;
- ``word``, ``char``: the best TF-IDF cosine (words; character 3-5 grams) with any label, which
  rewards shared wording the embedding blurs ("pharmacist" is not "pharmacy technician");
- ``head``: whether the variant's head noun ("... technician", "... nurse") is the head noun of
  one of the course's labels;
- ``occupation``: agreement of occupation groups (UK SOC 2020 unit groups, found through the
  nearest titles of the ONS coding index) between the variant and the course's labels;
  "Pharmacist" (2251) and "Pharmacy technician" (3212) look alike to the embedding, not here;
- ``level``, ``senior_level``, ``junior_level``: the course level (2-7, scaled to [0, 1]), alone
  and when the variant reads senior ("lead", "manager") or junior ("assistant", "trainee"), so
  that "Staff nurse" prefers the registered nurse degree to the specialist practitioner.

A logistic model over these features (weights chosen on a dev split by
``python -m bench.bench_course_matching --calibrate``, stored in ``course_matcher.json``) gives a
score that reads as the chance the course fits. A query whose best course stays under
``abstain_threshold`` gets no course: "no course here" is an answer, not a failure.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from ml.encoder import Encoder, get_encoder
from ml.taxonomy import embed_cached
from ml.text import split_sentences, strip_html

PARAMS_FILE = Path(__file__).with_name("course_matcher.json")
FEATURES = (
    "title",
    "name",
    "overview",
    "word",
    "char",
    "head",
    "occupation",
    "level",
    "senior_level",
    "junior_level",
)
_CHUNK = 256  # variants scored at once: 256 x 5,000 labels x 4 bytes = 5 MB per matrix

# Administrative qualifiers of standard names that no job title carries.
_NAME_NOISE = re.compile(
    r"(?i)\((?:integrated\s+)?degree\)|\(integrated\)|\((?:GDC|NMC)[^)]*\)|\(\d{4}\)|\b(?:19|20)\d\d\b"
)
# Parts of advertised titles that say nothing about the job: pay, grade, hours, contract, shift.
_TITLE_NOISE = re.compile(
    r"(?ix)"
    r"£\s?[\d,.]+k?(?:\s*(?:-|to)\s*£?\s?[\d,.]+k?)?"
    r"(?:\s*(?:per|p|/)\s*(?:hour|hr|annum|year|a|h|day|week))?"
    r"|\b(?:band|grade|afc|level)\s*\d+[a-z]?\b"
    r"|\b\d+(?:\.\d+)?\s*(?:hours|hrs|h)\b(?:\s*per\s*week)?"
    r"|\bref(?:erence)?[:.]?\s*[a-z0-9/-]*\d[a-z0-9/-]*\b"
    r"|\b(?:full|part)[\s-]?time\b|\bpermanent\b|\btemporary\b|\bfixed[\s-]term\b|\bcontract\b"
    r"|\bnights?\b|\bdays\b|\bweekends?\b|\bmaternity\s+cover\b|\bsecondment\b|\burgent(?:ly)?\b"
    r"|\bimmediate\s+start\b|\bx\s?\d+\b|\b\d+\s?x\b|\*+|\bjobs?\b|\blive[\s-]in\b|\bperm\b"
    r"|\bself[\s-]employed\b"
)
# Separators of title parts; some job boards turn " - " into a double space.
_SEGMENT_SPLIT = re.compile(r"\s+[-\u2013\u2014|]\s+|\s*[|/,;:()\[\]]\s*|\s{2,}")
# "Consultant in Intensive Care", "Nurse for Older People": the job comes first.
_QUALIFIER_SPLIT = re.compile(r"(?i)\s+(?:in|for|with|within|at)\s+")
_WORD = re.compile(r"[a-z][a-z+#]*")
# "German Speaking Reservations Agent": the language is a requirement, the rest is the job.
_SPEAKING = re.compile(r"(?i)\bspeaking\s+(\w.*)")
# Words that may close a title without being what the job is ("Electrician apprentice").
_NOT_HEAD = frozenset(
    "senior junior trainee apprentice apprenticeship lead chief principal deputy i ii iii iv "
    "level role job vacancy position post opportunity uk".split()
)
_SENIOR = frozenset(
    "senior lead head manager principal chief director consultant advanced specialist "
    "supervisor leader".split()
)
_JUNIOR = frozenset(
    "assistant junior trainee apprentice apprenticeship operative worker support helper "
    "entry graduate".split()
)
# Abbreviations of UK job titles that the embedding does not know.
_ABBREVIATIONS = {
    "rgn": "registered general nurse",
    "rmn": "registered mental health nurse",
    "rnmh": "registered mental health nurse",
    "rnld": "registered learning disability nurse",
    "hca": "healthcare assistant",
    "csw": "care support worker",
    "odp": "operating department practitioner",
    "hgv": "heavy goods vehicle",
    "lgv": "large goods vehicle",
    "pcso": "police community support officer",
    "sen": "special educational needs",
    "send": "special educational needs and disabilities",
}
_ABBREVIATION = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\b", re.IGNORECASE)
# Title segments that only say how the job is staffed.
_SEGMENT_NOISE = frozenset(
    "bank locum relief agency nhs ftc maternity cover days nights permanent temporary".split()
)
_STOP = frozenset(
    "a an and the of to in for on with by or as at from into is are be our your we you".split()
)


@dataclass(frozen=True)
class CourseMatch:
    """One course for a query: its reference, title and a score in [0, 1]."""

    ref: str
    title: str
    score: float


def tuned_params(path: Path = PARAMS_FILE) -> dict[str, object]:
    """The parameters chosen on the dev split, for ``CourseMatcher(**tuned_params())``.

    Written by ``python -m bench.bench_course_matching --calibrate``; keys starting with "_"
    are notes.
    """
    if not path.exists():
        return {}
    params = {k: v for k, v in json.loads(path.read_text()).items() if not k.startswith("_")}
    if params.get("weights") is not None:
        params["weights"] = tuple(float(w) for w in params["weights"])  # type: ignore[union-attr]
    return params


def clean_course_name(name: str) -> str:
    """A standard's name as a job title: "Dental nurse (GDC 2023)" -> "Dental nurse"."""
    return " ".join(_NAME_NOISE.sub(" ", name).split()) or " ".join(name.split())


def clean_title(title: str) -> str:
    """An advertised title without pay, grade, hours, contract or shift words."""
    return " ".join(_TITLE_NOISE.sub(" ", title).split())


def _words(text: str) -> list[str]:
    words = _WORD.findall(re.sub(r"\([^)]*\)", " ", text.lower()))
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]


def head_word(text: str) -> str:
    """The noun a title ends on, which names the job: "Senior care assistant" -> "assistant"."""
    words = [w for w in _words(text) if w not in _STOP]
    for w in reversed(words):
        if w not in _NOT_HEAD:
            return w
    return words[-1] if words else ""


def expand_abbreviations(text: str) -> str:
    """Spell out UK job-title abbreviations: "RGN" -> "registered general nurse"."""
    return _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m.group(1).lower()], text)


def _segments(title: str) -> list[str]:
    # Noise goes first and leaves no space, so "£14/hr" is not split at its slash.
    title = expand_abbreviations(_TITLE_NOISE.sub("", title))
    parts = (" ".join(p.split()) for p in _SEGMENT_SPLIT.split(title))
    kept = [p for p in parts if _WORD.search(p.lower()) and p.lower() not in _SEGMENT_NOISE]
    merged: list[str] = []
    for part in kept:
        # "Senior **** IT Recruitment Consultant": a lone "Senior" belongs to what follows.
        if merged and set(_words(merged[-1])) <= _NOT_HEAD | _SENIOR:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def _job_readings(segment: str, job_heads: frozenset[str]) -> list[str]:
    """Shorter readings of a title segment that drop words around the job.

    Words after the last job noun ("Care Workers Wool", "Home Manager Rotherham") are usually a
    place or an employer, and "Danish Speaking IT Customer Service" is a customer service job.
    """
    words = segment.split()

    def is_job(word: str) -> bool:
        found = _words(word)
        return bool(found) and found[-1] in job_heads and found[-1] not in _NOT_HEAD

    out = []
    # A title ending on a job noun ("Assistant accountant") is left whole. A one-word reading
    # is kept when the word names a job alone ("Nurse Widnes" -> "Nurse"); "Assistant" or
    # "Manager" alone would match too much.
    if words and not is_job(words[-1]):
        for i in range(len(words) - 2, -1, -1):
            if is_job(words[i]):
                if i or _words(words[i])[-1] not in _SENIOR | _JUNIOR:
                    out.append(" ".join(words[: i + 1]))
                break
    speaking = _SPEAKING.search(segment)
    if speaking:
        out.append(speaking.group(1))
    return out


def query_variants(
    text: str,
    max_title_words: int = 12,
    n_sentences: int = 2,
    job_heads: frozenset[str] = frozenset(),
) -> list[tuple[str, bool]]:
    """The readings of one query, each with whether it is a primary one.

    A title gives two primary readings, its cleaned whole and its first segment ("Care
    Assistant - Chelmsford" -> "Care Assistant Chelmsford", "Care Assistant"), then its other
    segments, the first segment without its qualifier ("Nurse Specialist in Pain Medicine"
    -> "Nurse Specialist") and each segment cut after its last word in ``job_heads`` (the nouns
    job titles end on: "Care Workers Wool" -> "Care Workers"). A long advert gives its title
    line, if it starts with one, and its first sentences, which count as primary when there is
    no title. An empty list means the text has no words.
    """
    text = strip_html(str(text))
    raw = [line.strip() for line in text.splitlines() if _WORD.search(line.lower())]
    if not raw:
        return []
    lines = [" ".join(line.split()) for line in raw]
    whole = " ".join(lines)
    variants: list[tuple[str, bool]] = []
    title = body = None
    if len(whole.split()) <= max_title_words:
        title = "  ".join(raw)
    elif len(lines[0].split()) <= max_title_words:
        title, body = raw[0], " ".join(lines[1:])
    else:
        body = whole
    if title is not None:
        segments = _segments(title) or [" ".join(title.split())]
        variants.append((" ".join(segments), True))
        variants.append((segments[0], True))
        variants.extend((s, False) for s in segments[1:])
        variants.append((_QUALIFIER_SPLIT.split(segments[0])[0], False))
        variants.extend((r, False) for s in segments for r in _job_readings(s, job_heads))
    if body:
        variants.extend((s, title is None) for s in split_sentences(body)[:n_sentences])
    seen: set[str] = set()
    out = []
    for v, is_primary in variants:
        key = " ".join(_words(v))
        if key and key not in seen:
            seen.add(key)
            out.append((v, is_primary))
    return out


def _lexical_query(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:
    """TF-IDF rows of ``texts``, normalised counting the terms no label has as the rarest.

    A plain transform drops unknown terms, so "Fund manager" would read as "manager" and match a
    label "Manager" perfectly; counted, "fund" halves that match.
    """
    rows = vectorizer.transform(texts)
    analyse = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    rarest = float(vectorizer.idf_.max())
    unknown = np.zeros(len(texts))
    for i, text in enumerate(texts):
        terms = [t for t in analyse(text) if t not in vocabulary]
        counts = np.unique(terms, return_counts=True)[1] if terms else np.array([])
        unknown[i] = float((((1 + np.log(counts)) * rarest) ** 2).sum())
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel() + unknown)
    return sparse.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ rows


def _job_titles(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        value = value.split(";")
    return [" ".join(str(t).split()) for t in value if str(t).strip()]  # type: ignore[union-attr]


class CourseMatcher(BaseEstimator):
    """Rank courses for job titles or advert texts, abstaining when none fits.

    Parameters
    ----------
    encoder : Encoder or None, default=None
        Sentence encoder; None uses the process-wide all-MiniLM-L6-v2.
    cache_dir : str or path-like or None, default=None
        Where course-side embeddings are cached (keyed by model and content); None embeds on
        every ``fit``.
    namespace : str, default="courses"
        Part of the cache key of course-side embeddings.
    occupation_namespace : str, default="soc2020-index-titles"
        Cache key part of the occupation index titles (shared with the title normaliser).
    weights : sequence of float or None, default=None
        Logistic weights of the features in ``FEATURES`` order; None gives hand-set defaults
        (``tuned_params()`` holds the chosen ones).
    intercept : float, default=-9.0
        Logistic intercept.
    segment_penalty : float, default=0.5
        Subtracted (in logit units) from every variant but the primary ones, so that a stray
        segment ("Essex County Council") does not outscore the title itself.
    abstain_threshold : float, default=0.5
        A query whose best course scores below this gets no course.
    list_threshold : float, default=0.05
        Below the best course, courses scoring under this are not listed.
    mismatch_confidence, mismatch_agreement : float, default=0.8 and 0.1
        A query whose occupation group is at least ``mismatch_confidence`` sure (the share of
        its nearest index titles' votes) gets no course when the best course shares under
        ``mismatch_agreement`` of its groups: "Fund manager" (SOC 3534) scores well against
        "Financial adviser", whose job titles fall in other groups. The occupation is read
        from the primary reading that gave the best course its score. Set by hand (see
        ``course_matcher.json``); needs an occupation index.
    occupation_neighbours : int, default=10
        Index titles that vote for a text's occupation groups.
    occupation_temperature : float, default=0.05
        Softmax temperature of those votes over cosine similarity.
    max_title_words : int, default=12
        A first line this short is read as the advert's title.
    n_sentences : int, default=2
        Sentences of a long advert read besides its title.

    Attributes
    ----------
    refs_, titles_ : ndarray of str
        The courses, in the order given to ``fit``.
    label_texts_ : tuple of str
        Every label (cleaned name first, then job titles) of every course.
    label_course_ : ndarray of int
        The course of each label; labels are grouped by course, starting at ``label_starts_``.
    groups_ : ndarray of str
        The occupation groups (empty without an occupation index).
    course_groups_ : ndarray of float, shape (n_courses, n_groups)
        Per course, the best share of each group over its labels.
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        namespace: str = "courses",
        occupation_namespace: str = "soc2020-index-titles",
        weights: Sequence[float] | None = None,
        intercept: float = -9.0,
        segment_penalty: float = 0.5,
        abstain_threshold: float = 0.5,
        list_threshold: float = 0.05,
        mismatch_confidence: float = 0.8,
        mismatch_agreement: float = 0.1,
        occupation_neighbours: int = 10,
        occupation_temperature: float = 0.05,
        max_title_words: int = 12,
        n_sentences: int = 2,
    ) -> None:
        self.encoder = encoder
        self.cache_dir = cache_dir
        self.namespace = namespace
        self.occupation_namespace = occupation_namespace
        self.weights = weights
        self.intercept = intercept
        self.segment_penalty = segment_penalty
        self.abstain_threshold = abstain_threshold
        self.list_threshold = list_threshold
        self.mismatch_confidence = mismatch_confidence
        self.mismatch_agreement = mismatch_agreement
        self.occupation_neighbours = occupation_neighbours
        self.occupation_temperature = occupation_temperature
        self.max_title_words = max_title_words
        self.n_sentences = n_sentences

    def fit(
        self, courses: pd.DataFrame, y: None = None, occupations: pd.DataFrame | None = None
    ) -> CourseMatcher:
        """Index the courses: embed (or read from the cache) their labels and overviews.

        Parameters
        ----------
        courses : DataFrame
            Columns ``ref`` and ``title``; optional ``job_titles`` (lists, or ";"-separated
            strings), ``overview`` and ``level``.
        y : None
            Ignored.
        occupations : DataFrame or None, default=None
            A job-title index of occupation groups, columns ``title`` and ``group`` (the ONS
            SOC 2020 coding index: "Hgv driver" -> 8211); a title may name several groups.
            None leaves the occupation features at zero.

        Returns
        -------
        self : CourseMatcher
        """
        missing = {"ref", "title"} - set(courses.columns)
        if missing:
            raise ValueError(f"courses lacks columns {sorted(missing)}")
        if courses.empty:
            raise ValueError("courses is empty")
        refs = courses["ref"].astype(str)
        if refs.duplicated().any():
            raise ValueError(f"duplicate course refs: {sorted(set(refs[refs.duplicated()]))[:5]}")
        blank = courses["title"].astype(str).str.strip().eq("")
        if blank.any():
            raise ValueError(f"courses without a title: {list(refs[blank])[:5]}")
        weights = self._weights()
        if len(weights) != len(FEATURES):
            raise ValueError(f"weights must have {len(FEATURES)} values, one per {FEATURES}")
        self.encoder_ = self.encoder if self.encoder is not None else get_encoder()
        self.refs_ = refs.to_numpy(dtype=str)
        self.titles_ = courses["title"].astype(str).str.strip().to_numpy(dtype=str)
        job_titles = courses["job_titles"] if "job_titles" in courses else [[]] * len(courses)
        texts: list[str] = []
        owner: list[int] = []
        for c, (name, titles) in enumerate(zip(self.titles_, job_titles, strict=True)):
            seen: set[str] = set()
            names = [clean_course_name(name), *_job_titles(titles)]
            # "Registered nurse (adult)" is also found as "Registered nurse".
            names += [" ".join(re.sub(r"\([^)]*\)", " ", n).split()) for n in names if "(" in n]
            for label in names:
                key = label.lower()
                if key and key not in seen:
                    seen.add(key)
                    texts.append(label)
                    owner.append(c)
        self.label_texts_ = tuple(texts)
        self.label_course_ = np.asarray(owner, dtype=np.int64)
        self.label_starts_ = np.flatnonzero(np.r_[True, np.diff(self.label_course_) != 0])
        self.label_vectors_ = embed_cached(
            texts, self.encoder_, self.cache_dir, f"{self.namespace}-labels"
        )
        overviews = courses["overview"] if "overview" in courses else [""] * len(courses)
        overview_texts = [
            " ".join(str(o or "").split()) or name
            for o, name in zip(overviews, self.titles_, strict=True)
        ]
        self.overview_vectors_ = embed_cached(
            overview_texts, self.encoder_, self.cache_dir, f"{self.namespace}-overviews"
        )
        # Unnormalised, so that a query's norm can count the words no label has (below).
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer="word",
            tokenizer=_words,
            token_pattern=None,
            lowercase=False,
            stop_words=sorted(_STOP),
            sublinear_tf=True,
            norm=None,
        ).fit(texts)
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, norm=None
        ).fit(texts)
        self.label_words_ = normalize(self.word_vectorizer_.transform(texts)).T.tocsr()
        self.label_chars_ = normalize(self.char_vectorizer_.transform(texts)).T.tocsr()
        heads: dict[str, set[int]] = {}
        for text, c in zip(texts, owner, strict=True):
            heads.setdefault(head_word(text), set()).add(c)
        heads.pop("", None)
        self.head_courses_ = {h: np.fromiter(cs, dtype=np.int64) for h, cs in heads.items()}
        job_heads = set(heads)
        if occupations is not None and "title" in occupations:
            job_heads.update(head_word(str(t)) for t in occupations["title"])
        job_heads.discard("")
        self.job_heads_ = frozenset(job_heads)
        levels = (
            pd.to_numeric(courses["level"], errors="coerce")
            if "level" in courses
            else pd.Series(np.nan, index=courses.index)
        )
        # Levels 2-7 scaled to [0, 1]; an unknown level sits in the middle.
        self.levels_ = ((levels.to_numpy(dtype=float) - 2) / 5).clip(0, 1)
        self.levels_ = np.where(np.isnan(self.levels_), 0.5, self.levels_).astype(np.float32)
        self._fit_occupations(occupations)
        self.coef_ = np.asarray(weights, dtype=np.float32)
        self.abstain_threshold_ = float(self.abstain_threshold)
        self.list_threshold_ = float(min(self.list_threshold, self.abstain_threshold))
        return self

    def _fit_occupations(self, occupations: pd.DataFrame | None) -> None:
        self.groups_ = np.array([], dtype=str)
        self.occupation_vectors_: np.ndarray | None = None
        self.course_groups_ = np.zeros((len(self.refs_), 0), dtype=np.float32)
        if occupations is None:
            return
        missing = {"title", "group"} - set(occupations.columns)
        if missing:
            raise ValueError(f"occupations lacks columns {sorted(missing)}")
        pairs = occupations[["title", "group"]].astype(str).drop_duplicates()
        titles = sorted(set(pairs["title"]))
        if not titles:
            raise ValueError("occupations is empty")
        self.groups_ = np.array(sorted(set(pairs["group"])), dtype=str)
        row = {t: i for i, t in enumerate(titles)}
        col = {g: i for i, g in enumerate(self.groups_)}
        share = 1.0 / pairs.groupby("title")["group"].transform("size").to_numpy()
        # Title -> groups, each title's share split evenly over the groups it names.
        self.title_groups_ = sparse.csr_matrix(
            (share, ([row[t] for t in pairs["title"]], [col[g] for g in pairs["group"]])),
            shape=(len(titles), len(self.groups_)),
            dtype=np.float32,
        )
        self.occupation_vectors_ = embed_cached(
            titles, self.encoder_, self.cache_dir, self.occupation_namespace
        )
        shares = self._group_shares(self.label_vectors_)
        self.course_groups_ = np.maximum.reduceat(shares, self.label_starts_, axis=0)

    def _group_shares(self, vectors: np.ndarray) -> np.ndarray:
        """Each text's occupation groups: a softmax vote of its nearest index titles."""
        k = min(self.occupation_neighbours, len(self.title_groups_.indptr) - 1)
        out = np.zeros((len(vectors), len(self.groups_)), dtype=np.float32)
        for lo in range(0, len(vectors), _CHUNK):
            sims = vectors[lo : lo + _CHUNK] @ self.occupation_vectors_.T  # type: ignore[operator]
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            near = np.take_along_axis(sims, top, axis=1)
            votes = np.exp((near - near.max(axis=1, keepdims=True)) / self.occupation_temperature)
            votes /= votes.sum(axis=1, keepdims=True)
            n = len(top)
            weights = sparse.csr_matrix(
                (votes.ravel(), top.ravel(), np.arange(0, n * k + 1, k)),
                shape=(n, self.title_groups_.shape[0]),
            )
            out[lo : lo + n] = (weights @ self.title_groups_).toarray()
        return out

    def _weights(self) -> tuple[float, ...]:
        if self.weights is not None:
            return tuple(float(w) for w in self.weights)
        # Hand-set fallback: embeddings carry most of the signal, lexical agreement the rest.
        return (4.0, 1.5, 2.0, 2.0, 2.0, 0.5, 2.0, 0.0, 0.0, 0.0)

    # -- features ------------------------------------------------------------------------------

    def variant_features(self, variants: Sequence[str]) -> np.ndarray:
        """Features of every course for every variant, shape (n_variants, n_courses, n_features).

        Variants are single texts (a title, a segment, a sentence), used as given.
        """
        return self._variant_features(variants)[0]

    def _variant_features(self, variants: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The features, and each variant's occupation group shares (n_variants, n_groups)."""
        check_is_fitted(self, "label_vectors_")
        n_courses = len(self.refs_)
        out = np.zeros((len(variants), n_courses, len(FEATURES)), dtype=np.float32)
        shares = np.zeros((len(variants), len(self.groups_)), dtype=np.float32)
        if not len(variants):
            return out, shares
        vectors = self.encoder_.encode(list(variants))
        starts = self.label_starts_
        names = self.label_vectors_[starts]
        for lo in range(0, len(variants), _CHUNK):
            hi = lo + _CHUNK
            v = vectors[lo:hi]
            texts = list(variants[lo:hi])
            f = out[lo:hi]
            f[..., 0] = np.maximum.reduceat(v @ self.label_vectors_.T, starts, axis=1)
            f[..., 1] = v @ names.T
            f[..., 2] = v @ self.overview_vectors_.T
            for i, vectorizer, labels in (
                (3, self.word_vectorizer_, self.label_words_),
                (4, self.char_vectorizer_, self.label_chars_),
            ):
                lexical = sparse.csr_matrix(_lexical_query(vectorizer, texts) @ labels)
                f[..., i] = np.maximum.reduceat(lexical.toarray(), starts, axis=1)
            f[..., 7] = self.levels_
            for j, text in enumerate(texts):
                hit = self.head_courses_.get(head_word(text))
                if hit is not None:
                    f[j, hit, 5] = 1.0
                words = set(_words(text))
                if words & _SENIOR:
                    f[j, :, 8] = self.levels_
                if words & _JUNIOR:
                    f[j, :, 9] = self.levels_
            if self.occupation_vectors_ is not None:
                shares[lo:hi] = self._group_shares(v)
                f[..., 6] = shares[lo:hi] @ self.course_groups_.T
        return out, shares

    def _logits(self, features: np.ndarray) -> np.ndarray:
        return features @ self.coef_ + np.float32(self.intercept)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Score in [0, 1] of every course for every text, shape (n_texts, n_courses).

        A text scores each course by its best variant; a text with no words scores 0.
        """
        return self._score(texts)[0]

    def _score(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The scores, and per text whether its occupation rules out its best course (see
        ``mismatch_confidence``), judged on the reading that gave that course its score when
        it is a primary one: a secondary reading (a segment, a cut) is a guess at the job and
        does not rule courses out."""
        check_is_fitted(self, "label_vectors_")
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        variants: list[str] = []
        owner: list[int] = []
        primary: list[bool] = []
        for t, text in enumerate(texts):
            readings = query_variants(text, self.max_title_words, self.n_sentences, self.job_heads_)
            for v, is_primary in readings:
                variants.append(v)
                owner.append(t)
                primary.append(is_primary)
        best = np.full((len(texts), len(self.refs_)), -np.inf, dtype=np.float32)
        source = np.zeros(best.shape, dtype=np.int32)  # the variant behind each best score
        shares = np.zeros((len(variants), len(self.groups_)), dtype=np.float32)
        for lo in range(0, len(variants), _CHUNK):
            features, shares[lo : lo + _CHUNK] = self._variant_features(variants[lo : lo + _CHUNK])
            for j, row in enumerate(self._logits(features)):
                if not primary[lo + j]:
                    row = row - np.float32(self.segment_penalty)
                t = owner[lo + j]
                better = row > best[t]
                best[t, better], source[t, better] = row[better], lo + j
        with np.errstate(over="ignore"):
            scores = (1.0 / (1.0 + np.exp(-best))).astype(np.float32)
        mismatch = np.zeros(len(texts), dtype=bool)
        if len(self.groups_) and len(variants):
            rows, top = np.arange(len(texts)), scores.argmax(axis=1)
            behind = source[rows, top]
            reading = shares[behind]
            agreement = (reading * self.course_groups_[top]).sum(axis=1)
            mismatch = (
                np.isfinite(best[rows, top])  # a text with no words has no reading
                & np.asarray(primary)[behind]
                & (reading.max(axis=1) >= self.mismatch_confidence)
                & (agreement < self.mismatch_agreement)
            )
        return scores, mismatch

    # -- matching ------------------------------------------------------------------------------

    def match(
        self, texts: Sequence[str], top_k: int = 10, min_score: float | None = None
    ) -> list[list[CourseMatch]]:
        """Rank the courses that train for each job title or advert.

        Parameters
        ----------
        texts : sequence of str
            Job titles ("Senior Care Assistant - Nights") or advert texts.
        top_k : int, default=10
            Most courses per text.
        min_score : float or None, default=None
            Keep only courses scoring at least this. None applies the fitted thresholds: no
            course unless the best reaches ``abstain_threshold_`` and the query's occupation
            does not rule it out, then those reaching ``list_threshold_``.

        Returns
        -------
        courses : list of list of CourseMatch
            One list per text, best first (ties in the order the courses were fitted); empty
            when no course fits or the text has no words.
        """
        scores, mismatch = self._score(texts)
        k = min(max(int(top_k), 0), scores.shape[1])
        results: list[list[CourseMatch]] = []
        for row, ruled_out in zip(scores, mismatch, strict=True):
            # A stable sort on the negated scores keeps ties in fitted order on every run.
            top = np.argsort(-row, kind="stable")[:k]
            if min_score is None:
                if not k or ruled_out or row[top[0]] < self.abstain_threshold_:
                    results.append([])
                    continue
                floor = self.list_threshold_
            else:
                floor = float(min_score)
            results.append(
                [
                    CourseMatch(str(self.refs_[c]), str(self.titles_[c]), float(row[c]))
                    for c in top
                    if row[c] >= floor and row[c] > 0
                ]
            )
        return results
