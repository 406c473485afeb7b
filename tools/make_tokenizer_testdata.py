#!/usr/bin/python3
"""Writes tests/data/tokenizer/: a small Llama-style SentencePiece vocabulary
as GGUF metadata, the .model it came from, and sentencepiece's token ids for
held-out text and edge cases, for tests/tokenizer/TokenizerTest.cpp.

Needs Debian 12's python3-sentencepiece (0.1.97) and r-cran-janeaustenr (the
corpus, read by tools/austen_corpus.py), and NumPy for tools/gguf_writer.py:
    apt-get install python3-sentencepiece r-cran-janeaustenr python3-numpy
    /usr/bin/python3 tools/make_tokenizer_testdata.py [OUT_DIR] [--vocab-size N]

What it does:
 1. Trains a BPE model on five of Jane Austen's novels (all but Persuasion),
    one printed line per sentence, with Llama's tokenizer settings:
    model_type=bpe, byte_fallback=true (the 256 pieces <0x00>..<0xFF>),
    normalization_rule_name=identity, add_dummy_prefix=true,
    remove_extra_whitespaces=false, split_digits=true,
    allow_whitespace_only_pieces=true, <unk>=0 <s>=1 </s>=2, no <pad>.
    Deterministic: all sentences in file order (input_sentence_size=0, no
    shuffling), one thread, a fixed random seed.
 2. Writes tiny_tok.model (sentencepiece's file) and tiny_tok.gguf: GGUF
    (tools/gguf_writer.py, no tensors) with the tokenizer.ggml.* keys that
    llama.cpp's converter writes for a llama vocabulary: model "llama",
    tokens, scores (f32), token_type (i32: 1 normal, 2 unknown, 3 control,
    4 user-defined, 5 unused, 6 byte), bos/eos/unknown ids, add_bos_token.
 3. Writes cases.json: 200 held-out lines of Persuasion (non-empty lines,
    evenly spaced) and edge cases (empty text, spaces, newlines, digits,
    non-ASCII text that needs byte fallback, emoji, text that looks like
    control or byte pieces), each with sentencepiece's ids (no BOS), its
    decode of those ids, and whether that decode gives the text back.
 4. Checks the field numbers that tokenizer/SentencePieceModel.cpp writes by
    decoding tiny_tok.model's protobuf wire format by hand: every piece's
    (piece = 1, score = 2, type = 3) in ModelProto.pieces = 1 must equal what
    the sentencepiece API reports, and trainer_spec = 2 must hold
    model_type (3) = BPE (2) and byte_fallback (35) = 1, normalizer_spec = 3
    name (1) = "identity", add_dummy_prefix (3) = 1,
    remove_extra_whitespaces (4) = 0.
"""
import argparse
import io
import json
import os
import struct
import sys

import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import austen_corpus  # noqa: E402
from gguf_writer import ARRAY, BOOL, FLOAT32, INT32, STRING, UINT32, GgufWriter  # noqa: E402

HELD_OUT_BOOK = "persuasion"
HELD_OUT_LINES = 200

EDGE_CASES = [
    ("empty", ""),
    ("one_space", " "),
    ("spaces_only", "    "),
    ("leading_spaces", "   she said"),
    ("trailing_spaces", "she said   "),
    ("internal_spaces", "she   said,    and  smiled"),
    ("newline_only", "\n"),
    ("newlines", "First line.\nSecond line.\n\nFourth line.\n"),
    ("crlf_tab", "a\tb\r\nc"),
    ("digits", "In 1811, 2,000 pounds; 3.14159 and 0042 were 10000000000."),
    ("punctuation", "\"Well!\" said she; 'indeed?' -- (yes) [no] {x} & % $ # @ ~ ^ | \\ /"),
    ("pound_sign", "\u00a35 a year, \u00a3100 and \u00a3\u00a3"),
    ("accents", "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c9lise fa\u00e7ade"),
    ("combining", "cafe\u0301 e\u0301 \u00e9"),
    ("greek", "\u03b1\u03b2\u03b3 \u0394\u03b9\u03cc\u03c4\u03b9\u03bc\u03bf\u03c2"),
    ("cjk", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8"),
    ("emoji", "I \u2764\ufe0f tea \U0001fad6\U0001f370 and \U0001f468\u200d\U0001f469\u200d\U0001f467"),
    ("control_piece_text", "<s> and </s> and <unk> are text here"),
    ("byte_piece_text", "<0x41> is not A"),
    ("meta_symbol", "\u2581already\u2581escaped \u2581"),
    ("nul", "a\u0000b"),
    ("single_letter", "a"),
    ("long_word", "Supercalifragilisticexpialidocious"),
    ("no_spaces", "Hello,world!How are you?Fine."),
    ("capitals", "ELIZABETH BENNET AND MR. DARCY"),
]


def train(corpus_lines, vocab_size):
    """Trains the BPE model on corpus_lines; returns the serialized model.
    Sentences come from an iterator and the model goes to a buffer, so that
    no temporary path is recorded in the model (trainer_spec.input,
    model_prefix) and the bytes are the same on every run."""
    model = io.BytesIO()
    spm.set_random_generator_seed(1234)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus_lines), model_writer=model,
        vocab_size=vocab_size, model_type="bpe", byte_fallback=True,
        normalization_rule_name="identity", add_dummy_prefix=True,
        remove_extra_whitespaces=False, split_digits=True,
        allow_whitespace_only_pieces=True, character_coverage=0.9995,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        input_sentence_size=0, shuffle_input_sentence=False,
        num_threads=1, minloglevel=2)
    return model.getvalue()


def token_type(sp, i):
    """llama.cpp's token type number (gguf-py's TokenType) of piece i."""
    if sp.is_unknown(i):
        return 2
    if sp.is_control(i):
        return 3
    if sp.is_unused(i):
        return 5
    if sp.is_byte(i):
        return 6
    return 1  # the model has no user-defined symbols (type 4)


def _varint(b, pos):
    v, shift = 0, 0
    while True:
        c = b[pos]
        pos += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, pos


def wire_fields(b):
    """[(field number, wire type, value)] of a protobuf message's bytes:
    varint -> int, fixed32 -> bytes(4), length-delimited -> bytes."""
    out, pos = [], 0
    while pos < len(b):
        key, pos = _varint(b, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, pos = _varint(b, pos)
        elif wire == 5:
            v, pos = b[pos:pos + 4], pos + 4
        elif wire == 1:
            v, pos = b[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(b, pos)
            v, pos = b[pos:pos + n], pos + n
        else:
            raise ValueError("wire type %d at byte %d" % (wire, pos))
        out.append((field, wire, v))
    return out


def check_field_numbers(model_bytes, sp):
    """Asserts the ModelProto field numbers that SentencePieceModel.cpp writes."""
    top = wire_fields(model_bytes)
    pieces = [v for f, w, v in top if f == 1 and w == 2]
    assert len(pieces) == sp.get_piece_size(), "ModelProto.pieces = 1"
    for i, p in enumerate(pieces):
        fields = {f: v for f, _, v in wire_fields(p)}
        assert fields[1].decode("utf-8") == sp.id_to_piece(i), "piece = 1"
        assert struct.unpack("<f", fields[2])[0] == sp.get_score(i), "score = 2"
        assert fields.get(3, 1) == token_type(sp, i), "type = 3 (%d)" % i
    (trainer,) = [v for f, w, v in top if f == 2]
    trainer = {f: v for f, _, v in wire_fields(trainer)}
    assert trainer[3] == 2, "trainer_spec.model_type = 3, BPE = 2"
    assert trainer[35] == 1, "trainer_spec.byte_fallback = 35"
    assert trainer.get(40, 0) == 0 and trainer.get(41, 1) == 1, "unk_id 40, bos_id 41"
    assert trainer.get(42, 2) == 2, "eos_id = 42"
    assert trainer.get(43, 2**64 - 1) == 2**64 - 1, "pad_id = 43 (-1)"
    (norm,) = [v for f, w, v in top if f == 3]
    norm = {f: v for f, _, v in wire_fields(norm)}
    assert norm[1] == b"identity", "normalizer_spec.name = 1"
    assert norm.get(3, 1) == 1, "add_dummy_prefix = 3"
    assert norm[4] == 0, "remove_extra_whitespaces = 4"
    assert norm.get(5, 1) == 1, "escape_whitespaces = 5"


def write_gguf(sp, path):
    n = sp.get_piece_size()
    w = GgufWriter()
    w.add("general.architecture", STRING, "llama")
    w.add("general.name", STRING, "tiny_tok (tokenizer only)")
    w.add("tokenizer.ggml.model", STRING, "llama")
    w.add("tokenizer.ggml.tokens", ARRAY, (STRING, [sp.id_to_piece(i) for i in range(n)]))
    w.add("tokenizer.ggml.scores", ARRAY, (FLOAT32, [sp.get_score(i) for i in range(n)]))
    w.add("tokenizer.ggml.token_type", ARRAY, (INT32, [token_type(sp, i) for i in range(n)]))
    w.add("tokenizer.ggml.bos_token_id", UINT32, sp.bos_id())
    w.add("tokenizer.ggml.eos_token_id", UINT32, sp.eos_id())
    w.add("tokenizer.ggml.unknown_token_id", UINT32, sp.unk_id())
    w.add("tokenizer.ggml.add_bos_token", BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", BOOL, False)
    w.write(path)


def case(sp, name, text):
    ids = sp.encode(text)
    decoded = sp.decode(ids)
    return {"name": name, "text": text, "ids": ids, "decoded": decoded,
            "round_trips": decoded == text}


def dumps_one_case_a_line(data):
    """JSON (ASCII) of data, one key or case a line: small, and diffs well."""
    out = []
    for key, value in data.items():
        if isinstance(value, list):
            rows = ",\n".join("  " + json.dumps(c, ensure_ascii=True) for c in value)
            out.append("%s: [\n%s\n ]" % (json.dumps(key), rows))
        else:
            out.append("%s: %s" % (json.dumps(key), json.dumps(value)))
    return "{\n " + ",\n ".join(out) + "\n}\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?",
                    default=os.path.normpath(os.path.join(here, "..", "tests", "data", "tokenizer")))
    ap.add_argument("--vocab-size", type=int, default=512)
    ap.add_argument("--austen-dir", default=austen_corpus.DEFAULT_DIR)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    books = austen_corpus.read_books(args.austen_dir)
    corpus = [line for name in austen_corpus.BOOKS if name != HELD_OUT_BOOK
              for line in books[name] if line.strip()]
    prefix = os.path.join(args.out, "tiny_tok")
    model = train(corpus, args.vocab_size)
    with open(prefix + ".model", "wb") as f:
        f.write(model)
    sp = spm.SentencePieceProcessor(model_proto=model)
    check_field_numbers(model, sp)
    write_gguf(sp, prefix + ".gguf")

    lines = [line for line in books[HELD_OUT_BOOK] if line.strip()]
    step = len(lines) / HELD_OUT_LINES
    held_out = [lines[int(i * step)] for i in range(HELD_OUT_LINES)]
    data = {
        "about": "Written by tools/make_tokenizer_testdata.py with sentencepiece "
                 + spm.__version__ + "; ids are without BOS. Held-out lines: "
                 "Jane Austen, Persuasion (Debian's r-cran-janeaustenr); the "
                 "model is trained on her five other novels.",
        "vocab_size": sp.get_piece_size(),
        "bos_id": sp.bos_id(), "eos_id": sp.eos_id(), "unk_id": sp.unk_id(),
        "held_out": [case(sp, "held_out_%d" % i, t) for i, t in enumerate(held_out)],
        "edge_cases": [case(sp, n, t) for n, t in EDGE_CASES],
    }
    with open(os.path.join(args.out, "cases.json"), "w", encoding="utf-8") as f:
        f.write(dumps_one_case_a_line(data))
    fallback = sum(1 for c in data["held_out"] + data["edge_cases"]
                   for i in c["ids"] if sp.is_byte(i))
    print("%s: %d pieces; %d held-out lines, %d edge cases (%d byte-fallback ids); "
          "%d do not round-trip" % (args.out, sp.get_piece_size(), len(held_out),
                                    len(EDGE_CASES), fallback,
                                    sum(1 for c in data["held_out"] + data["edge_cases"]
                                        if not c["round_trips"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
