"""Vectors: word2vec text/binary formats (ours and gensim's), npz, queries, errors."""

import numpy as np
import pytest

from textbook.embeddings.vectors import Vectors

# non-ASCII letters, emoji, no-break space, line separator, ligature, combining accent, a literal backslash-n
UNICODE_WORDS = ["king", "Köln", "東京", "naïve", "🙂", "a\u00a0b", "x\u2028y", "ﬁ", "e\u0301", "Ω-1", "\\n"]


def make(dtype=np.float64, seed=0, words=UNICODE_WORDS, d=5):
    rng = np.random.default_rng(seed)
    return Vectors(words, rng.normal(size=(len(words), d)).astype(dtype))


@pytest.fixture(params=[False, True], ids=["text", "binary"])
def binary(request):
    return request.param


def test_basics():
    v = make()
    assert len(v) == len(UNICODE_WORDS) and v.dim == 5 and "東京" in v and "nope" not in v
    np.testing.assert_array_equal(v["東京"], v.matrix[2])
    assert v[["king", "🙂"]].shape == (2, 5)
    with pytest.raises(KeyError, match="nope"):
        v["nope"]
    assert np.allclose(np.linalg.norm(v.normed().matrix, axis=1), 1.0)
    assert v.head(3).words == UNICODE_WORDS[:3]


def test_constructor_errors():
    with pytest.raises(ValueError, match="rows"):
        Vectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="2-D"):
        Vectors(["a"], np.zeros(3))
    with pytest.raises(ValueError, match="twice"):
        Vectors(["a", "a"], np.zeros((2, 2)))
    with pytest.raises(TypeError, match="words\\[1\\]"):
        Vectors(["a", 3], np.zeros((2, 2)))
    with pytest.raises(TypeError, match="floats"):
        Vectors(["a"], np.array([["x"]]))


def test_most_similar_excludes_query_and_matches_bruteforce():
    v = make(seed=3, words=[f"w{i}" for i in range(30)], d=4)
    got = v.most_similar(["w1", "w2"], ["w3"], topn=5)
    unit = v.matrix / np.linalg.norm(v.matrix, axis=1, keepdims=True)
    q = unit[1] + unit[2] - unit[3]
    cos = unit @ q / np.linalg.norm(q)
    cos[[1, 2, 3]] = -np.inf
    want = np.argsort(-cos)[:5]
    assert [w for w, _ in got] == [f"w{i}" for i in want]
    np.testing.assert_allclose([s for _, s in got], cos[want], rtol=1e-12)
    assert v.most_similar("w1", topn=1, exclude=())[0][0] == "w1"
    with pytest.raises(ValueError, match="topn"):
        v.most_similar("w1", topn=0)


def test_roundtrip_unicode(tmp_path, binary):
    for dtype in (np.float64, np.float32):
        v = make(dtype)
        path = tmp_path / f"v_{np.dtype(dtype).name}.w2v"
        v.save_word2vec(path, binary=binary)
        for guess in (None, binary):
            back = Vectors.load_word2vec(path, binary=guess)
            assert back.words == v.words
            if binary:  # float32 on disk
                assert back.matrix.dtype == np.float32
                np.testing.assert_array_equal(back.matrix, v.matrix.astype(np.float32))
            else:  # text holds the shortest decimal that reads back as the same value
                assert back.matrix.dtype == np.float64
                np.testing.assert_array_equal(back.matrix.astype(dtype), v.matrix)


def test_binary_layout_is_the_c_tools(tmp_path):
    v = Vectors(["ab", "é"], np.array([[1.0, -2.0], [0.5, 3.0]]))
    path = tmp_path / "v.bin"
    v.save_word2vec(path, binary=True)
    want = b"2 2\n" + b"ab " + np.array([1, -2], "<f4").tobytes() + b"\n"
    want += "é ".encode() + np.array([0.5, 3], "<f4").tobytes() + b"\n"
    assert path.read_bytes() == want
    # without the newlines (gensim's layout) it reads the same
    path.write_bytes(want.replace(b"\n" + "é".encode(), "é".encode())[:-1])
    assert Vectors.load_word2vec(path, binary=True).words == ["ab", "é"]


def test_text_layout_and_c_tool_trailing_space(tmp_path):
    path = tmp_path / "v.txt"
    Vectors(["a"], np.array([[0.1, -2.0]])).save_word2vec(path)
    assert path.read_text() == "1 2\na 0.1 -2.0\n"
    path.write_text("2 2\na 0.1 -2.0 \r\nb 1 2 \n")  # the C tool ends lines with a space
    v = Vectors.load_word2vec(path)
    assert v.words == ["a", "b"] and v.matrix.tolist() == [[0.1, -2.0], [1.0, 2.0]]


def test_limit(tmp_path, binary):
    v = make()
    path = tmp_path / "v"
    v.save_word2vec(path, binary=binary)
    assert Vectors.load_word2vec(path, binary=binary, limit=3).words == v.words[:3]


def test_truncated_and_malformed_files(tmp_path):
    v = make(words=["a", "b", "c"], d=3)
    text, binf = tmp_path / "v.txt", tmp_path / "v.bin"
    v.save_word2vec(text)
    v.save_word2vec(binf, binary=True)
    lines = text.read_text().splitlines(keepends=True)
    text.write_text("".join(lines[:3]))
    with pytest.raises(ValueError, match="truncated.*3 vectors|promised 3 vectors"):
        Vectors.load_word2vec(text, binary=False)
    text.write_text("".join(lines[:2]) + "b 1.0 2.0\n" + lines[3])
    with pytest.raises(ValueError, match="line 3"):
        Vectors.load_word2vec(text, binary=False)
    text.write_text("3 x\n")
    with pytest.raises(ValueError, match="line 1.*header"):
        Vectors.load_word2vec(text)
    text.write_text("".join(lines) + "d 1 2 3\n")
    with pytest.raises(ValueError, match="more lines"):
        Vectors.load_word2vec(text)
    data = binf.read_bytes()
    binf.write_bytes(data[:-7])
    with pytest.raises(ValueError, match="truncated.*vector 3 of 3.*'c'"):
        Vectors.load_word2vec(binf, binary=True)


def test_unwritable_words(tmp_path):
    for bad in ["a b", "tab\there", "", "new\nline"]:
        with pytest.raises(ValueError, match="word2vec format"):
            Vectors([bad], np.zeros((1, 2))).save_word2vec(tmp_path / "x")


def test_duplicate_word_in_file_keeps_first(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 1\na 1\nb 2\na 3\n")
    with pytest.warns(UserWarning, match="'a'"):
        v = Vectors.load_word2vec(path)
    assert v.words == ["a", "b"] and v.matrix[:, 0].tolist() == [1.0, 2.0]


def test_npz_roundtrip(tmp_path):
    words = UNICODE_WORDS + ["trail\x00", "", " sp ace "]  # npz keeps even these exactly
    v = make(words=words)
    v.save_npz(tmp_path / "v.npz")
    back = Vectors.load_npz(tmp_path / "v.npz")
    assert back.words == words
    np.testing.assert_array_equal(back.matrix, v.matrix)
    with np.load(tmp_path / "v.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match="missing"):
        Vectors.load_npz(tmp_path / "other.npz")


gensim = pytest.importorskip("gensim", reason="gensim is the oracle for the word2vec formats")


def test_gensim_loads_what_we_write(tmp_path, binary):
    from gensim.models import KeyedVectors

    v = make(np.float64)
    path = tmp_path / "ours"
    v.save_word2vec(path, binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert list(kv.index_to_key) == v.words
    np.testing.assert_array_equal(kv.vectors, v.matrix.astype(np.float32))


def test_we_load_what_gensim_writes(tmp_path, binary):
    from gensim.models import KeyedVectors

    v = make(np.float32)
    kv = KeyedVectors(v.dim)
    kv.add_vectors(v.words, v.matrix)
    path = tmp_path / "theirs"
    kv.save_word2vec_format(str(path), binary=binary)
    back = Vectors.load_word2vec(path)  # format guessed
    assert back.words == v.words
    np.testing.assert_array_equal(back.matrix.astype(np.float32), v.matrix)
    assert Vectors.from_gensim(kv).words == v.words


def test_empty_file_bom_and_header_only(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"0 4\n")
    v = Vectors.load_word2vec(path)
    assert len(v) == 0 and v.dim == 4
    path.write_bytes("\ufeff1 2\nÅ 1 2\n".encode())  # a UTF-8 byte-order mark from some editors
    assert Vectors.load_word2vec(path).words == ["Å"]


def test_invalid_utf8_word(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"1 1\n\xe6\x9d " + np.float32(1).tobytes())  # a word cut inside a character
    with pytest.raises(ValueError, match="vector 1 of 1.*UTF-8"):
        Vectors.load_word2vec(path, binary=True)
    assert Vectors.load_word2vec(path, binary=True, unicode_errors="replace").words == ["\ufffd"]
