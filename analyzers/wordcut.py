"""jieba's word segmentation (分词), compiled where possible: :class:`FastTokenizer`.

jieba cuts a run of Chinese text by building the graph of dictionary words starting at
each character (``get_DAG``) and choosing, from the end backwards, the word sequence of
greatest probability (``calc``). Both are plain Python loops and take most of a cut's
time. :class:`FastTokenizer` is a :class:`jieba.Tokenizer` that gives exactly jieba's
words in two ways:

* **compiled** (when the ``rjieba`` package, a binding of the Rust port jieba-rs, is
  installed): a copy of the tokenizer's dictionary (every word's frequency, and the
  same total) lives in an ``rjieba.Jieba``, which finds each block's best route. jieba
  still cuts the text into blocks (its own regular expressions) and finds unknown words
  with its own HMM; only the route of a block of Chinese text comes from the copy, and
  every word added to the tokenizer is added to the copy at once;
* **pure Python** (elsewhere, or with ``compiled=False``): the two steps rewritten to give
  jieba's graph and route (same floating-point operations in the same order, same tie
  rule: the longer word wins) with fewer lookups: one dictionary lookup per prefix
  instead of two, and the logarithm of a word's frequency computed once per word.

Everything else (blocks, HMM for unknown words, user words) is jieba's own.

>>> tk = FastTokenizer()
>>> tk.lcut('宝鸡市档案局的建设', HMM=False) == _reference(tk).lcut('宝鸡市档案局的建设', HMM=False)
True
"""

from __future__ import annotations

import re
import threading
from math import log
from typing import Any

import jieba
from jieba import finalseg

try:
    import rjieba
except ImportError:  # no wheel for this platform: the pure-Python route below
    rjieba = None  # type: ignore[assignment]

__all__ = ["FastTokenizer", "COMPILED"]

#: Whether the compiled route (``rjieba``) can be used in this environment.
COMPILED = rjieba is not None

# The copy's total must be the tokenizer's: jieba adds every frequency it is given to its
# total (a word given twice counts twice), jieba-rs replaces the old one. The difference
# is this word's frequency; it holds a newline, which never reaches the copy (jieba cuts
# text into blocks without one), so it is never found in a text.
_BALANCE = "\n"
_HAN, _SKIP = jieba.re_han_default, jieba.re_skip_default  # jieba's blocks (precise mode)
_LATIN = re.compile("[a-zA-Z0-9]")  # jieba joins runs of these single characters (HMM off)
_MAX_ADDED = 20_000  # words added before the memo is emptied (checking them costs more)
_MAX_HMM_MEMO = 50_000  # runs of single characters whose HMM words are remembered (about 12 MB)


class FastTokenizer(jieba.Tokenizer):
    """A :class:`jieba.Tokenizer` that segments exactly like jieba, faster (see the module).

    ``compiled=False`` keeps the pure-Python route even where ``rjieba`` is installed.
    """

    def __init__(self, dictionary: str | None = None, *, compiled: bool = True) -> None:
        super().__init__(dictionary)
        #: Results derived from the dictionary by its users. A word added since an entry
        #: was made is in :attr:`added` after the entry's ``len(added)``; emptied (with
        #: :attr:`added`) when a word is removed or many were added.
        self.memo: dict = {}
        #: Words added to the dictionary since :attr:`memo` was last emptied, in order.
        self.added: list[str] = []
        self._log_freq: dict[str, float] = {}
        self._log_freq_of: dict | None = None
        self._compiled = compiled and COMPILED
        self._copy: Any = None  # rjieba.Jieba with the words of _copy_of
        self._copy_of: dict | None = None
        self._copied = 0  # sum of the frequencies in the copy (without _BALANCE)
        self._copy_lock = threading.Lock()
        self._hmm_memo: dict[str, list[str]] = {}
        self._hmm_forced = 0

    @property
    def compiled(self) -> bool:
        """True when routes come from the compiled copy of the dictionary."""
        return self._compiled

    # ----------------------------------------------------------------- compiled route

    def _copy_words(self) -> Any:
        """The compiled copy of the dictionary, (re)built when the dictionary changed."""
        if self._copy_of is self.FREQ:
            return self._copy
        self.check_initialized()
        with self._copy_lock:
            if self._copy_of is not self.FREQ:
                copy = rjieba.Jieba.empty()
                copied = 0
                for word, freq in self.FREQ.items():
                    if freq:  # 0: a prefix of a word, not a word
                        copy.add_word(word, freq, None)
                        copied += freq
                copy.add_word(_BALANCE, self.total - copied, None)
                self._copy, self._copied, self._copy_of = copy, copied, self.FREQ
        return self._copy

    def cut_whole(self, text: str) -> list[str]:
        """``text`` cut in one call to the compiled segmenter, HMM on: jieba-rs's own blocks
        and HMM (which differ from jieba's in rare cases, see the module docstring), much
        cheaper than :meth:`lcut`. Where ``rjieba`` is missing, :meth:`lcut`.

        >>> FastTokenizer().cut_whole("毛泽东在北京")
        ['毛泽东', '在', '北京']
        """
        if not self._compiled:
            return self.lcut(text, HMM=True)
        return self._copy_words().cut(text, True)

    def cut_precise(self, text: str) -> list[str]:
        """``lcut(text, HMM=False)``: jieba's blocks, each block of Chinese text routed by
        the compiled copy under one hold of its lock (no generator per block or word).

        >>> FastTokenizer().cut_precise("宝鸡市档案局 1949年")
        ['宝鸡市', '档案局', ' ', '1949', '年']
        """
        if not self._compiled:
            return self.lcut(text, HMM=False)
        copy = self._copy_words()
        out: list[str] = []
        with self._copy_lock:
            for block in _HAN.split(text):
                if not block:
                    continue
                if _HAN.match(block):
                    out.extend(copy.cut(block, False))
                    continue
                for part in _SKIP.split(block):
                    if _SKIP.match(part):
                        out.append(part)
                    else:
                        out.extend(part)
        return out

    def _Tokenizer__cut_DAG_NO_HMM(self, sentence: str) -> Any:  # noqa: N802 - jieba's (private) name
        """jieba's precise cut of one block of Chinese text, HMM off."""
        if not self._compiled:
            return super()._Tokenizer__cut_DAG_NO_HMM(sentence)  # type: ignore[misc]
        copy = self._copy_words()
        with self._copy_lock:
            return copy.cut(sentence, False)

    def _Tokenizer__cut_DAG(self, sentence: str) -> Any:  # noqa: N802 - jieba's (private) name
        """jieba's precise cut of one block of Chinese text, HMM on: the route's words,
        with each run of single characters that is not a word given to jieba's HMM."""
        route = self._route_words(sentence) if self._compiled else None
        if route is None:
            return super()._Tokenizer__cut_DAG(sentence)  # type: ignore[misc]
        out: list[str] = []
        run = ""
        for word in route:
            if len(word) == 1:
                run += word
                continue
            if run:
                self._add_run(run, out)
                run = ""
            out.append(word)
        if run:
            self._add_run(run, out)
        return out

    def _add_run(self, run: str, out: list[str]) -> None:
        """Append the words of a run of single characters, as jieba does: a dictionary
        word stays single characters, anything else goes through the HMM (remembered)."""
        if len(run) == 1:
            out.append(run)
        elif self.FREQ.get(run):
            out.extend(run)
        else:
            memo = self._hmm_memo
            words = memo.get(run)
            if words is None:
                forced = len(finalseg.Force_Split_Words)  # only grows; changes the HMM's words
                if len(memo) > _MAX_HMM_MEMO or forced != self._hmm_forced:
                    memo.clear()
                    self._hmm_forced = forced
                words = memo[run] = list(finalseg.cut(run))
            out.extend(words)

    def _route_words(self, sentence: str) -> list[str] | None:
        """The words of the best route through a block, from the compiled copy's cut with
        HMM off, which joins runs of single Latin letters and digits: those are split
        again. ``None`` when such a run is itself a dictionary word (it could be either)."""
        copy = self._copy_words()
        with self._copy_lock:
            words = copy.cut(sentence, False)
        if not _LATIN.search(sentence):
            return words
        freq = self.FREQ
        out: list[str] = []
        for word in words:
            if len(word) > 1 and word.isascii() and word.isalnum():
                if freq.get(word):
                    return None
                out.extend(word)
            else:
                out.append(word)
        return out

    # ----------------------------------------------------------------- pure-Python route

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

    def suggested_freq(self, word: str) -> int:
        """``suggest_freq(word, False)``, the frequency jieba gives a word added without
        one (enough to be cut as one word), with the word cut by :meth:`cut_precise`.

        >>> tk = FastTokenizer()
        >>> tk.suggested_freq("兰台学社") == _reference(tk).suggest_freq("兰台学社", False)
        True
        """
        self.check_initialized()
        total = float(self.total)
        freq = 1.0
        for part in self.cut_precise(word):
            freq *= self.FREQ.get(part, 1) / total
        return max(int(freq * self.total) + 1, self.FREQ.get(word, 1))

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """:meth:`jieba.Tokenizer.add_word`, also in the compiled copy, forgetting the
        word's cached frequency; the word joins :attr:`added`."""
        self.check_initialized()
        before = self.FREQ.get(word) or 0
        super().add_word(word, self.suggested_freq(word) if freq is None else freq, tag)
        self._log_freq.pop(word, None)
        after = self.FREQ.get(word) or 0
        if (before and not after) or len(self.added) >= _MAX_ADDED:
            self.memo.clear()
            self.added.clear()
        else:
            self.added.append(word)
        if self._compiled and self._copy_of is self.FREQ:
            with self._copy_lock:
                if after:
                    self._copy.add_word(word, after, None)
                    self._copied += after - before
                    self._copy.add_word(_BALANCE, self.total - self._copied, None)
                elif before:  # a word removed (jieba's del_word): copy the dictionary again
                    self._copy_of = None


def _reference(tk: FastTokenizer) -> jieba.Tokenizer:
    """A plain jieba tokenizer on ``tk``'s dictionary (for the examples and tests)."""
    plain = jieba.Tokenizer()
    tk.check_initialized()
    plain.FREQ, plain.total, plain.initialized = tk.FREQ, tk.total, True
    return plain
