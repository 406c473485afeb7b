#!/usr/bin/python3
"""Writes GGUF files, llama.cpp's model format, from Python and numpy.

The layout and the quantizers are those of tlc's C++ writer (ir/GgufWriter.cpp,
ir/GgufQuant.cpp), so that both write byte-identical files for the same
content: GGUF version 3, header, metadata, tensor infos, zero padding to the
alignment (general.alignment, default 32), then each tensor's data zero-padded
to the alignment. Format: docs/gguf.md of https://github.com/ggml-org/ggml;
tlc's notes: docs/gguf.md.

Tensor types written from float arrays: F32, F16, BF16 (round to nearest even)
and Q8_0, Q4_0 (tlc's naive quantizers, float32 arithmetic as in C++).
Anything else (e.g. hand-built Q6_K blocks) goes in as raw bytes.

Library use (needs only numpy, e.g. Debian's python3-numpy):

    from gguf_writer import GgufWriter, UINT32, STRING
    w = GgufWriter()
    w.add("general.architecture", STRING, "llama")
    w.add("llama.block_count", UINT32, 2)
    w.add("tokenizer.ggml.tokens", ARRAY, (STRING, ["<s>", "a"]))
    w.add_tensor("token_embd.weight", weights, "Q8_0")   # shape as in numpy
    w.write("model.gguf")

Command line: gguf_writer.py --sample OUT writes the sample file that
tests/unit/GgufTest.cpp compares with the C++ writer's bytes.
"""
import os
import struct
import sys

import numpy as np

# gguf_metadata_value_type (GGUF spec).
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, \
    UINT64, INT64, FLOAT64 = range(13)
_SCALAR = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I",
           INT32: "<i", FLOAT32: "<f", BOOL: "<B", UINT64: "<Q", INT64: "<q",
           FLOAT64: "<d"}

# ggml_type numbers (ggml include/ggml.h) and block layouts (values, bytes).
GGML_TYPES = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18),
              "Q8_0": (8, 32, 34), "Q6_K": (14, 256, 210), "BF16": (30, 1, 2)}


def _f16_bits(x):
    """float32 scalar -> float16 bit pattern (round to nearest even)."""
    return int(np.array([x], dtype=np.float32).astype(np.float16).view(np.uint16)[0])


def _round_half_away(v):
    """float32 array rounded half away from zero, as C's roundf (exact in f64)."""
    a = np.abs(v.astype(np.float64))
    return (np.sign(v.astype(np.float64)) * np.floor(a + 0.5)).astype(np.float32)


def _check_quant_input(x, name):
    if x.size % 32:
        raise ValueError("%s: %d values are not a whole number of 32-value blocks"
                         % (name, x.size))
    if not np.all(np.isfinite(x)):
        raise ValueError("%s: values must be finite" % name)


def _block_scales(d, name):
    """f16 bits and float32 values of the per-block scales d (float32 array);
    refuses overflow, naming the first block."""
    with np.errstate(over="ignore"):
        h = d.astype(np.float16)
    bad = np.flatnonzero(np.isinf(h))
    if bad.size:
        raise ValueError("%s: block %d: the scale overflows float16"
                         % (name, int(bad[0])))
    return h.view(np.uint16), h.astype(np.float32)


def quantize_q8_0(x):
    """tlc's naive Q8_0 (ir/GgufQuant.h quantizeQ8_0): per 32 values, d = max|x|/127
    as f16, q = round_half_away(x / d) clamped to [-127, 127]. Every block at
    once (numpy), float32 arithmetic as in C++."""
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    _check_quant_input(x, "Q8_0")
    v = x.reshape(-1, 32)
    amax = np.max(np.abs(v), axis=1).astype(np.float32)
    bits, d = _block_scales((amax / np.float32(127)).astype(np.float32), "Q8_0")
    safe = np.where(d == 0, np.float32(1), d).astype(np.float32)
    q = np.clip(_round_half_away((v / safe[:, None]).astype(np.float32)), -127, 127)
    q[d == 0] = 0
    out = np.empty((v.shape[0], 34), dtype=np.uint8)
    out[:, :2] = bits.astype("<u2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.astype(np.int8).view(np.uint8)
    return out.tobytes()


def quantize_q4_0(x):
    """tlc's naive Q4_0 (quantizeQ4_0): per 32 values, m = the value of largest
    magnitude (first on ties), d = m / -8 as f16, nibble = round_half_away(x / d)
    + 8 clamped to [0, 15]; byte j holds nibbles j (low) and j + 16 (high).
    Every block at once (numpy), float32 arithmetic as in C++."""
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    _check_quant_input(x, "Q4_0")
    v = x.reshape(-1, 32)
    m = v[np.arange(v.shape[0]), np.argmax(np.abs(v), axis=1)]
    m = np.where(m == 0, np.float32(0), m).astype(np.float32)  # +0, as C++
    bits, d = _block_scales((m / np.float32(-8)).astype(np.float32), "Q4_0")
    safe = np.where(d == 0, np.float32(1), d).astype(np.float32)
    n = _round_half_away((v / safe[:, None]).astype(np.float32)) + np.float32(8)
    q = np.clip(n, 0, 15).astype(np.uint8)
    q[d == 0] = 8
    out = np.empty((v.shape[0], 18), dtype=np.uint8)
    out[:, :2] = bits.astype("<u2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def quantize_q6_k(x):
    """A naive Q6_K for test models (not ggml's quantizer, which searches for
    scales; the C++ writer has none): per 256 values in 16 runs of 16, run
    scale s_j = max|x| / 31; d = max_j s_j / 127 as f16; scales[j] =
    round_half_away(s_j / d) clamped to [0, 127] (int8); code =
    round_half_away(x / (d * scales[j])) clamped to [-32, 31], plus 32 (32
    where d * scales[j] is 0). Packed as ggml's quantize_row_q6_K_ref packs
    (ggml-quants.c): ql[128], qh[64], scales[16], f16 d; in each half of 128
    values, ql[l] holds the low 4 bits of values l (low nibble) and l + 64
    (high nibble), ql[l + 32] those of l + 32 and l + 96, qh[l] bits 4-5 of
    values l, l + 32, l + 64, l + 96 at bits 0-1, 2-3, 4-5, 6-7."""
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    if x.size % 256 != 0:
        raise ValueError("Q6_K: %d values are not a whole number of 256-value blocks"
                         % x.size)
    if not np.all(np.isfinite(x)):
        raise ValueError("Q6_K: values must be finite")
    v = x.reshape(-1, 16, 16)  # blocks, runs, values (every block at once)
    nb = v.shape[0]
    s = (np.max(np.abs(v), axis=2) / np.float32(31)).astype(np.float32)
    bits, d = _block_scales((np.max(s, axis=1) / np.float32(127)).astype(np.float32),
                            "Q6_K")
    safe_d = np.where(d == 0, np.float32(1), d).astype(np.float32)
    sc = np.clip(_round_half_away((s / safe_d[:, None]).astype(np.float32)), 0, 127)
    sc[d == 0] = 0
    step = (d[:, None] * sc).astype(np.float32)
    safe = np.where(step == 0, np.float32(1), step).astype(np.float32)
    q = _round_half_away((v / safe[:, :, None]).astype(np.float32))
    codes = np.clip(q, -32, 31).astype(np.int64) + 32
    codes[step == 0] = 32
    c = codes.reshape(nb, 2, 4, 32)  # value 128 h + 32 k + l at [h, k, l]
    ql = np.concatenate([(c[:, :, 0] & 15) | ((c[:, :, 2] & 15) << 4),
                         (c[:, :, 1] & 15) | ((c[:, :, 3] & 15) << 4)], axis=2)
    qh = ((c[:, :, 0] >> 4) | ((c[:, :, 1] >> 4) << 2) |
          ((c[:, :, 2] >> 4) << 4) | ((c[:, :, 3] >> 4) << 6))
    out = np.empty((nb, 210), dtype=np.uint8)
    out[:, :128] = ql.reshape(nb, 128)
    out[:, 128:192] = qh.reshape(nb, 64)
    out[:, 192:208] = sc.astype(np.int8).view(np.uint8)
    out[:, 208:] = bits.astype("<u2").view(np.uint8).reshape(-1, 2)
    return out.tobytes()


def bf16_bits(x):
    """float32 array -> bf16 bit patterns, round to nearest even, NaN quiet."""
    u = np.ascontiguousarray(x, dtype=np.float32).reshape(-1).view(np.uint32).astype(np.uint64)
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF
    r = np.where(nan, ((u >> 16) | 0x40) & 0xFFFF, r)
    return r.astype(np.uint16)


def encode_values(x, type_name):
    """Bytes of float array x in one of F32, F16, BF16, Q8_0, Q4_0, Q6_K."""
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    if type_name == "F32":
        return x.astype("<f4").tobytes()
    if type_name == "F16":
        return x.astype("<f2").tobytes()
    if type_name == "BF16":
        return bf16_bits(x).astype("<u2").tobytes()
    if type_name == "Q8_0":
        return quantize_q8_0(x)
    if type_name == "Q4_0":
        return quantize_q4_0(x)
    if type_name == "Q6_K":
        return quantize_q6_k(x)
    raise ValueError("cannot encode values as %s; F32, F16, BF16, Q8_0, Q4_0, Q6_K only"
                     % type_name)


def _string(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def _value(vtype, value):
    """Payload of a value of type vtype (arrays: value = (elem_type, items))."""
    if vtype == STRING:
        return _string(value)
    if vtype == ARRAY:
        elem_type, items = value
        out = struct.pack("<IQ", elem_type, len(items))
        return out + b"".join(_value(elem_type, item) for item in items)
    if vtype == BOOL and value not in (0, 1, False, True):
        raise ValueError("bool value %r" % (value,))
    return struct.pack(_SCALAR[vtype], value)


class GgufWriter:
    def __init__(self):
        self.metadata = []  # (key, type, value)
        self.tensors = []   # (name, ggml dims, type number, bytes)

    def add(self, key, vtype, value):
        if not key or len(key.encode()) > 65535:
            raise ValueError("metadata key %r: 1 to 65535 bytes" % key)
        if any(k == key for k, _, _ in self.metadata):
            raise ValueError("duplicate metadata key %r" % key)
        if key == "general.alignment" and (vtype != UINT32 or value <= 0 or value & (value - 1)):
            raise ValueError("general.alignment must be a uint32 power of two")
        self.metadata.append((key, vtype, value))

    def add_tensor(self, name, array, type_name="F32"):
        """array: numpy values in row-major order of its shape (outermost first)."""
        array = np.asarray(array, dtype=np.float32)
        dims = list(reversed(array.shape)) or [1]
        self.add_tensor_bytes(name, dims, type_name, encode_values(array, type_name))

    def add_tensor_bytes(self, name, dims, type_name, data):
        """Raw data already in type_name; dims in ggml order (dims[0] innermost)."""
        number, block, block_bytes = GGML_TYPES[type_name]
        if not name or len(name.encode()) > 64:
            raise ValueError("tensor name %r: 1 to 64 bytes" % name)
        if any(t[0] == name for t in self.tensors):
            raise ValueError("duplicate tensor name %r" % name)
        if not 1 <= len(dims) <= 4 or any(d < 1 for d in dims) or dims[0] % block:
            raise ValueError("tensor %r: bad dims %r for %s" % (name, dims, type_name))
        n = int(np.prod(dims, dtype=np.int64))
        if len(data) != n // block * block_bytes:
            raise ValueError("tensor %r: %d bytes; %s needs %d"
                             % (name, len(data), type_name, n // block * block_bytes))
        self.tensors.append((name, list(dims), number, bytes(data)))

    def alignment(self):
        for key, _, value in self.metadata:
            if key == "general.alignment":
                return value
        return 32

    def to_bytes(self):
        align = self.alignment()
        pad = lambda n: (align - n % align) % align
        out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.metadata)))
        for key, vtype, value in self.metadata:
            out += _string(key) + struct.pack("<I", vtype) + _value(vtype, value)
        offset = 0
        for name, dims, number, data in self.tensors:
            out += _string(name) + struct.pack("<I", len(dims))
            out += b"".join(struct.pack("<Q", d) for d in dims)
            out += struct.pack("<IQ", number, offset)
            offset += len(data) + pad(len(data))
        out += bytes(pad(len(out)))
        for _, _, _, data in self.tensors:
            out += data + bytes(pad(len(data)))
        return bytes(out)

    def write(self, path):
        """Writes atomically: a temporary beside path, then a rename."""
        tmp = "%s.tmp-%d" % (path, os.getpid())
        with open(tmp, "wb") as f:
            f.write(self.to_bytes())
        os.replace(tmp, path)


def sample_writer():
    """The content tests/unit/GgufTest.cpp (PythonWriterMatchesCpp) builds too."""
    w = GgufWriter()
    w.add("general.architecture", STRING, "llama")
    w.add("general.alignment", UINT32, 64)
    w.add("test.u8", UINT8, 200)
    w.add("test.i8", INT8, -5)
    w.add("test.u16", UINT16, 60000)
    w.add("test.i16", INT16, -30000)
    w.add("test.u32", UINT32, 4000000000)
    w.add("test.i32", INT32, -2000000000)
    w.add("test.f32", FLOAT32, 1.5)
    w.add("test.bool", BOOL, True)
    w.add("test.u64", UINT64, 2**63 + 5)
    w.add("test.i64", INT64, -2**62)
    w.add("test.f64", FLOAT64, 0.1)
    w.add("test.string", STRING, "h\u00e9llo")
    w.add("test.array_i32", ARRAY, (INT32, [1, -2, 3]))
    w.add("test.array_str", ARRAY, (STRING, ["a", "bc", ""]))
    w.add("test.nested", ARRAY, (ARRAY, [(UINT8, [1, 2]), (UINT8, [3])]))

    def values(n):
        i = np.arange(n, dtype=np.int64)
        v = ((i * 37) % 101 - 50).astype(np.float32) / np.float32(16)
        return (v * np.float32(1.1)).astype(np.float32)

    w.add_tensor("t.f32", values(15).reshape(3, 5), "F32")
    w.add_tensor("t.f16", values(6).reshape(2, 3), "F16")
    w.add_tensor("t.bf16", values(4), "BF16")
    w.add_tensor("t.q8_0", values(128).reshape(2, 64), "Q8_0")
    w.add_tensor("t.q4_0", values(96).reshape(3, 32), "Q4_0")
    w.add_tensor_bytes("t.q6_k", [256], "Q6_K",
                       bytes((i * 7 + 3) % 256 for i in range(210)))
    return w


def main(argv):
    if len(argv) == 3 and argv[1] == "--sample":
        sample_writer().write(argv[2])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
