"""A tiny autoregressive language model with a tabular softmax policy (notebooks 07, 08).

The task is verifiable: a prompt is a number n ("make n"), a completion is a string of digits
1..V ended by ``<eos>``, and it is right when it ends and its digits add up to n. The policy has
one row of logits per (prompt, prefix),

    π_θ(o_t = a | prompt, o_<t) = softmax(z_{prompt, o_<t})_a,      z = θ reshaped [prompts, H, V + 1],

so log π_θ(o) = Σ_t log π_θ(o_t | o_<t) and ∇_θ log π_θ(o) = Σ_t (e_{o_t} − π_θ(· | o_<t)) on the
rows of the prefixes o passes through: the policy gradient theorem of notebook 04 with
deterministic dynamics (append the token).
"""

from __future__ import annotations

import numpy as np

from pgviz.distributions import softmax
from pgviz.lm.space import EOS, SequenceSpace, SequenceTree, sequence_tree
from pgviz.validation import check_count, check_real_array, check_rng

__all__ = ["TinyLM", "log_softmax", "skilled_logits", "finite_difference", "check_lm", "DEFAULT_SKILL"]

MAX_SEQUENCES_PER_PROMPT = 4_000  # completions of one prompt (the exact sums stay well under a second)
MAX_TABLE_ENTRIES = 10_000_000  # K × T × P entries of the per-token score table
MAX_PROMPTS = 16
DEFAULT_PROMPTS = (2, 3, 5)
DEFAULT_SKILL = (1.8, 1.0, 0.5)  # notebook 07: an easy, a middling and a hard prompt


def log_softmax(logits) -> np.ndarray:
    """log softmax(z)_a = z_a − max z − log Σ_b exp(z_b − max z) over the last axis: stable for large z."""
    z = np.asarray(logits, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _on_track(prefix: tuple, token: int, target: int, vocabulary_size: int, max_length: int) -> bool:
    """Whether emitting ``token`` after ``prefix`` can still end in a right answer for ``target``."""
    total = sum(prefix)
    if token == EOS:
        return total == target
    used = len(prefix) + 1
    need = target - total - token
    room = max_length - 1 - used  # digits that fit before the final <eos>
    if need < 0 or room < 0:
        return False
    return need == 0 or -(-need // vocabulary_size) <= room


def skilled_logits(tree: SequenceTree, targets, skill) -> np.ndarray:
    """Logits of a policy with some skill at each prompt: z = skill_prompt · 1[the token keeps the
    completion on track for a right answer], [prompts, H, V + 1]. Zero skill is the uniform policy."""
    num_actions = tree.vocabulary_size + 1
    logits = np.zeros((len(targets), len(tree.prefixes), num_actions))
    for b, (target, s) in enumerate(zip(targets, skill)):
        for h, prefix in enumerate(tree.prefixes):
            for a in range(num_actions):
                if _on_track(prefix, a, target, tree.vocabulary_size, tree.max_length):
                    logits[b, h, a] = s
    return logits


class TinyLM:
    """A tiny autoregressive softmax policy over digits 1..V and ``<eos>``, one logit table per prompt.

    Args:
        vocabulary_size: V >= 1 digit tokens (plus ``<eos>``).
        max_length: T >= 1, the most tokens of a completion (``<eos>`` counted); longer ones are cut.
        prompts: the numbers n of the prompts "make n" (integers >= 1), at most 16.
        theta: the logits as a flat vector [P] (P = prompts × H × (V + 1), H the prefixes); or
        rng: a numpy Generator for standard normal logits; with neither, the logits of
            :func:`skilled_logits` with ``DEFAULT_SKILL`` (notebook 07's problem; needs three prompts).
    ``TinyLM()`` is notebook 07's default problem: V = 2, T = 4, prompts 2, 3, 5.
    """

    def __init__(self, vocabulary_size: int = 2, max_length: int = 4, prompts=DEFAULT_PROMPTS, theta=None, rng=None):
        vocabulary_size = check_count(vocabulary_size, "vocabulary_size", 1, 9)
        max_length = check_count(max_length, "max_length", 1, 12)
        per_prompt = sum(vocabulary_size**n for n in range(max_length)) + vocabulary_size**max_length
        if per_prompt > MAX_SEQUENCES_PER_PROMPT:
            raise ValueError(
                f"vocabulary_size={vocabulary_size} with max_length={max_length} gives {per_prompt:,} completions "
                f"per prompt; the limit is {MAX_SEQUENCES_PER_PROMPT:,} (lower max_length or vocabulary_size)"
            )
        if isinstance(prompts, (str, bytes)) or not hasattr(prompts, "__len__"):
            raise TypeError(f"prompts must be a sequence of integers >= 1, got {type(prompts).__name__}")
        prompts = tuple(check_count(n, "prompts", 1, 1000) for n in prompts)
        if not 1 <= len(prompts) <= MAX_PROMPTS:
            raise ValueError(f"prompts must hold 1 to {MAX_PROMPTS} numbers, got {len(prompts)}")
        num_prefixes = sum(vocabulary_size**n for n in range(max_length))
        num_params = len(prompts) * num_prefixes * (vocabulary_size + 1)
        entries = len(prompts) * per_prompt * max_length * num_params
        if entries > MAX_TABLE_ENTRIES:
            raise ValueError(
                f"max_length={max_length}, vocabulary_size={vocabulary_size} and {len(prompts)} prompts need "
                f"{entries:,} per-token score entries; the limit is {MAX_TABLE_ENTRIES:,}"
            )
        if theta is not None and rng is not None:
            raise ValueError("give theta or rng, not both")
        self.vocabulary_size, self.max_length, self.prompts = vocabulary_size, max_length, prompts
        self.tree = sequence_tree(vocabulary_size, max_length)
        self.logits_shape = (len(prompts), num_prefixes, vocabulary_size + 1)
        if theta is not None:
            theta = check_real_array(theta, "theta", ndim=1)
            if theta.shape != (num_params,):
                raise ValueError(f"theta must have shape ({num_params},) for this model, got {theta.shape}")
        elif rng is not None:
            theta = check_rng(rng).standard_normal(num_params)
        else:
            if len(prompts) != len(DEFAULT_SKILL):
                raise ValueError(f"without theta or rng, prompts must hold {len(DEFAULT_SKILL)} numbers")
            theta = skilled_logits(self.tree, prompts, DEFAULT_SKILL).ravel()
        self._theta = np.array(theta, dtype=float)
        self._theta.setflags(write=False)
        self._space: SequenceSpace | None = None

    # --- parameters -------------------------------------------------------------------------------

    @property
    def param_vector(self) -> np.ndarray:
        """θ, the logits as one read-only vector [P]."""
        return self._theta

    @property
    def num_params(self) -> int:
        return self._theta.size

    @property
    def logits(self) -> np.ndarray:
        """θ as the logit table z [prompts, H, V + 1]."""
        return self._theta.reshape(self.logits_shape)

    def with_params(self, theta) -> TinyLM:
        """The same model (vocabulary, length, prompts) at another parameter vector θ [P]."""
        return TinyLM(self.vocabulary_size, self.max_length, self.prompts, theta=theta)

    def same_structure(self, other) -> bool:
        return isinstance(other, TinyLM) and (other.vocabulary_size, other.max_length, other.prompts) == (
            self.vocabulary_size,
            self.max_length,
            self.prompts,
        )

    @property
    def token_labels(self) -> tuple:
        return ("<eos>", *(str(d) for d in range(1, self.vocabulary_size + 1)))

    @property
    def prompt_labels(self) -> tuple:
        return tuple(f"make {n}" for n in self.prompts)

    def param_labels(self) -> list[str]:
        """One name per parameter, e.g. ``"make 3 | 1 2 -> <eos>"`` (prompt | prefix -> token)."""
        names = []
        for prompt in self.prompt_labels:
            for prefix in self.tree.prefixes:
                text = " ".join(str(d) for d in prefix) or "·"
                names += [f"{prompt} | {text} -> {token}" for token in self.token_labels]
        return names

    def next_token_probabilities(self) -> np.ndarray:
        """π_θ(a | prompt, prefix) for every prompt, prefix and token: [prompts, H, V + 1]."""
        return softmax(self.logits)

    # --- every completion -------------------------------------------------------------------------

    def enumerate(self) -> SequenceSpace:
        """Every completion of every prompt with its probability, length and scores (cached)."""
        if self._space is None:
            self._space = self._enumerate()
        return self._space

    def _enumerate(self) -> SequenceSpace:
        tree, (num_prompts, num_prefixes, num_actions) = self.tree, self.logits_shape
        num_per, length = len(tree.lengths), self.max_length
        mask = np.tile(tree.mask, (num_prompts, 1))  # [K, T]
        tokens = np.where(mask, np.tile(tree.tokens, (num_prompts, 1)), 0)  # [K, T], 0 as padding
        rows = np.where(mask, np.tile(tree.prefix_index, (num_prompts, 1)), 0)  # prefix row of each token
        prompt = np.repeat(np.arange(num_prompts), num_per)  # [K]
        log_pi = log_softmax(self.logits)  # [prompts, H, A]
        pi = self.next_token_probabilities()  # [prompts, H, A]
        token_log_probabilities = np.where(mask, log_pi[prompt[:, None], rows, tokens], 0.0)  # [K, T]
        log_probabilities = token_log_probabilities.sum(axis=1)
        # ∇ log π(o_t | o_<t) = e_{o_t} − π(· | o_<t) on the prefix's block of V + 1 logits, 0 elsewhere
        token_scores = np.zeros((len(prompt), length, self.num_params))
        block = ((prompt[:, None] * num_prefixes + rows) * num_actions)[..., None] + np.arange(num_actions)  # [K, T, A]
        k_index, t_index = np.nonzero(mask)
        token_scores[k_index[:, None], t_index[:, None], block[k_index, t_index]] = -pi[
            prompt[k_index], rows[k_index, t_index]
        ]
        token_scores[k_index, t_index, block[k_index, t_index, 0] + tokens[k_index, t_index]] += 1.0
        tokens_tuple = tuple(tuple(int(t) for t in row[m]) for row, m in zip(tokens, mask))
        arrays = dict(
            prompts=prompt,
            targets=np.array(self.prompts)[prompt],
            token_array=np.where(mask, tokens, -1),
            lengths=np.tile(tree.lengths, num_prompts),
            ended=np.tile(tree.ended, num_prompts),
            mask=mask,
            probabilities=np.exp(log_probabilities),
            log_probabilities=log_probabilities,
            token_log_probabilities=token_log_probabilities,
            scores=token_scores.sum(axis=1),
            token_scores=token_scores,
        )
        for array in arrays.values():
            array.setflags(write=False)
        return SequenceSpace(
            tokens=tokens_tuple,
            token_labels=self.token_labels,
            prompt_labels=self.prompt_labels,
            max_length=length,
            **arrays,
        )

    def __repr__(self) -> str:
        return (
            f"TinyLM(vocabulary_size={self.vocabulary_size}, max_length={self.max_length}, prompts={self.prompts}; "
            f"{len(self.tree.lengths) * len(self.prompts)} completions, {self.num_params} parameters)"
        )


def check_lm(lm, name: str = "lm") -> TinyLM:
    """A :class:`TinyLM`, else TypeError naming the argument."""
    if not isinstance(lm, TinyLM):
        raise TypeError(f"{name} must be a pgviz.lm.TinyLM, got {type(lm).__name__}")
    return lm


def check_pair(lm, other, name: str):
    """Two models of one structure (vocabulary, max_length, prompts), named ``lm`` and ``name``:
    their enumerations, aligned completion by completion."""
    check_lm(lm)
    check_lm(other, name)
    if not lm.same_structure(other):
        raise ValueError(f"{name} must have the vocabulary, max_length and prompts of lm")
    return lm.enumerate(), other.enumerate()


def finite_difference(lm: TinyLM, function, h: float = 1e-5) -> np.ndarray:
    """Central differences (f(θ + h e_j) − f(θ − h e_j)) / 2h of ``function(model)`` for every
    parameter j: [..., P] for a function returning [...] (an independent check of every gradient)."""
    check_lm(lm)
    theta = lm.param_vector
    columns = []
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = h
        plus = np.asarray(function(lm.with_params(theta + step)), dtype=float)
        minus = np.asarray(function(lm.with_params(theta - step)), dtype=float)
        columns.append((plus - minus) / (2 * h))
    return np.stack(columns, axis=-1)
