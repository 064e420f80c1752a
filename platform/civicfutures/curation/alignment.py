"""An excerpt's sentences in a translation of its whole story, only where the match is certain.

A curator's translation of the excerpt always comes first; this is for the excerpts nobody
translated. The match is offered only when nothing is guessed:

- the excerpt is exactly whole sentences of the original (spaces around it aside);
- the original and the translation have the same paragraphs, each with the same number of
  sentences, so the n-th sentence of one is the n-th of the other.

A translator who split or joined a sentence anywhere in the story makes the counts differ and
nothing is offered: a wrong sentence beside a real quote is worse than none.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (repeated or not), with closing quotes or brackets after it, and
# then a space or the end of the text; a line break ends a paragraph.
_END = re.compile(r"[.!?…։။。！？؟]+[\"'”’»)\]]*(?=\s|$)")


def sentences(text: str) -> list[list[tuple[int, int]]]:
    """Paragraphs of `text`, each a list of (start, end) code-point spans of its sentences."""
    paragraphs: list[list[tuple[int, int]]] = []
    offset = 0
    for line in text.split("\n"):
        spans: list[tuple[int, int]] = []
        position = 0
        for match in _END.finditer(line):
            _add(spans, line, offset, position, match.end())
            position = match.end()
        _add(spans, line, offset, position, len(line))
        if spans:
            paragraphs.append(spans)
        offset += len(line) + 1
    return paragraphs


def _add(spans: list[tuple[int, int]], line: str, offset: int, start: int, end: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((offset + start + lead, offset + start + lead + len(stripped)))


def aligned_text(original: str, start: int, end: int, translation: str) -> str | None:
    """The translation's sentences matching original[start:end], or None when not certain."""
    excerpt = original[start:end]
    start += len(excerpt) - len(excerpt.lstrip())
    end -= len(excerpt) - len(excerpt.rstrip())
    if start >= end:
        return None
    source, target = sentences(original), sentences(translation)
    if [len(p) for p in source] != [len(p) for p in target]:
        return None
    flat_source = [span for paragraph in source for span in paragraph]
    flat_target = [span for paragraph in target for span in paragraph]
    starts = [i for i, span in enumerate(flat_source) if span[0] == start]
    ends = [i for i, span in enumerate(flat_source) if span[1] == end]
    if not starts or not ends or ends[0] < starts[0]:
        return None
    first, last = starts[0], ends[0]
    if _paragraph_of(source, first) != _paragraph_of(source, last):
        # An excerpt across paragraphs would have to be joined back with line breaks.
        return None
    return translation[flat_target[first][0] : flat_target[last][1]]


def _paragraph_of(paragraphs: list[list[tuple[int, int]]], index: int) -> int:
    for number, paragraph in enumerate(paragraphs):
        if index < len(paragraph):
            return number
        index -= len(paragraph)
    return -1
