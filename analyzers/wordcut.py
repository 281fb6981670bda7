"""jieba's word segmentation (分词) with a faster dictionary walk: :class:`FastTokenizer`.

jieba cuts a run of Chinese text by building the graph of dictionary words starting at
each character (``get_DAG``) and choosing, from the end backwards, the word sequence of
greatest probability (``calc``). Both are plain Python loops and take most of a cut's
time. :class:`FastTokenizer` is a :class:`jieba.Tokenizer` whose two steps give exactly
jieba's graph and route (same floating-point operations in the same order, same tie
rule: the longer word wins) with fewer lookups: one dictionary lookup per prefix instead
of two, and the logarithm of a word's frequency computed once per word, not once per
occurrence. Everything else (blocks, HMM for unknown words, user words) is jieba's own.

>>> tk = FastTokenizer()
>>> tk.lcut('宝鸡市档案局的建设', HMM=False) == _reference(tk).lcut('宝鸡市档案局的建设', HMM=False)
True
"""

from __future__ import annotations

from math import log

import jieba

__all__ = ["FastTokenizer"]


class FastTokenizer(jieba.Tokenizer):
    """A :class:`jieba.Tokenizer` that segments exactly like jieba, faster (see the module)."""

    def __init__(self, dictionary: str | None = None) -> None:
        super().__init__(dictionary)
        #: Results derived from the dictionary by its users, emptied when a word is added.
        self.memo: dict = {}
        self._log_freq: dict[str, float] = {}
        self._log_freq_of: dict | None = None

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 - jieba's name
        """The last character of every dictionary word starting at each position (a
        character alone when no word starts there), as :meth:`jieba.Tokenizer.get_DAG`."""
        self.check_initialized()
        lookup = self.FREQ.get
        n = len(sentence)
        dag: dict[int, list[int]] = {}
        for k in range(n):
            ends = []
            i = k
            freq = lookup(sentence[k])
            while freq is not None:  # a word or the prefix of one (frequency 0)
                if freq:
                    ends.append(i)
                i += 1
                if i >= n:
                    break
                freq = lookup(sentence[k : i + 1])
            dag[k] = ends or [k]
        return dag

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict[int, tuple[float, int]]) -> None:  # noqa: N803
        """The best route from each position to the end, as :meth:`jieba.Tokenizer.calc`:
        ``route[i] = (log-probability, last character of the first word)``."""
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = log(self.total)
        freq = self.FREQ
        if self._log_freq_of is not freq:  # a new dictionary (initialize)
            self._log_freq, self._log_freq_of = {}, freq
        known = self._log_freq
        for idx in range(n - 1, -1, -1):
            best_score = best_end = None
            for x in DAG[idx]:
                word = sentence[idx : x + 1]
                value = known.get(word)
                if value is None:
                    value = known[word] = log(freq.get(word) or 1)
                score = value - logtotal + route[x + 1][0]
                if best_score is None or score >= best_score:  # ends ascend: a tie goes to the longer
                    best_score, best_end = score, x
            route[idx] = (best_score, best_end)  # type: ignore[assignment]

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """:meth:`jieba.Tokenizer.add_word`, forgetting the word's cached frequency and
        :attr:`memo`."""
        super().add_word(word, freq, tag)
        self._log_freq.pop(word, None)
        self.memo.clear()


def _reference(tk: FastTokenizer) -> jieba.Tokenizer:
    """A plain jieba tokenizer on ``tk``'s dictionary (for the examples and tests)."""
    plain = jieba.Tokenizer()
    tk.check_initialized()
    plain.FREQ, plain.total, plain.initialized = tk.FREQ, tk.total, True
    return plain
