#!/usr/bin/python3
"""Writes the malformed input files of tests/bad/ and their README.

Every bad file is a small mutation of one of five valid baselines that this
script also writes (ok_plan.tlp, ok_plan_sym.tlp, ok.safetensors, ok.npy,
ok.gguf), so that each file exercises exactly one check of the readers in
codegen/PlanFile.cpp, ir/Safetensors.cpp, ir/Npy.cpp and ir/Gguf.cpp.
tests/unit/*BadInputsTest.cpp assert the error each one must produce (the
phrase listed in README.md).

The .tlp checksum is XXH64 with seed 0, implemented below from the xxHash
specification (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md)
so that files with a corrupted body but a valid checksum can be made.

Usage: /usr/bin/python3 tools/make_bad_inputs.py [OUT_DIR]   (default tests/bad)
"""
import copy
import json
import os
import struct
import sys

# --- XXH64 (xxhash_spec.md, "XXH64 Algorithm Description") -----------------
P1 = 0x9E3779B185EBCA87
P2 = 0xC2B2AE3D27D4EB4F
P3 = 0x165667B19E3779F9
P4 = 0x85EBCA77C2B2AE63
P5 = 0x27D4EB2F165667C5
M64 = (1 << 64) - 1


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def _round(acc, lane):
    acc = (acc + lane * P2) & M64
    return (_rotl(acc, 31) * P1) & M64


def _merge(acc, v):
    acc ^= _round(0, v)
    return (acc * P1 + P4) & M64


def xxh64(data, seed=0):
    n = len(data)
    i = 0
    if n >= 32:
        v = [(seed + P1 + P2) & M64, (seed + P2) & M64, seed, (seed - P1) & M64]
        while i + 32 <= n:
            for k in range(4):
                v[k] = _round(v[k], struct.unpack_from("<Q", data, i + 8 * k)[0])
            i += 32
        acc = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & M64
        for k in range(4):
            acc = _merge(acc, v[k])
    else:
        acc = (seed + P5) & M64
    acc = (acc + n) & M64
    while i + 8 <= n:
        acc ^= _round(0, struct.unpack_from("<Q", data, i)[0])
        acc = (_rotl(acc, 27) * P1 + P4) & M64
        i += 8
    if i + 4 <= n:
        acc ^= (struct.unpack_from("<I", data, i)[0] * P1) & M64
        acc = (_rotl(acc, 23) * P2 + P3) & M64
        i += 4
    while i < n:
        acc ^= (data[i] * P5) & M64
        acc = (_rotl(acc, 11) * P1) & M64
        i += 1
    acc ^= acc >> 33
    acc = (acc * P2) & M64
    acc ^= acc >> 29
    acc = (acc * P3) & M64
    acc ^= acc >> 32
    return acc


# Test vectors from the xxHash repository (seed 0).
assert xxh64(b"") == 0xEF46DB3751D8E999
assert xxh64(b"a") == 0xD24EC4F1A98C6E5B

# --- .tlp -------------------------------------------------------------------
SPIRV = struct.pack("<5I", 0x07230203, 0x00010300, 0, 1, 0)  # header only
WEIGHTS = struct.pack("<4f", 0.5, -1.0, 2.0, 0.25)


def tensor(name, role, buffer, first, last, release=-1, producer=""):
    return {"name": name, "dtype": "f32", "shape": [1, 4], "role": role,
            "buffer": buffer, "offset": 0, "bytes": 16, "firstStep": first,
            "lastStep": last, "releaseStep": release, "poolKey": "1x4xf32" if role == "transient" else "",
            "slot": 0 if role == "transient" else -1, "producer": producer,
            "aliasOf": -1}


def ok_plan_meta():
    """The plan of y = f(g(x, w)): two dispatches, one barrier, one release."""
    return {
        "modelName": "tiny",
        "alignment": 256,
        "numSteps": 2,
        "stats": {"planner": "pool", "transientBytes": 256, "lowerBound": 16,
                  "noReuseBytes": 16, "schedule": "given", "peakGivenOrder": 16,
                  "slotsPerKey": [{"key": "1x4xf32", "slots": 1}]},
        "shaders": [{"name": "unary", "offset": 0, "bytes": len(SPIRV)}],
        "weights": {"offset": 24, "bytes": len(WEIGHTS)},
        "buffers": [{"role": "input", "bytes": 16}, {"role": "weights", "bytes": 16},
                    {"role": "transient", "bytes": 256}, {"role": "output", "bytes": 16}],
        "tensors": [tensor("x", "input", 0, 0, 0),
                    tensor("w", "weight", 1, 0, 1),
                    tensor("t", "transient", 2, 0, 1, release=1, producer="g"),
                    tensor("y", "output", 3, 1, 1, producer="f")],
        "commands": [
            {"kind": "dispatch", "step": 0, "label": "g", "shader": 0,
             "specConstants": [16], "bindings": [0, 1, 2], "writes": [2], "groups": [1, 1, 1]},
            {"kind": "barrier", "step": 0, "label": "g"},
            {"kind": "dispatch", "step": 1, "label": "f", "shader": 0,
             "specConstants": [16], "bindings": [2, 3], "writes": [1], "groups": [1, 1, 1]},
            {"kind": "release", "step": 1, "label": "f", "tensor": 2},
        ],
        "inputs": [0],
        "outputs": [3],
    }


def ok_blob():
    return SPIRV + b"\0" * (24 - len(SPIRV)) + WEIGHTS


FORMAT_VERSION = 4  # codegen/PlanFile.cpp kFormatVersion


def tlp(meta=None, blob=None, json_text=None, version=FORMAT_VERSION, flags=0, reserved=0,
        fix_checksum=True):
    """A .tlp file (docs/plan-format.md) from metadata and blob."""
    if json_text is None:
        json_text = json.dumps(meta if meta is not None else ok_plan_meta(), indent=1)
    j = json_text.encode()
    blob = ok_blob() if blob is None else blob
    blob_off = (64 + len(j) + 7) // 8 * 8
    body = j + b"\0" * (blob_off - 64 - len(j)) + blob
    checksum = xxh64(body) if fix_checksum else 0
    head = b"TLCPLAN\0" + struct.pack("<IIQQQQQQ", version, flags, 64, len(j),
                                      blob_off, len(blob), checksum, reserved)
    assert len(head) == 64
    return bytearray(head + body)


def mutate(fn):
    m = ok_plan_meta()
    fn(m)
    return tlp(m)


# ExprOp (codegen/Plan.h): postfix programs over the plan's symbols.
CONST, SYM, ADD, SUB, MUL, FLOORDIV, MIN, MAX = range(8)


def ok_sym_plan_meta():
    """The tiny plan over a range of shapes: x, t and y are 1xN, N in [1, 4]
    (planned at the bound 1x4); g is a dynamic dispatch with run-time dims
    [N, 2*N+1] and groups [floor((N+63)/64), 1, 1]."""
    m = ok_plan_meta()
    m["modelName"] = "tiny_sym"
    m["symbols"] = [{"name": "N", "min": 1, "max": 4}]
    m["exprs"] = [
        [CONST, 1],                                          # 0: 1
        [SYM, 0],                                            # 1: N
        [SYM, 0, CONST, 63, ADD, CONST, 64, FLOORDIV],       # 2: floor((N+63)/64)
        [CONST, 1],                                          # 3: 1
        [CONST, 2, SYM, 0, MUL, CONST, 1, ADD],              # 4: 2*N+1
    ]
    for t in (0, 2, 3):  # x, t, y
        m["tensors"][t]["dims"] = [0, 1]
    m["commands"][0].update(dynamic=True, dimExprs=[1, 4], groupExprs=[2, 3, 3])
    return m


def mutate_sym(fn):
    m = ok_sym_plan_meta()
    fn(m)
    return tlp(m)


def with_expr(code, fn):
    """Appends expression 5 = code, then applies fn."""
    def f(m):
        m["exprs"].append(code)
        fn(m)
    return f


def sym_plan_files():
    ok = tlp(ok_sym_plan_meta())
    sym = lambda **kw: (lambda m: m["symbols"][0].update(**kw))
    expr = lambda i, code: (lambda m: m["exprs"].__setitem__(i, code))
    dims = lambda t, d: (lambda m: m["tensors"][t].update(dims=d))
    cmd0 = lambda **kw: (lambda m: m["commands"][0].update(**kw))
    return [
        ("ok_plan_sym.tlp", ok, "(valid baseline: reads without error)"),
        ("plan_version_1.tlp", tlp(ok_plan_meta(), version=1),
         "byte offset 8: format version 1 is older than the version this tlc reads (4); "
         "recompile the model with `tlc compile`"),
        ("plan_sym_name_empty.tlp", mutate_sym(sym(name="")), "symbols[0].name: a symbol needs a name"),
        ("plan_requirement_index.tlp",
         mutate_sym(lambda m: m.update(requirements=[{"expr": 9, "max": 4}])),
         "requirements[0].expr: index 9 out of range; the plan has 5 expressions"),
        ("plan_requirement_kind.tlp",
         mutate_sym(lambda m: m.update(requirements=[{"expr": 1, "max": "4"}])),
         "$.requirements[0].max: expected an integer, got a string"),
        ("plan_sym_duplicate.tlp",
         mutate_sym(lambda m: m["symbols"].append({"name": "N", "min": 1, "max": 2})),
         "symbols[1].name: duplicate symbol name 'N' (symbols[0] has it)"),
        ("plan_sym_range.tlp", mutate_sym(sym(min=5)),
         "symbols[0].max: symbol 'N' has range [5, 4]; expected min <= max"),
        ("plan_sym_negative.tlp", mutate_sym(sym(min=-1)),
         "symbols[0].min: symbol 'N' has min -1; expected >= 0"),
        ("plan_sym_missing_max.tlp", mutate_sym(lambda m: m["symbols"][0].pop("max")),
         "$.symbols[0]: missing field 'max'"),
        ("plan_sym_unknown_field.tlp", mutate_sym(sym(step=1)),
         "$.symbols[0]: unknown field 'step'"),
        ("plan_symbols_kind.tlp", mutate_sym(lambda m: m.update(symbols={})),
         "$.symbols: expected an array, got an object"),
        ("plan_expr_opcode.tlp", mutate_sym(expr(4, [CONST, 2, SYM, 0, 9])),
         "exprs[4] at N=1: expression word 4: unknown opcode 9"),
        ("plan_expr_underflow.tlp", mutate_sym(expr(2, [SYM, 0, ADD])),
         "exprs[2] at N=1: expression word 2: stack underflow"),
        ("plan_expr_two_values.tlp", mutate_sym(expr(3, [CONST, 1, CONST, 1])),
         "exprs[3]: expression leaves 2 values, expected 1"),
        ("plan_expr_operand.tlp", mutate_sym(expr(3, [CONST])),
         "exprs[3]: expression word 0: operand missing after opcode 0"),
        ("plan_expr_symbol_index.tlp", mutate_sym(expr(3, [SYM, 3])),
         "exprs[3]: expression word 1: symbol 3 out of range (1 symbols)"),
        ("plan_expr_div_zero.tlp",
         mutate_sym(expr(2, [CONST, 63, SYM, 0, CONST, 1, SUB, FLOORDIV])),
         "exprs[2] at N=1: expression word 7: division by a value <= 0"),
        ("plan_expr_overflow.tlp", mutate_sym(expr(4, [CONST, 1 << 62, SYM, 0, MUL])),
         "exprs[4] at N=4: expression word 4: result beyond 64 bits"),
        ("plan_exprs_kind.tlp", mutate_sym(expr(2, [SYM, "0"])),
         "$.exprs[2][1]: expected an integer, got a string"),
        ("plan_exprs_not_array.tlp", mutate_sym(expr(0, 5)),
         "$.exprs[0]: expected an array, got 5"),
        ("plan_dims_kind.tlp", mutate_sym(dims(0, [0, -1])),
         "$.tensors[0].dims[1]: expected an unsigned 32-bit integer, got -1"),
        ("plan_dims_index.tlp", mutate_sym(dims(2, [0, 9])),
         "tensors[2].dims[1]: expression index 9 out of range; the plan has 5 expressions"),
        ("plan_dims_rank.tlp", mutate_sym(dims(3, [1])),
         "tensors[3].dims: 1 expressions for tensor 'y' of rank 2; expected one per dim"),
        ("plan_dims_bound.tlp", mutate_sym(dims(3, [0, 4])),
         "tensors[3].dims[1]: exprs[4] = 2*N+1 is 9 at N=4; expected 0 to the bound 4 (shape[1])"),
        ("plan_dims_negative.tlp",
         mutate_sym(with_expr([SYM, 0, CONST, 2, SUB], dims(2, [0, 5]))),
         "tensors[2].dims[1]: exprs[5] = N-2 is -1 at N=1; expected 0 to the bound 4 (shape[1])"),
        ("plan_input_dim_expr.tlp",
         mutate_sym(with_expr([SYM, 0, CONST, 1, ADD, CONST, 2, FLOORDIV], dims(0, [0, 5]))),
         "tensors[0].dims[1]: input tensor 'x' has dim floor((N+1)/2); an input dim must be "
         "a constant or exactly one symbol"),
        ("plan_dynamic_kind.tlp", mutate_sym(cmd0(dynamic=1)),
         "$.commands[0].dynamic: expected true or false, got 1"),
        ("plan_dynamic_missing.tlp", mutate_sym(lambda m: m["commands"][0].pop("groupExprs")),
         "$.commands[0]: missing field 'groupExprs'"),
        ("plan_group_exprs_arity.tlp", mutate_sym(cmd0(groupExprs=[2, 3])),
         "$.commands[0].groupExprs: expected 3 expression indices (x, y, z), got 2"),
        ("plan_group_expr_index.tlp", mutate_sym(cmd0(groupExprs=[2, 3, 7])),
         "commands[0].groupExprs[2]: expression index 7 out of range; the plan has 5 expressions"),
        ("plan_group_expr_bound.tlp", mutate_sym(cmd0(groupExprs=[4, 3, 3])),
         "commands[0].groupExprs[0]: exprs[4] = 2*N+1 is 9 at N=4; expected 0 to the group "
         "count at the bound, groups[0] = 1"),
        ("plan_dim_expr_index.tlp", mutate_sym(cmd0(dimExprs=[1, 8])),
         "commands[0].dimExprs[1]: expression index 8 out of range; the plan has 5 expressions"),
        ("plan_dim_expr_word.tlp",
         mutate_sym(with_expr([CONST, 1 << 33, SYM, 0, MUL], cmd0(dimExprs=[1, 5]))),
         "commands[0].dimExprs[1]: exprs[5] = 8589934592*N is 34359738368 at N=4; expected a "
         "value that fits the 32-bit word of the shader's dims block"),
    ]


def flip(data, offset):
    data = bytearray(data)
    data[offset] ^= 0x20
    return data


def with_u32(data, offset, value):
    data = bytearray(data)
    struct.pack_into("<I", data, offset, value)
    return data


def plan_files():
    ok = tlp()
    json_end = 64 + struct.unpack_from("<Q", ok, 24)[0]
    bad_syntax = json.dumps(ok_plan_meta(), indent=1).replace('"numSteps": 2,', '"numSteps": 2,,')
    bad_at = bad_syntax.index(",,") + 1  # the second comma
    bad_line = bad_syntax.count("\n", 0, bad_at) + 1
    bad_col = bad_at - (bad_syntax.rfind("\n", 0, bad_at) + 1) + 1
    syntax_phrase = "byte offset %d (JSON metadata line %d, column %d): invalid JSON" % (
        64 + bad_at, bad_line, bad_col)
    return [
        ("ok_plan.tlp", ok, "(valid baseline: reads without error)"),
        ("plan_truncated_header.tlp", ok[:40], "shorter than the 64-byte .tlp header"),
        ("plan_truncated_blob.tlp", ok[:-7], "runs past the end of the file"),
        ("plan_bad_magic.tlp", b"TLCPLAM\0" + ok[8:], "byte offset 0: bad magic"),
        ("plan_version_5.tlp", tlp(version=5), "byte offset 8: format version 5 is newer"),
        ("plan_version_0.tlp", tlp(version=0), "byte offset 8: unsupported format version 0"),
        ("plan_flags.tlp", tlp(flags=4), "byte offset 12: unknown flags"),
        ("plan_reserved.tlp", tlp(reserved=1), "byte offset 56: reserved header bytes must be zero"),
        ("plan_flipped_byte.tlp", flip(ok, 100), "byte offset 48: checksum mismatch"),
        ("plan_flipped_weight.tlp", flip(ok, len(ok) - 3), "checksum mismatch"),
        ("plan_trailing_bytes.tlp", ok + b"\0" * 8, "unexpected bytes after the blob section"),
        ("plan_json_syntax.tlp", tlp(json_text=bad_syntax), syntax_phrase),
        ("plan_json_not_object.tlp", tlp(json_text="[1, 2, 3]"), "$: expected an object, got an array"),
        ("plan_deep_nesting.tlp", tlp(json_text='{"modelName": ' + "[" * 40 + "]" * 40 + "}"),
         "byte offset %d: JSON metadata nested deeper than 16 levels" % (64 + 14 + 15)),
        ("plan_wrong_kind.tlp", mutate(lambda m: m["tensors"][1].update(offset="0")),
         "$.tensors[1].offset: expected an unsigned integer, got a string"),
        ("plan_negative_size.tlp", mutate(lambda m: m["buffers"][2].update(bytes=-256)),
         "$.buffers[2].bytes: expected an unsigned integer, got -256"),
        ("plan_missing_field.tlp", mutate(lambda m: m["tensors"][0].pop("dtype")),
         "$.tensors[0]: missing field 'dtype'"),
        ("plan_unknown_field.tlp", mutate(lambda m: m["commands"][1].update(extra=1)),
         "$.commands[1]: unknown field 'extra'"),
        ("plan_bad_enum.tlp", mutate(lambda m: m["buffers"][2].update(role="scratch")),
         "$.buffers[2].role: expected one of 'transient', 'weights', 'input', 'output', 'state', got 'scratch'"),
        ("plan_state_in_weights.tlp", mutate(lambda m: m["tensors"][2].update(role="state")),
         "tensors[2].buffer: state tensor"),
        ("plan_bad_dtype.tlp", mutate(lambda m: m["tensors"][3].update(dtype="f64")),
         "$.tensors[3].dtype: expected one of"),
        ("plan_groups_arity.tlp", mutate(lambda m: m["commands"][0].update(groups=[1, 1])),
         "$.commands[0].groups: expected 3 group counts"),
        ("plan_u32_range.tlp", mutate(lambda m: m["commands"][0].update(step=1 << 32)),
         "$.commands[0].step: expected an unsigned 32-bit integer"),
        ("plan_shader_range.tlp", mutate(lambda m: m["shaders"][0].update(offset=1000)),
         "$.shaders[0]: SPIR-V range [1000, +20) lies outside the blob section"),
        ("plan_weights_range.tlp", mutate(lambda m: m["weights"].update(bytes=1 << 63)),
         "$.weights: range"),
        ("plan_tensor_outside_buffer.tlp", mutate(lambda m: m["tensors"][3].update(offset=256)),
         "tensors[3].offset: tensor 'y' [256, +16) does not fit in buffers[3] (16 bytes)"),
        ("plan_misaligned_offset.tlp", mutate(lambda m: m["tensors"][2].update(offset=64)),
         "tensors[2].offset: 64 is not a multiple of the alignment 256"),
        ("plan_alignment.tlp", mutate(lambda m: m.update(alignment=48)),
         "alignment: 48 is not a power of two"),
        ("plan_tensor_bytes.tlp", mutate(lambda m: m["tensors"][2].update(bytes=12)),
         "tensors[2].bytes: 12 but type 1x4xf32 needs 16 bytes"),
        ("plan_shape_overflow.tlp", mutate(lambda m: m["tensors"][2].update(shape=[1 << 30, 1 << 30])),
         "tensors[2].shape: element count overflows"),
        ("plan_zero_dim.tlp", mutate(lambda m: m["tensors"][0].update(shape=[1, 0])),
         "tensors[0].shape: dimension 1 is 0"),
        ("plan_buffer_index.tlp", mutate(lambda m: m["tensors"][1].update(buffer=9)),
         "tensors[1].buffer: index 9 out of range"),
        ("plan_shader_index.tlp", mutate(lambda m: m["commands"][2].update(shader=5)),
         "commands[2].shader: index 5 out of range"),
        ("plan_binding_index.tlp", mutate(lambda m: m["commands"][0].update(bindings=[0, 1, 7])),
         "commands[0].bindings[2]: tensor index 7 out of range"),
        ("plan_write_index.tlp", mutate(lambda m: m["commands"][0].update(writes=[3])),
         "commands[0].writes[0]: binding 3 out of range"),
        ("plan_zero_groups.tlp", mutate(lambda m: m["commands"][2].update(groups=[1, 0, 1])),
         "commands[2].groups[1]: group count is 0"),
        ("plan_release_weight.tlp", mutate(lambda m: m["commands"][3].update(tensor=1)),
         "commands[3].tensor: release of weight tensor 'w'"),
        ("plan_input_index.tlp", mutate(lambda m: m.update(inputs=[4])),
         "inputs[0]: tensor index 4 out of range"),
        ("plan_output_role.tlp", mutate(lambda m: m.update(outputs=[2])),
         "outputs[0]: tensor 't' has role transient; expected output"),
        ("plan_two_weight_buffers.tlp",
         mutate(lambda m: m["buffers"][2].update(role="weights")),
         "buffers[2].role: second Weights buffer"),
        ("plan_weights_size.tlp", mutate(lambda m: m["buffers"][1].update(bytes=32)),
         "buffers[1].bytes: Weights buffer is 32 bytes but the plan carries 16 bytes of weights"),
        ("plan_spirv_magic.tlp", tlp(blob=b"\x03\x02\x23\x08" + ok_blob()[4:]),
         "shaders[0]: shader 'unary' does not start with the SPIR-V magic number"),
        ("plan_spirv_words.tlp", mutate(lambda m: m["shaders"][0].update(bytes=18)),
         "$.shaders[0].bytes: 18 is not a whole number of 4-byte SPIR-V words"),
        ("plan_alias_outside.tlp",
         mutate(lambda m: m["tensors"].append(dict(tensor("v", "alias", 2, 1, 1), offset=256, aliasOf=2))),
         "tensors[4].offset: tensor 'v' [256, +16) does not fit in buffers[2] (256 bytes)"),
        ("plan_alias_target.tlp",
         mutate(lambda m: m["tensors"].append(dict(tensor("v", "alias", 3, 1, 1), aliasOf=2))),
         "tensors[4].aliasOf: alias 'v' is not inside the bytes of tensor 't'"),
        ("plan_alias_on_transient.tlp", mutate(lambda m: m["tensors"][2].update(aliasOf=1)),
         "tensors[2].aliasOf: 1 on a transient tensor; expected -1"),
        ("plan_input_buffer_shared.tlp",
         mutate(lambda m: m["tensors"][3].update(buffer=0, role="input")),
         "tensors[3].buffer: input buffer 0 already holds tensors[0]"),
    ]


# --- safetensors --------------------------------------------------------------
def st(header, data, header_len=None):
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(h) if header_len is None else header_len
    return struct.pack("<Q", n) + h + data


def ok_st_header():
    return {"__metadata__": {"format": "pt"},
            "conv1.weight": {"dtype": "F32", "shape": [2, 1, 3, 3], "data_offsets": [0, 72]},
            "conv1.bias": {"dtype": "F32", "shape": [2], "data_offsets": [72, 80]}}


ST_DATA = struct.pack("<20f", *[0.125 * i - 1.0 for i in range(20)])


def st_mut(fn, data=ST_DATA):
    h = ok_st_header()
    fn(h)
    return st(h, data)


def st_files():
    ok = st(ok_st_header(), ST_DATA)
    w = lambda **kw: (lambda h: h["conv1.weight"].update(**kw))
    return [
        ("ok.safetensors", ok, "(valid baseline: reads without error)"),
        ("st_short.safetensors", ok[:5], "a safetensors file starts with an 8-byte header length"),
        ("st_header_past_end.safetensors", st(ok_st_header(), b"", header_len=4000),
         "byte offset 0: header length 4000 runs past the end of the file"),
        ("st_header_huge.safetensors", struct.pack("<Q", 1 << 62) + ok[8:],
         "is larger than the limit of 100000000 bytes"),
        ("st_json_syntax.safetensors", st(b'{"conv1.bias": {"dtype": "F32",, }}', b""),
         "byte offset 39 (JSON header line 1, column 32): invalid JSON"),
        ("st_deep_nesting.safetensors", st(b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", b""),
         "byte offset %d: JSON header nested deeper than 16 levels" % (8 + 6 + 15)),
        ("st_not_object.safetensors", st([1, 2], b""),
         "byte offset 8: the JSON header must be an object of tensors, got an array"),
        ("st_entry_not_object.safetensors", st_mut(lambda h: h.update({"conv1.bias": [72, 80]})),
         "tensor 'conv1.bias': expected an object"),
        ("st_size_mismatch.safetensors",
         st({"conv1.weight": {"dtype": "F32", "shape": [16, 1, 3, 3], "data_offsets": [0, 100]}},
            b"\0" * 100),
         "tensor 'conv1.weight': data_offsets [0, 100] but shape 16x1x3x3 of F32 needs 576 bytes"),
        ("st_overlap.safetensors", st_mut(lambda h: h["conv1.bias"].update(data_offsets=[64, 72])),
         "tensors 'conv1.weight' [0, 72) and 'conv1.bias' [64, 72) overlap"),
        ("st_hole.safetensors", st_mut(lambda h: h["conv1.bias"].update(data_offsets=[76, 84]),
                                       data=ST_DATA + b"\0" * 4),
         "data bytes [72, 76) belong to no tensor"),
        ("st_past_end.safetensors", st_mut(lambda h: h["conv1.bias"].update(data_offsets=[72, 800])),
         "tensor 'conv1.bias': data_offsets [72, 800] run past the end of the data section (80 bytes)"),
        ("st_begin_after_end.safetensors", st_mut(lambda h: h["conv1.bias"].update(data_offsets=[80, 72])),
         "tensor 'conv1.bias': data_offsets [80, 72]: begin is after end"),
        ("st_offsets_arity.safetensors", st_mut(lambda h: h["conv1.bias"].update(data_offsets=[72])),
         "field 'data_offsets': expected [begin, end]"),
        ("st_unknown_dtype.safetensors", st_mut(w(dtype="F33")),
         "tensor 'conv1.weight': unknown dtype 'F33'"),
        # BF16 is read (widened to F32); half the bytes of the F32 baseline.
        ("st_bf16.safetensors", st_mut(w(dtype="BF16")),
         "tensor 'conv1.weight': data_offsets [0, 72] but shape 2x1x3x3 of BF16 needs 36 bytes"),
        ("st_f64.safetensors", st_mut(w(dtype="F64")), "dtype F64 is not supported by tlc"),
        ("st_shape_overflow.safetensors", st_mut(w(shape=[1 << 31, 1 << 31, 4])),
         "tensor 'conv1.weight': shape [2147483648x2147483648x4]: element count overflows"),
        ("st_zero_dim.safetensors", st_mut(w(shape=[2, 0, 3, 3])),
         "tensor 'conv1.weight': shape [2x0x3x3]: dimension 1 is 0"),
        ("st_negative_dim.safetensors", st_mut(w(shape=[2, -1, 3, 3])),
         "field 'shape': element 1: expected a non-negative integer, got -1"),
        ("st_shape_kind.safetensors", st_mut(w(shape="2x1x3x3")),
         "field 'shape': expected an array of integers, got a string"),
        ("st_missing_dtype.safetensors", st_mut(lambda h: h["conv1.weight"].pop("dtype")),
         "tensor 'conv1.weight': missing field 'dtype'"),
        ("st_unknown_field.safetensors", st_mut(w(layout="nchw")),
         "tensor 'conv1.weight': unknown field 'layout'"),
        ("st_metadata_kind.safetensors", st_mut(lambda h: h["__metadata__"].update(epochs=3)),
         "__metadata__: 'epochs': expected a string, got 3"),
        ("st_bad_utf8.safetensors", st(b'{"conv1.b\xffas": {}}', b""), "invalid JSON"),
    ]


# --- npy ----------------------------------------------------------------------
NPY_DATA = struct.pack("<6f", -1.0, -0.5, 0.0, 0.5, 1.0, 1.5)


def npy(header, data=NPY_DATA, major=1, minor=0, magic=b"\x93NUMPY", header_len=None):
    """A .npy file with the literal header text (padded like NumPy does)."""
    h = header.encode("latin1") if isinstance(header, str) else header
    lenfmt = "<H" if major == 1 else "<I"
    prefix = 6 + 2 + struct.calcsize(lenfmt)
    pad = (64 - (prefix + len(h) + 1) % 64) % 64
    h = h + b" " * pad + b"\n"
    n = len(h) if header_len is None else header_len
    return magic + bytes([major, minor]) + struct.pack(lenfmt, n) + h + data


OK_NPY_HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"


def npy_files():
    ok = npy(OK_NPY_HEADER)
    hdr = lambda **kw: OK_NPY_HEADER.replace("'<f4'", kw.get("descr", "'<f4'")).replace(
        "False", kw.get("fortran", "False")).replace("(2, 3)", kw.get("shape", "(2, 3)"))
    return [
        ("ok.npy", ok, "(valid baseline: reads without error)"),
        ("npy_bad_magic.npy", npy(OK_NPY_HEADER, magic=b"\x93NUMPI"), "byte offset 0: bad magic"),
        ("npy_short.npy", ok[:7], "byte offset 0: bad magic"),
        ("npy_version_4.npy", npy(OK_NPY_HEADER, major=4), "byte offset 6: unsupported .npy format version 4.0"),
        ("npy_version_1_1.npy", npy(OK_NPY_HEADER, minor=1), "unsupported .npy format version 1.1"),
        ("npy_header_past_end.npy", npy(OK_NPY_HEADER, header_len=5000),
         "byte offset 8: header length 5000 runs past the end of the file"),
        ("npy_fortran.npy", npy(hdr(fortran="True")), "byte offset 44: header: fortran_order is True"),
        ("npy_big_endian.npy", npy(hdr(descr="'>f4'")),
         "byte offset 20: header: big-endian dtype '>f4' is not supported"),
        ("npy_complex.npy", npy(hdr(descr="'<c8'")), "unsupported dtype '<c8'"),
        ("npy_structured.npy", npy(hdr(descr="[('a', '<f4')]")),
         "byte offset 20: header: expected a string, True, False or a shape tuple, found '['"),
        ("npy_truncated_data.npy", ok[:-5],
         "byte offset 128: data is 19 bytes but shape (2, 3) of '<f4' needs 24 bytes"),
        ("npy_trailing.npy", ok + b"garbage", "byte offset 152: 7 bytes of trailing garbage"),
        ("npy_not_dict.npy", npy("[('descr', '<f4')]"), "byte offset 10: header: expected '{'"),
        ("npy_missing_key.npy", npy("{'descr': '<f4', 'fortran_order': False}"),
         "header: missing key 'shape'"),
        ("npy_unknown_key.npy", npy(OK_NPY_HEADER.replace("}", "'order': 'C', }")),
         "header: unknown key 'order'"),
        ("npy_duplicate_key.npy", npy(OK_NPY_HEADER.replace("}", "'shape': (6,), }")),
         "header: duplicate key 'shape'"),
        ("npy_not_tuple.npy", npy(hdr(shape="(6)"), data=NPY_DATA), "'(6)' is not a tuple"),
        ("npy_shape_list.npy", npy(hdr(shape="[2, 3]")),
         "expected a string, True, False or a shape tuple, found '['"),
        ("npy_negative_dim.npy", npy(hdr(shape="(-2, 3)")),
         "byte offset 61: header: expected a non-negative integer, found '-'"),
        ("npy_zero_dim.npy", npy(hdr(shape="(0, 3)"), data=b""), "shape (0, 3): dimension 0 is 0"),
        ("npy_shape_overflow.npy", npy(hdr(shape="(1048576, 1048576, 4)"), data=b""),
         "element count overflows"),
        ("npy_huge_dim.npy", npy(hdr(shape="(99999999999999999999999, 3)"), data=b""),
         "dimension is larger than 2^40"),
        ("npy_unterminated.npy", npy("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3), }"),
         "byte offset 27: header: expected ',' or '}', found 'f'"),
        ("npy_open_string.npy", npy("{'descr"), "byte offset 11: header: unterminated string"),
        ("npy_after_dict.npy", npy(OK_NPY_HEADER + " x"), "expected only spaces after the header dict"),
        ("npy_fortran_kind.npy", npy(hdr(fortran="0")), "expected a string, True, False or a shape tuple"),
    ]


# --- gguf ---------------------------------------------------------------------
# GGUF (docs/gguf.md of ggml; tlc's reader ir/Gguf.cpp). The baseline ok.gguf:
# header [0, 24), kv 'general.architecture' [24, 69), kv 'llama.block_count'
# [69, 102), tensor info 'a' (F32 4x2) [102, 143), tensor info 'b' (Q8_0 32)
# [143, 176), padding to 192, data: 'a' [192, 224), 'b' [224, 258), padding to
# 288.
G_U8, G_U32, G_BOOL, G_STRING, G_ARRAY, G_U64 = 0, 4, 7, 8, 9, 10
G_F32, G_Q8_0 = 0, 8


def g_str(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def g_kv(key, vtype, payload):
    return g_str(key) + struct.pack("<I", vtype) + payload


def g_ti(name, dims, gtype, offset, n_dims=None):
    return (g_str(name) + struct.pack("<I", len(dims) if n_dims is None else n_dims)
            + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", gtype, offset))


G_KV_ARCH = g_kv("general.architecture", G_STRING, g_str("llama"))
G_KV_BLOCKS = g_kv("llama.block_count", G_U32, struct.pack("<I", 1))
G_TI_A = g_ti("a", [4, 2], G_F32, 0)
G_TI_B = g_ti("b", [32], G_Q8_0, 32)
# 'a': 8 f32 values; 'b': one Q8_0 block (f16 scale 0.5, q = -16..15).
G_DATA = (struct.pack("<8f", *[0.5 * i for i in range(8)]) +
          struct.pack("<H", 0x3800) + bytes((i - 16) & 0xff for i in range(32)) + bytes(30))


def gguf(kvs=None, tis=None, data=G_DATA, version=3, magic=b"GGUF", n_tensors=None, n_kv=None,
         align=32):
    kvs = [G_KV_ARCH, G_KV_BLOCKS] if kvs is None else kvs
    tis = [G_TI_A, G_TI_B] if tis is None else tis
    out = magic + struct.pack("<IQQ", version, len(tis) if n_tensors is None else n_tensors,
                              len(kvs) if n_kv is None else n_kv)
    out += b"".join(kvs) + b"".join(tis)
    return out + bytes((-len(out)) % align) + data


def g_nested(depth):
    """An array of arrays `depth` levels deep, the innermost one empty u8."""
    v = struct.pack("<IQ", G_U8, 0)
    for _ in range(depth - 1):
        v = struct.pack("<IQ", G_ARRAY, 1) + v
    return v


def gguf_files():
    ok = gguf()
    return [
        ("ok.gguf", ok, "(valid baseline: reads without error)"),
        ("gguf_bad_magic.gguf", gguf(magic=b"GGML"),
         'byte offset 0: bad magic "GGML"; expected "GGUF" (not a GGUF file)'),
        ("gguf_big_endian_magic.gguf", gguf(magic=b"FUGG"),
         'byte offset 0: magic "FUGG" is "GGUF" byte-swapped: the file is big-endian'),
        ("gguf_big_endian.gguf", ok[:4] + struct.pack(">I", 3) + ok[8:],
         "byte offset 4: version field 0x03000000 is 3 byte-swapped: the file is big-endian; "
         "tlc reads only little-endian GGUF files"),
        ("gguf_version_1.gguf", gguf(version=1),
         "byte offset 4: GGUF version 1 (32-bit counts) is not supported; expected version 2 or 3"),
        ("gguf_version_4.gguf", gguf(version=4), "byte offset 4: unsupported GGUF version 4; expected 2 or 3"),
        ("gguf_short.gguf", ok[:10],
         "byte offset 8: the tensor count needs 8 bytes but the file ends at byte 10 (truncated?)"),
        ("gguf_tensor_count_limit.gguf", gguf(n_tensors=2**20 + 1),
         "byte offset 8: tensor count 1048577 is over the limit of 1048576"),
        ("gguf_tensor_count_past_end.gguf", gguf(n_tensors=1000),
         "byte offset 8: tensor count 1000 cannot fit in the"),
        ("gguf_kv_count_past_end.gguf", gguf(n_kv=1000),
         "byte offset 16: metadata key/value count 1000 cannot fit in the"),
        ("gguf_key_past_end.gguf", gguf(kvs=[struct.pack("<Q", 5000) + b"general"]),
         "byte offset 24: metadata key 0: string of 5000 bytes runs past the end of the file"),
        ("gguf_string_limit.gguf",
         gguf(kvs=[g_str("general.architecture") + struct.pack("<IQ", G_STRING, 2**24 + 1)]),
         "byte offset 56: metadata 'general.architecture': string length 16777217 is over the "
         "limit of 16777216 bytes"),
        ("gguf_value_type.gguf", gguf(kvs=[g_kv("general.architecture", 13, g_str("llama")), G_KV_BLOCKS]),
         "byte offset 52: metadata 'general.architecture': unknown value type 13; expected 0 to 12"),
        ("gguf_bool_value.gguf", gguf(kvs=[G_KV_ARCH, g_kv("llama.flag", G_BOOL, b"\x02")]),
         "byte offset 91: metadata 'llama.flag': bool byte 2; expected 0 (false) or 1 (true)"),
        ("gguf_duplicate_key.gguf", gguf(kvs=[G_KV_ARCH, G_KV_BLOCKS, G_KV_BLOCKS]),
         "byte offset 102: duplicate metadata key 'llama.block_count' (first at byte offset 69)"),
        ("gguf_empty_key.gguf", gguf(kvs=[G_KV_ARCH, g_kv("", G_U32, struct.pack("<I", 1))]),
         "byte offset 69: metadata key 1 is empty"),
        ("gguf_nested_arrays.gguf", gguf(kvs=[G_KV_ARCH, g_kv("test.deep", G_ARRAY, g_nested(9))]),
         "metadata 'test.deep'[0][0][0][0][0][0][0][0]: arrays nested deeper than 8 levels"),
        ("gguf_array_past_end.gguf",
         gguf(kvs=[G_KV_ARCH, g_kv("test.list", G_ARRAY, struct.pack("<IQ", G_U32, 1000))]),
         "byte offset 94: metadata 'test.list': array of 1000 uint32 elements needs at least 4 "
         "bytes each, but only"),
        ("gguf_alignment_pow2.gguf",
         gguf(kvs=[G_KV_ARCH, g_kv("general.alignment", G_U32, struct.pack("<I", 48))]),
         "byte offset 69: general.alignment 48 is not a power of two"),
        ("gguf_alignment_type.gguf",
         gguf(kvs=[G_KV_ARCH, g_kv("general.alignment", G_U64, struct.pack("<Q", 32))]),
         "byte offset 69: general.alignment has type uint64; expected uint32 (GGUF spec)"),
        ("gguf_n_dims.gguf", gguf(tis=[g_ti("a", [4, 2, 1, 1, 1], G_F32, 0), G_TI_B]),
         "byte offset 111: tensor 'a': n_dims is 5; expected 1 to 4"),
        ("gguf_zero_dim.gguf", gguf(tis=[g_ti("a", [4, 0], G_F32, 0), G_TI_B]),
         "byte offset 123: tensor 'a': dims[1] is 0"),
        ("gguf_dims_overflow.gguf", gguf(tis=[g_ti("a", [2**21, 2**21], G_F32, 0), G_TI_B]),
         "byte offset 123: tensor 'a': dims[1] = 2097152 makes the element count overflow the "
         "limit of 2^40"),
        ("gguf_unknown_type.gguf", gguf(tis=[g_ti("a", [4, 2], 4, 0), G_TI_B]),
         "byte offset 131: tensor 'a': unknown ggml type 4"),
        ("gguf_block_multiple.gguf", gguf(tis=[G_TI_A, g_ti("b", [33], G_Q8_0, 32)]),
         "byte offset 164: tensor 'b': type Q8_0 stores blocks of 32 values along the innermost "
         "dim, but dims[0] is 33 (not a multiple of 32)"),
        ("gguf_misaligned_offset.gguf", gguf(tis=[G_TI_A, g_ti("b", [32], G_Q8_0, 40)]),
         "byte offset 168: tensor 'b': offset 40 is not a multiple of the alignment 32"),
        ("gguf_data_past_end.gguf", gguf(tis=[G_TI_A, g_ti("b", [32], G_Q8_0, 64)]),
         "byte offset 168: tensor 'b': data [64, +34) run past the end of the data section (96 "
         "bytes from byte offset 192; truncated?)"),
        ("gguf_truncated_data.gguf", ok[:-40],
         "byte offset 168: tensor 'b': data [32, +34) run past the end of the data section (56 "
         "bytes"),
        ("gguf_truncated_padding.gguf", ok[:-10],
         "byte offset 168: tensor 'b': the padding after its data to the alignment 32 runs past "
         "the end of the file (288 > 278 bytes; truncated?)"),
        ("gguf_data_section_past_end.gguf", ok[:176],
         "byte offset 176: the data section starts at byte offset 192"),
        ("gguf_out_of_order.gguf", gguf(tis=[g_ti("a", [4, 2], G_F32, 32), g_ti("b", [32], G_Q8_0, 0)]),
         "byte offset 168: tensor 'b': offset 0 lies before the end of the data of tensor 'a' "
         "[32, 64); tensor data must follow the order of the tensor infos without overlapping"),
        ("gguf_overlap.gguf", gguf(tis=[g_ti("a", [4, 4], G_F32, 0), G_TI_B]),
         "byte offset 168: tensor 'b': offset 32 lies before the end of the data of tensor 'a' "
         "[0, 64)"),
        ("gguf_duplicate_tensor.gguf", gguf(tis=[G_TI_A, g_ti("a", [32], G_Q8_0, 32)]),
         "byte offset 143: duplicate tensor name 'a' (first at byte offset 102)"),
        ("gguf_empty_tensor_name.gguf", gguf(tis=[G_TI_A, g_ti("", [32], G_Q8_0, 32)]),
         "byte offset 143: tensor 1 has an empty name"),
        ("gguf_tensor_name_long.gguf", gguf(tis=[G_TI_A, g_ti("b" * 65, [32], G_Q8_0, 32)]),
         "byte offset 143: tensor 1 name: string length 65 is over the limit of 64 bytes"),
    ]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "bad")
    os.makedirs(out, exist_ok=True)
    groups = [(".tlp compiled plans (codegen/PlanFile.cpp)", plan_files()),
              (".tlp plans over a range of shapes (codegen/PlanFileJson.cpp, "
               "codegen/PlanValidate.cpp)", sym_plan_files()),
              ("safetensors weights (ir/Safetensors.cpp)", st_files()),
              (".npy arrays (ir/Npy.cpp)", npy_files()),
              ("GGUF models (ir/Gguf.cpp)", gguf_files())]
    lines = ["# tests/bad: malformed inputs",
             "",
             "Generated by `tools/make_bad_inputs.py` (do not edit by hand; rerun the",
             "script). Each file is one mutation of the valid baseline of its format",
             "(`ok_plan.tlp`, `ok_plan_sym.tlp`, `ok.safetensors`, `ok.npy`, `ok.gguf`). The unit tests",
             "(`tests/unit/*BadInputsTest.cpp`) read every file in this directory and",
             "assert that the reader fails with an error that names the file and",
             "contains the phrase below (byte offsets and JSON paths included).",
             ""]
    for title, files in groups:
        lines += ["## " + title, "", "| file | expected error contains |", "|---|---|"]
        for name, data, phrase in files:
            with open(os.path.join(out, name), "wb") as f:
                f.write(bytes(data))
            lines.append("| `%s` | %s |" % (name, phrase.replace("|", "\\|")))
        lines.append("")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote %d files to %s" % (sum(len(g[1]) for g in groups), out))


if __name__ == "__main__":
    main()
