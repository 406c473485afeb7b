#!/usr/bin/python3
"""Writes the small ONNX models and numpy references of tlc's importer tests.

Run with Debian's python3 (python3-onnx, python3-numpy):
    /usr/bin/python3 tools/make_onnx_testdata.py tests/data/onnx

Good models (each with <name>.input.npy and <name>.expected.npy, the output
computed here with plain numpy, independent of tlc):
  conv_bn_relu      Conv + BatchNormalization + Relu, dynamic batch "N"
  shape_chain       a torch.onnx-style flatten: Shape -> Gather -> Unsqueeze
                    -> Concat -> Reshape, plus Identity, Dropout, Cast, Slice,
                    Range/ConstantOfShape/Where/Equal and arithmetic on shapes
  opset13_mlp       opset 13 (needs the version converter): Conv, BN, Relu,
                    Flatten, Gemm, Softmax; initializers also listed as inputs
  bool_mask         a BOOL graph input (tlc holds booleans as i64 0/1):
                    Greater, And, Neg, Where; outputs y (f32) and m (bool);
                    bool_mask.cond.npy (int64), .x.npy, .y.npy, .m.npy
  external/mlp      MatMul + Add whose weights are ONNX external data
                    (external/mlp.weights, with offsets and lengths);
                    external/mlp.input.npy and .expected.npy
Bad models (each must give a clear error, never a crash):
  bad_unsupported_op, bad_opset, bad_unbound_dim, bad_truncated,
  bad_checker, bad_custom_domain, bad_external_data, bad_undefined_output,
  external/bad_escape (a location with ".."), external/bad_length (past the
  end of the file)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(17)


def model(nodes, inputs, outputs, inits, opset=17, name="g", ir=8):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="tlc-testdata")
    m.ir_version = ir
    return m


def f32(shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape).astype(np.float32)


def conv2d(x, w, b, pad):
    """Naive NCHW convolution, stride 1, symmetric zero padding."""
    n, c, h, wd = x.shape
    oc, _, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    y = np.zeros((n, oc, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i:i + kh, j:j + kw]
            y[:, :, i, j] = np.tensordot(patch, w.astype(np.float64),
                                         axes=([1, 2, 3], [1, 2, 3]))
    return y + b.reshape(1, -1, 1, 1)


def batchnorm(x, scale, bias, mean, var, eps):
    s = (1, -1, 1, 1)
    return (x - mean.reshape(s)) / np.sqrt(var.reshape(s) + eps) * \
        scale.reshape(s) + bias.reshape(s)


def bn_params(c, prefix):
    return [numpy_helper.from_array(f32(c, 0.5, 1.5), prefix + ".scale"),
            numpy_helper.from_array(f32(c), prefix + ".bias"),
            numpy_helper.from_array(f32(c), prefix + ".mean"),
            numpy_helper.from_array(f32(c, 0.2, 2.0), prefix + ".var")]


def conv_bn_relu(out):
    w, b = f32((4, 3, 3, 3)), f32(4)
    bn = bn_params(4, "bn")
    inits = [numpy_helper.from_array(w, "conv.weight"),
             numpy_helper.from_array(b, "conv.bias")] + bn
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"],
                         name="Conv_0", pads=[1, 1, 1, 1],
                         kernel_shape=[3, 3]),
        helper.make_node("BatchNormalization",
                         ["c", "bn.scale", "bn.bias", "bn.mean", "bn.var"],
                         ["b"], name="BatchNormalization_1", epsilon=1e-3),
        helper.make_node("Relu", ["b"], ["y"], name="Relu_2"),
    ]
    x_info = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                           ["N", 3, 8, 8])
    y_info = helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                           ["N", 4, 8, 8])
    m = model(nodes, [x_info], [y_info], inits, name="conv_bn_relu")
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "conv_bn_relu.onnx"))
    x = f32((2, 3, 8, 8))
    p = [numpy_helper.to_array(t) for t in bn]
    y = np.maximum(batchnorm(conv2d(x, w, b, 1), *p, 1e-3), 0)
    np.save(os.path.join(out, "conv_bn_relu.input.npy"), x)
    np.save(os.path.join(out, "conv_bn_relu.expected.npy"), y.astype(np.float32))
    return m


def shape_chain(out):
    """y = Relu(reshape(x, [batch, -1]) @ W^T * k + b), with the shape and the
    scale k computed by shape arithmetic that must fold away."""
    w, b = f32((5, 48)), f32(5)
    inits = [numpy_helper.from_array(w, "fc.weight"),
             numpy_helper.from_array(b, "fc.bias"),
             numpy_helper.from_array(np.array(0, np.int64), "zero"),
             numpy_helper.from_array(np.array([0], np.int64), "axes0"),
             numpy_helper.from_array(np.array([-1], np.int64), "minus1"),
             numpy_helper.from_array(np.array([1], np.int64), "start1"),
             numpy_helper.from_array(np.array([3], np.int64), "end3")]
    nodes = [
        helper.make_node("Identity", ["x"], ["x_id"], name="Identity_0"),
        helper.make_node("Shape", ["x_id"], ["shp"], name="Shape_1"),
        helper.make_node("Gather", ["shp", "zero"], ["batch"], name="Gather_2",
                         axis=0),
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"],
                         name="Unsqueeze_3"),
        helper.make_node("Concat", ["batch1", "minus1"], ["newshape"],
                         name="Concat_4", axis=0),
        helper.make_node("Reshape", ["x_id", "newshape"], ["flat"],
                         name="Reshape_5"),
        helper.make_node("Dropout", ["flat"], ["flat_d"], name="Dropout_6"),
        helper.make_node("Gemm", ["flat_d", "fc.weight", "fc.bias"], ["g"],
                         name="Gemm_7", transB=1),
        # k = float(C * H) / float(prod(range(1, 3)) + 1) via Slice, Range,
        # ConstantOfShape, Equal, Where, Cast, Mul, Div, Add, Sub, Squeeze.
        helper.make_node("Slice", ["shp", "start1", "end3"], ["ch"],
                         name="Slice_8"),
        helper.make_node("Constant", [], ["two"], name="Constant_9",
                         value=numpy_helper.from_array(np.array(2, np.int64))),
        helper.make_node("Squeeze", ["start1", "axes0"], ["start1_s"],
                         name="Squeeze_11"),
        helper.make_node("Range", ["zero", "two", "start1_s"], ["rng"],
                         name="Range_10"),
        helper.make_node("Shape", ["axes0"], ["axes0_shape"], name="Shape_13"),
        helper.make_node("ConstantOfShape", ["axes0_shape"], ["ones"],
                         name="ConstantOfShape_12",
                         value=numpy_helper.from_array(np.array([1], np.int64))),
        helper.make_node("Add", ["rng", "ones"], ["rng1"], name="Add_14"),
        helper.make_node("Mul", ["ch", "rng1"], ["prod"], name="Mul_15"),
        helper.make_node("Equal", ["prod", "ch"], ["eq"], name="Equal_16"),
        helper.make_node("Where", ["eq", "prod", "minus1"], ["sel"],
                         name="Where_17"),
        helper.make_node("Gather", ["sel", "zero"], ["sel0"], name="Gather_25"),
        helper.make_node("Cast", ["sel0"], ["self"], name="Cast_18",
                         to=TensorProto.FLOAT),
        helper.make_node("Cast", ["self"], ["self2"], name="Cast_19",
                         to=TensorProto.FLOAT),
        helper.make_node("Constant", [], ["hundred"], name="Constant_20",
                         value_float=100.0),
        helper.make_node("Sub", ["self2", "hundred"], ["d"], name="Sub_21"),
        helper.make_node("Div", ["d", "hundred"], ["k"], name="Div_22"),
        helper.make_node("Mul", ["g", "k"], ["gk"], name="Mul_23"),
        helper.make_node("Relu", ["gk"], ["y"], name="Relu_24"),
    ]
    x_info = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                           ["batch", 3, 4, 4])
    y_info = helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                           ["batch", 5])
    m = model(nodes, [x_info], [y_info], inits, name="shape_chain")
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "shape_chain.onnx"))
    x = f32((2, 3, 4, 4))
    ch = np.array([3, 4])
    rng1 = np.arange(0, 2) + 1
    prod = ch * rng1
    sel = np.float32(np.where(prod == ch, prod, -1)[0])
    k = ((sel - np.float32(100)) / np.float32(100)).astype(np.float32)
    g = x.reshape(2, -1).astype(np.float64) @ w.T.astype(np.float64) + b
    y = np.maximum(g * k.astype(np.float64), 0)
    np.save(os.path.join(out, "shape_chain.input.npy"), x)
    np.save(os.path.join(out, "shape_chain.expected.npy"), y.astype(np.float32))


def opset13_mlp(out):
    w, b = f32((2, 1, 3, 3)), f32(2)
    bn = bn_params(2, "bn")
    fw, fb = f32((3, 2 * 6 * 6)), f32(3)
    inits = [numpy_helper.from_array(w, "conv.weight"),
             numpy_helper.from_array(b, "conv.bias")] + bn + \
        [numpy_helper.from_array(fw, "fc.weight"),
         numpy_helper.from_array(fb, "fc.bias")]
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"],
                         name="conv"),
        helper.make_node("BatchNormalization",
                         ["c", "bn.scale", "bn.bias", "bn.mean", "bn.var"],
                         ["b"], name="bn"),
        helper.make_node("Relu", ["b"], ["r"], name="relu"),
        helper.make_node("Flatten", ["r"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["g"],
                         name="fc", transB=1),
        helper.make_node("Softmax", ["g"], ["y"], name="softmax", axis=1),
    ]
    x_info = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                           [1, 1, 8, 8])
    # IR version 3 style: initializers are also graph inputs.
    init_infos = [helper.make_tensor_value_info(t.name, t.data_type, t.dims)
                  for t in inits]
    y_info = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    m = model(nodes, [x_info] + init_infos, [y_info], inits, opset=13,
              name="opset13_mlp", ir=7)
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "opset13_mlp.onnx"))
    x = f32((1, 1, 8, 8))
    p = [numpy_helper.to_array(t) for t in bn]
    r = np.maximum(batchnorm(conv2d(x, w, b, 0), *p, 1e-5), 0)
    g = r.reshape(1, -1) @ fw.T.astype(np.float64) + fb
    e = np.exp(g - g.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    np.save(os.path.join(out, "opset13_mlp.input.npy"), x)
    np.save(os.path.join(out, "opset13_mlp.expected.npy"), y.astype(np.float32))


def bool_mask(out):
    zero = numpy_helper.from_array(np.zeros((), np.float32), "zero")
    nodes = [
        helper.make_node("Greater", ["x", "zero"], ["g"], name="greater"),
        helper.make_node("And", ["cond", "g"], ["m"], name="and"),
        helper.make_node("Neg", ["x"], ["nx"], name="neg"),
        helper.make_node("Where", ["m", "x", "nx"], ["y"], name="where"),
    ]
    ins = [helper.make_tensor_value_info("cond", TensorProto.BOOL, [2, 3]),
           helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])]
    outs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3]),
            helper.make_tensor_value_info("m", TensorProto.BOOL, [2, 3])]
    m = model(nodes, ins, outs, [zero], name="bool_mask")
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "bool_mask.onnx"))
    cond = np.array([[1, 0, 1], [1, 1, 0]], np.int64)
    x = np.array([[0.5, 2.0, -1.0], [3.0, -0.25, 4.0]], np.float32)
    mask = cond.astype(bool) & (x > 0)
    np.save(os.path.join(out, "bool_mask.cond.npy"), cond)
    np.save(os.path.join(out, "bool_mask.x.npy"), x)
    np.save(os.path.join(out, "bool_mask.y.npy"), np.where(mask, x, -x))
    np.save(os.path.join(out, "bool_mask.m.npy"), mask.astype(np.int64))


def relu_model(op="Relu", dims=(1, 4), opset=17, domain=""):
    node = helper.make_node(op, ["x"], ["y"], name="node_0", domain=domain)
    x_info = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(dims))
    y_info = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(dims))
    m = model([node], [x_info], [y_info], [], opset=opset)
    if domain:
        m.opset_import.append(helper.make_opsetid(domain, 1))
    return m


def bad_models(out, good):
    def save(m, name):
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())

    save(relu_model("Det"), "bad_unsupported_op")
    save(relu_model(opset=99), "bad_opset")
    save(relu_model(dims=("batch", 4)), "bad_unbound_dim")
    save(relu_model("MyRelu", domain="com.example"), "bad_custom_domain")
    data = good.SerializeToString()
    with open(os.path.join(out, "bad_truncated.onnx"), "wb") as f:
        f.write(data[:len(data) // 2])
    # The checker rejects a node reading a tensor nothing defines.
    m = relu_model()
    m.graph.node[0].input[0] = "nowhere"
    save(m, "bad_checker")
    # An initializer whose data lives in another file.
    m = relu_model("Add")
    m.graph.node[0].input.append("w")
    t = numpy_helper.from_array(np.ones(4, np.float32), "w")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", "weights.bin"
    m.graph.initializer.append(t)
    save(m, "bad_external_data")
    # A graph output nothing defines, at an opset that needs the version
    # converter: the checker lets it through, and ONNX 1.12's converter
    # crashed on it (found by fuzz_onnx).
    m = relu_model(opset=13)
    m.graph.output[0].name = "Y"
    save(m, "bad_undefined_output")


def external_data(out):
    d = os.path.join(out, "external")
    os.makedirs(d, exist_ok=True)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    w = RNG.standard_normal((4, 3)).astype(np.float32)
    b = RNG.standard_normal(3).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Add", ["m", "b"], ["y"])]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")]
    m = model(nodes, [x], [y], inits)
    onnx.save_model(m, os.path.join(d, "mlp.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="mlp.weights",
                    size_threshold=0)
    xin = RNG.standard_normal((2, 4)).astype(np.float32)
    np.save(os.path.join(d, "mlp.input.npy"), xin)
    np.save(os.path.join(d, "mlp.expected.npy"), xin @ w + b)

    def bad(name, key, value):
        m = onnx.load(os.path.join(d, "mlp.onnx"), load_external_data=False)
        for e in m.graph.initializer[0].external_data:
            if e.key == key:
                e.value = value
        with open(os.path.join(d, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())

    bad("bad_escape", "location", "../mlp.weights")
    bad("bad_length", "length", "4096")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/onnx"
    os.makedirs(out, exist_ok=True)
    good = conv_bn_relu(out)
    shape_chain(out)
    opset13_mlp(out)
    bad_models(out, good)
    bool_mask(out)
    external_data(out)


if __name__ == "__main__":
    main()
