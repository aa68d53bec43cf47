"""Every completion of a tiny language model, listed once (notebook 07).

A completion o = (o_1, ..., o_T) of a prompt is a trajectory of notebook 04: the prefix o_<t is
the state, the token o_t the action, and the dynamics append the token with probability 1. A
completion stops at the end token ``<eos>`` or, cut off, at ``max_length`` tokens.

:class:`SequenceTree` is the part that does not depend on θ (which completions exist, their
tokens and the prefix before each token); :class:`SequenceSpace` adds, for one parameter vector,
every completion's probability and score — the table every exact computation of :mod:`pgviz.lm`
sums over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EOS", "SequenceTree", "SequenceSpace", "sequence_tree", "check_space"]

EOS = 0  # token 0 ends a completion; tokens 1..V are the digits 1..V


@dataclass(frozen=True, eq=False)
class SequenceTree:
    """The completions of one prompt, independent of θ (K0 completions, T = max_length).

    Attributes:
        vocabulary_size: V, the number of digit tokens (token 0 is ``<eos>``).
        max_length: T, the most tokens a completion has (``<eos>`` counted).
        prefixes: every prefix o_<t that can be continued, as tuples of tokens, H of them; the
            policy has one row of V + 1 logits per prefix.
        tokens: [K0, T] token ids, −1 after the end.
        prefix_index: [K0, T] the row in ``prefixes`` before each token, −1 after the end.
        lengths: [K0] |o|, the number of tokens (``<eos>`` counted).
        ended: [K0] whether the completion ends with ``<eos>`` (else it was cut at T tokens).
    """

    vocabulary_size: int
    max_length: int
    prefixes: tuple
    tokens: np.ndarray
    prefix_index: np.ndarray
    lengths: np.ndarray
    ended: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        """[K0, T] True where a completion has a token."""
        return self.tokens >= 0


def sequence_tree(vocabulary_size: int, max_length: int) -> SequenceTree:
    """Every completion of up to ``max_length`` tokens over digits 1..V and ``<eos>``, depth first.

    From each prefix with fewer than T tokens the policy may emit ``<eos>`` (the completion ends)
    or a digit (the prefix grows; at T tokens the completion is cut). Completions come in
    dictionary order with ``<eos>`` first: ``<eos>``, ``1 <eos>``, ``1 1 <eos>``, ...
    (No argument checks: :class:`pgviz.lm.TinyLM` checks them.)
    """
    prefixes: list[tuple] = []
    sequences: list[tuple] = []
    sequence_prefixes: list[list[int]] = []

    def grow(prefix: tuple, rows: list[int]) -> None:
        row = len(prefixes)
        prefixes.append(prefix)
        rows = [*rows, row]
        sequences.append((*prefix, EOS))
        sequence_prefixes.append(rows)
        for digit in range(1, vocabulary_size + 1):
            if len(prefix) + 1 < max_length:
                grow((*prefix, digit), rows)
            else:  # the T-th token is a digit: the completion is cut off
                sequences.append((*prefix, digit))
                sequence_prefixes.append(rows)

    grow((), [])
    num = len(sequences)
    tokens = np.full((num, max_length), -1, dtype=np.int64)
    prefix_index = np.full((num, max_length), -1, dtype=np.int64)
    for k, (sequence, rows) in enumerate(zip(sequences, sequence_prefixes)):
        tokens[k, : len(sequence)] = sequence
        prefix_index[k, : len(sequence)] = rows
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    ended = np.array([s[-1] == EOS for s in sequences])
    for array in (tokens, prefix_index, lengths, ended):
        array.setflags(write=False)
    return SequenceTree(vocabulary_size, max_length, tuple(prefixes), tokens, prefix_index, lengths, ended)


@dataclass(frozen=True, eq=False)
class SequenceSpace:
    """Every completion of every prompt of a :class:`pgviz.lm.TinyLM`, at its θ (notebook 07).

    K = (number of prompts) × K0 completions, prompt by prompt; T = max_length; P parameters.

    Attributes:
        prompts: [K] the prompt index of each completion; targets: [K] that prompt's number.
        tokens: K tuples of token ids (0 is ``<eos>``); token_array: [K, T], −1 after the end.
        lengths: [K] |o|; ended: [K] ends with ``<eos>``; mask: [K, T] where there is a token.
        probabilities: [K] π_θ(o | prompt), summing to 1 within each prompt;
        log_probabilities: [K] log π_θ(o | prompt) = Σ_t log π_θ(o_t | prompt, o_<t);
        token_log_probabilities: [K, T] log π_θ(o_t | prompt, o_<t) (0 after the end);
        scores: [K, P] ∇_θ log π_θ(o | prompt) = Σ_t token_scores[:, t];
        token_scores: [K, T, P] ∇_θ log π_θ(o_t | prompt, o_<t) (0 after the end).
        token_labels: the V + 1 token names; prompt_labels: one name per prompt.
    """

    prompts: np.ndarray
    targets: np.ndarray
    tokens: tuple
    token_array: np.ndarray
    lengths: np.ndarray
    ended: np.ndarray
    mask: np.ndarray
    probabilities: np.ndarray
    log_probabilities: np.ndarray
    token_log_probabilities: np.ndarray
    scores: np.ndarray
    token_scores: np.ndarray
    token_labels: tuple
    prompt_labels: tuple
    max_length: int

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def num_prompts(self) -> int:
        return len(self.prompt_labels)

    @property
    def sequences_per_prompt(self) -> int:
        return len(self.lengths) // self.num_prompts

    def prompt_slice(self, prompt: int) -> slice:
        """The rows of one prompt's completions (they are contiguous)."""
        size = self.sequences_per_prompt
        return slice(prompt * size, (prompt + 1) * size)

    @property
    def labels(self) -> tuple:
        """Each completion as text, e.g. ``"1 2 <eos>"``."""
        return tuple(" ".join(self.token_labels[t] for t in sequence) for sequence in self.tokens)

    @property
    def digit_sums(self) -> np.ndarray:
        """[K] the sum of each completion's digits (``<eos>`` adds 0)."""
        return np.where(self.mask, self.token_array, 0).sum(axis=1)

    def per_prompt(self, values) -> np.ndarray:
        """E[values | prompt] = Σ_o π(o | prompt) values(o), for values [K] or [K, ...]: [prompts, ...]."""
        values = np.asarray(values, dtype=float)
        weighted = self.probabilities.reshape((-1,) + (1,) * (values.ndim - 1)) * values
        return weighted.reshape((self.num_prompts, self.sequences_per_prompt) + values.shape[1:]).sum(axis=1)


def check_space(space) -> SequenceSpace:
    """A :class:`SequenceSpace`, else TypeError."""
    if not isinstance(space, SequenceSpace):
        raise TypeError(f"space must come from TinyLM.enumerate(), got {type(space).__name__}")
    return space
