"""The synthetic corpus plants the structure the speed benchmark scores."""

import numpy as np
import pytest

from textbook.data.synthetic import topic_precision, zipf_topic_corpus


def test_sizes_boundaries_and_seeding():
    c = zipf_topic_corpus(20_000, vocab_size=600, topics=10, function_words=20, seed=3)
    assert c.ids.shape == (20_000,) and c.offsets[0] == 0 and c.offsets[-1] == 20_000
    assert np.all(np.diff(c.offsets) >= 1) and c.ids.min() >= 0 and c.ids.max() < 600
    assert sum(map(len, c.sentences())) == 20_000 and c.tokens()[0][0].startswith("w")
    assert len(set(c.words)) == 600
    np.testing.assert_array_equal(c.ids_of(c.tokens()[0]), c.sentences()[0])
    # the spelling does not give the topic away: the last digit of a name is unrelated to its topic
    last = np.array([int(w[-1]) for w in c.words])[20:]
    assert len({(t, d) for t, d in zip(c.topic[20:], last)}) > 50
    again = zipf_topic_corpus(20_000, vocab_size=600, topics=10, function_words=20, seed=3)
    np.testing.assert_array_equal(c.ids, again.ids)
    assert not np.array_equal(c.ids, zipf_topic_corpus(20_000, 600, 10, 20, seed=4).ids)


def test_each_sentence_keeps_to_one_topic_and_ranks_follow_zipf():
    c = zipf_topic_corpus(50_000, vocab_size=1000, topics=5, function_words=50, seed=0)
    for s in c.sentences()[:200]:
        topics = set(c.topic[s][c.topic[s] >= 0].tolist())
        assert len(topics) <= 1
    counts = np.bincount(c.ids, minlength=1000)
    assert counts[0] > counts[10] > counts[49]                    # function words by rank
    assert counts[50:100].sum() > counts[900:950].sum()           # topic words by rank


def test_topic_precision_is_one_for_planted_vectors_and_low_for_noise():
    c = zipf_topic_corpus(10_000, vocab_size=400, topics=8, function_words=16, seed=1)
    planted = np.eye(9)[c.topic + 1] + 0.01 * np.random.default_rng(0).normal(size=(400, 9))
    assert topic_precision(planted, c.topic) == 1.0
    noise = np.random.default_rng(1).normal(size=(400, 16))
    assert topic_precision(noise, c.topic) < 0.3
    with pytest.raises(ValueError, match="query"):
        topic_precision(noise, c.topic, queries=np.array([], dtype=int))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="function_words"):
        zipf_topic_corpus(100, vocab_size=50, topics=10, function_words=45)
    with pytest.raises(ValueError, match="function_share"):
        zipf_topic_corpus(100, vocab_size=500, function_share=1.0)
    with pytest.raises(ValueError, match="sentence_length"):
        zipf_topic_corpus(100, vocab_size=500, sentence_length=(5, 2))
