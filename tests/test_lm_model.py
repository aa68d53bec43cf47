"""pgviz.lm.TinyLM: every completion listed once, probabilities, and scores against finite differences.

Truths checked: the completions are exactly the strings of up to T tokens that stop at the first
<eos> (built here independently, by filtering every token string); probabilities sum to 1 per
prompt and equal the product of the next-token softmax probabilities; ∇θ log π(o) and every
token's score equal central finite differences of log π; the log-softmax is stable for huge logits.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pgviz import lm as L

SMALL = dict(vocabulary_size=2, max_length=3, prompts=(2, 3))


def _completions_by_filtering(vocabulary_size, max_length):
    """Every token string of length 1..T whose only <eos> (0) is its last token, or with none at length T."""
    out = set()
    for n in range(1, max_length + 1):
        for s in itertools.product(range(vocabulary_size + 1), repeat=n):
            eos = [i for i, t in enumerate(s) if t == 0]
            if eos == [n - 1] or (not eos and n == max_length):
                out.add(s)
    return out


@pytest.mark.parametrize("vocabulary_size, max_length", [(1, 1), (1, 4), (2, 3), (3, 3), (2, 4)])
def test_completions_are_exactly_the_stopped_strings(vocabulary_size, max_length):
    model = L.TinyLM(vocabulary_size, max_length, prompts=(1,), rng=np.random.default_rng(0))
    space = model.enumerate()
    assert set(space.tokens) == _completions_by_filtering(vocabulary_size, max_length)
    assert len(set(space.tokens)) == len(space)
    np.testing.assert_array_equal(space.lengths, [len(t) for t in space.tokens])
    np.testing.assert_array_equal(space.ended, [t[-1] == L.EOS for t in space.tokens])


def test_probabilities_are_products_of_next_token_probabilities_and_sum_to_one():
    model = L.TinyLM(**SMALL, rng=np.random.default_rng(1))
    space = model.enumerate()
    pi = model.next_token_probabilities()  # [prompts, H, A]
    prefix_row = {prefix: h for h, prefix in enumerate(model.tree.prefixes)}
    for k, tokens in enumerate(space.tokens):
        b = space.prompts[k]
        expected = np.prod([pi[b, prefix_row[tokens[:t]], tokens[t]] for t in range(len(tokens))])
        assert space.probabilities[k] == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(space.per_prompt(np.ones(len(space))), 1.0, atol=1e-12)


def test_sequence_scores_match_central_finite_differences_of_log_pi():
    model = L.TinyLM(**SMALL, rng=np.random.default_rng(2))
    fd = L.finite_difference(model, lambda m: m.enumerate().log_probabilities)  # [K, P]
    np.testing.assert_allclose(model.enumerate().scores, fd, atol=1e-8)


def test_token_scores_match_finite_differences_and_sum_to_the_sequence_score():
    model = L.TinyLM(**SMALL, rng=np.random.default_rng(3))
    space = model.enumerate()
    fd = L.finite_difference(model, lambda m: m.enumerate().token_log_probabilities)  # [K, T, P]
    np.testing.assert_allclose(space.token_scores, fd, atol=1e-8)
    np.testing.assert_allclose(space.token_scores.sum(axis=1), space.scores, atol=1e-14)
    assert np.all(space.token_scores[~space.mask] == 0)


def test_log_softmax_is_stable_for_huge_logits():
    z = np.array([1000.0, 0.0, -1000.0])
    out = L.log_softmax(z)
    assert np.all(np.isfinite(out[:2])) and out[0] == 0.0 and out[1] == -1000.0
    model = L.TinyLM(2, 2, prompts=(1,), theta=np.full(9, 500.0) * np.tile([1.0, 0.0, -1.0], 3))
    space = model.enumerate()
    assert np.all(np.isfinite(space.log_probabilities[space.probabilities > 0]))
    assert space.probabilities.sum() == pytest.approx(1.0)


def test_default_problem_and_parameter_round_trip():
    model = L.TinyLM()
    assert (model.vocabulary_size, model.max_length, model.prompts) == (2, 4, (2, 3, 5))
    space = model.enumerate()
    assert len(space) == 3 * 31 and model.num_params == 3 * 15 * 3
    success = space.per_prompt(L.correctness(space))
    assert success[0] > success[1] > success[2]  # an easy, a middling and a hard prompt
    theta = model.param_vector
    with pytest.raises(ValueError):
        theta[0] = 1.0  # read-only
    again = model.with_params(theta + 0.0)
    np.testing.assert_array_equal(again.enumerate().probabilities, space.probabilities)
    assert len(model.param_labels()) == model.num_params
    assert space.labels[0] == "<eos>" and space.labels[1] == "1 <eos>"


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        (dict(vocabulary_size=0), ValueError, "vocabulary_size"),
        (dict(vocabulary_size=2.0), TypeError, "vocabulary_size"),
        (dict(max_length=0), ValueError, "max_length"),
        (dict(vocabulary_size=3, max_length=9), ValueError, "max_length"),
        (dict(prompts="23"), TypeError, "prompts"),
        (dict(prompts=(2, 0, 5)), ValueError, "prompts"),
        (dict(prompts=(2, 3)), ValueError, "prompts"),
        (dict(theta=np.zeros(3)), ValueError, "theta"),
        (dict(theta=np.full(135, np.nan)), ValueError, "theta"),
        (dict(rng=0), TypeError, "rng"),
        (dict(theta=np.zeros(135), rng=np.random.default_rng(0)), ValueError, "theta or rng"),
    ],
)
def test_bad_arguments_are_refused_naming_them(kwargs, error, argument):
    with pytest.raises(error, match=argument):
        L.TinyLM(**kwargs)


def test_a_model_too_large_to_enumerate_is_refused_with_the_limit():
    with pytest.raises(ValueError, match=r"max_length.*limit is 4,000"):
        L.TinyLM(vocabulary_size=2, max_length=12, prompts=(1,), rng=np.random.default_rng(0))
