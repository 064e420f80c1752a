"""Folding and snippets: the same words on both engines, whatever the accents.

Text is folded in Python before it is indexed and before it is searched, so SQLite's FTS5 and
PostgreSQL's `simple` configuration see the same words and neither needs an extension
(PostgreSQL's `unaccent` is often not installable). Folding is per character: compatibility
decomposition, combining marks dropped, lower case, and the letters decomposition leaves
whole (Polish ł, Danish ø, German ß, ...) mapped by hand. Each folded character remembers the
original character it came from, so a snippet highlights the story's own words.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Letters that carry no combining mark to drop: NFKD leaves them as they are.
_BY_HAND = {
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "ı": "i",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ŀ": "l",
}
_WORD = re.compile(r"\w+")
# A query is cut to this many terms and each term to this many characters: longer input finds
# nothing more and would only make the engines work.
MAX_TERMS = 16
MAX_TERM_LENGTH = 64


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    lower = char.lower()
    if lower in _BY_HAND:
        return _BY_HAND[lower]
    out = []
    for part in unicodedata.normalize("NFKD", lower):
        if unicodedata.combining(part):
            continue
        out.append(_BY_HAND.get(part, part))
    return "".join(out).lower()


class _FoldTable(dict[int, str]):
    """`str.translate`'s table, filled character by character as text brings them: folding
    runs at C speed once a character has been seen."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < _FOLD_TABLE_SIZE:  # hostile text cannot grow it without end
            self[code] = folded
        return folded


_FOLD_TABLE_SIZE = 65_536
_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case without diacritics: `Młodzież` → `mlodziez`, `Võru` → `voru`."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


class _ChunkWords(dict[str, str]):
    """The folded words of each whitespace-free chunk of text, worked out once per chunk.

    Folding is per character and no whitespace folds to a word character, so the words of a
    text are the words of its chunks in order; stories repeat their words, and a dictionary
    lookup per chunk costs far less than folding and matching every character again.
    """

    def __missing__(self, chunk: str) -> str:
        words = " ".join(_WORD.findall(fold(chunk)))
        if len(self) >= _CHUNKS_KEPT:
            self.clear()
        self[chunk] = words
        return words


_CHUNKS_KEPT = 200_000
_CHUNK_WORDS = _ChunkWords()


def index_text(*texts: str) -> str:
    """The words of the texts, folded and separated by single spaces: what either engine's
    tokenizer splits the same way."""
    words = _CHUNK_WORDS.__getitem__
    joined = " ".join([" ".join(map(words, text.split())) for text in texts])
    # A chunk without words (a dash) or an empty text leaves a gap: close it.
    if "  " in joined or joined[:1] == " " or joined[-1:] == " ":
        joined = " ".join(joined.split())
    return joined


def terms(query: str) -> list[str]:
    """The words of a query, folded, without repeats; never any of the engines' syntax."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(fold(query.replace("\x00", " "))):
        seen.setdefault(word[:MAX_TERM_LENGTH], None)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)


def words_of(text: str) -> set[str]:
    """Every folded word of a text (`terms` keeps a query's first few only)."""
    return set(_WORD.findall(fold(text)))


def fts5_query(words: list[str], prefix: bool = False) -> str:
    """Every word as an FTS5 string (all of them must match): `"młodzież"` cannot be read as an
    operator or a column filter; with `prefix`, each matches the words it begins (`"mlodz"*`)."""
    star = "*" if prefix else ""
    return " AND ".join('"' + word.replace('"', '""') + '"' + star for word in words)


def tsquery(words: list[str]) -> str:
    """Every word as a quoted prefix lexeme of a PostgreSQL tsquery (`'mlodz':* & 'rada':*`);
    the words are folded runs of word characters, so no quote or operator of the input survives."""
    return " & ".join(f"'{word}':*" for word in words if "'" not in word and "\\" not in word)


def matches(word: str, words: set[str] | list[str], prefix: bool = False) -> bool:
    """Whether a folded word of a text is one of the searched words (or begins with one)."""
    if not prefix:
        return word in words
    return any(word.startswith(searched) for searched in words)


def _folded_with_origin(text: str) -> tuple[str, Sequence[int]]:
    """The folded text and, per folded character, the position of the character it came from."""
    folded_text = fold(text)
    # Most texts fold character for character (no ß, no lone combining mark): the positions
    # are then the folded text's own, found at C speed rather than a character at a time.
    if len(folded_text) == len(text) and (
        text.isascii() or all(len(_fold_char(char)) == 1 for char in set(text))
    ):
        return folded_text, range(len(text))
    folded: list[str] = []
    origin: list[int] = []
    for position, char in enumerate(text):
        part = _fold_char(char)
        folded.append(part)
        origin.extend([position] * len(part))
    return "".join(folded), origin


def snippet(text: str, words: list[str], width: int = 160, prefix: bool = False) -> str:
    """An excerpt of `text` around the first matched word, HTML-escaped, each matched word of
    the original inside `<mark>` (with `prefix`, each word begun by a searched one)."""
    folded, origin = _folded_with_origin(text)
    wanted = set(words)
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(folded):
        if matches(match.group(), wanted, prefix):
            spans.append((origin[match.start()], origin[match.end() - 1] + 1))
    if spans:
        start = max(0, spans[0][0] - width // 3)
        if start:
            # Start at a word's beginning rather than inside one.
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 20 else start
    else:
        start = 0
    end = min(len(text), start + width)
    if end < len(text):
        space = text.find(" ", end)
        end = space if 0 <= space < end + 20 else end
    pieces = ["…" if start else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, cursor), min(span_end, end)
        pieces.append(html.escape(text[cursor:span_start]))
        pieces.append("<mark>" + html.escape(text[span_start:span_end]) + "</mark>")
        cursor = span_end
    pieces.append(html.escape(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return "".join(pieces)
