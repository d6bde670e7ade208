"""Word-level differences between two texts, via diff-match-patch.

diff-match-patch diffs characters. To diff words, each distinct word (and each run of whitespace)
is mapped to one private-use character, the short strings are diffed, and the result is mapped
back: the same trick as the library's own line mode, at word granularity.
"""

import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

_TOKEN = re.compile(r"\s+|[^\s]+")
_FIRST_CODE_POINT = 0xF0000  # Supplementary private use area A: never in real text.


@dataclass(frozen=True)
class Chunk:
    op: str  # "equal", "insert" or "delete"
    text: str


_OPS = {0: "equal", 1: "insert", -1: "delete"}


def word_diff(old: str, new: str) -> list[Chunk]:
    """The changes from `old` to `new` as chunks of whole words, merged for easy reading."""
    vocabulary: dict[str, str] = {}
    words: list[str] = []

    def encode(text: str) -> str:
        out = []
        for token in _TOKEN.findall(text):
            if token not in vocabulary:
                vocabulary[token] = chr(_FIRST_CODE_POINT + len(words))
                words.append(token)
            out.append(vocabulary[token])
        return "".join(out)

    engine = diff_match_patch()
    engine.Diff_Timeout = 2.0
    diffs = engine.diff_main(encode(old or ""), encode(new or ""), False)
    engine.diff_cleanupSemantic(diffs)
    chunks: list[Chunk] = []
    for op, encoded in diffs:
        text = "".join(words[ord(char) - _FIRST_CODE_POINT] for char in encoded)
        if chunks and chunks[-1].op == _OPS[op]:
            chunks[-1] = Chunk(_OPS[op], chunks[-1].text + text)
        else:
            chunks.append(Chunk(_OPS[op], text))
    return chunks


def has_changes(chunks: list[Chunk]) -> bool:
    return any(chunk.op != "equal" for chunk in chunks)
