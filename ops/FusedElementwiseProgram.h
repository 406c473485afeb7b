//===- ops/FusedElementwiseProgram.h - Fused programs -----------*- C++ -*-===//
//
// A FusedElementwise node (ops/FusedElementwise.cpp) computes one output from
// a few broadcast inputs with a small straight-line program, so that a chain
// of elementwise ops (GPT-2's tanh GELU is eight of them) costs one dispatch.
// This header defines that program: the instruction set, its encoding as node
// attributes (validated, since a user's model may name the op) and its scalar
// interpreter, which applies each instruction with the same f32 formula as
// the CPU reference of the op it replaces, so that a fused graph's reference
// matches the unfused one.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_FUSEDELEMENTWISEPROGRAM_H
#define TLC_OPS_FUSEDELEMENTWISEPROGRAM_H

#include "ir/Graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace tlc {

/// Most tensor inputs a FusedElementwise node reads (shader bindings 0-3).
constexpr unsigned kFusedMaxInputs = 4;
/// Most instructions of one program (specialization-constant slots of
/// shaders/fused_elementwise.comp).
constexpr unsigned kFusedMaxSteps = 24;
/// Highest output rank the shader indexes (as shaders/binary.comp).
constexpr unsigned kFusedMaxRank = 6;

/// Instruction opcodes. Keep in sync with shaders/fused_elementwise.comp.
/// Each names the ONNX op (opset 17) whose CPU reference formula it uses.
enum class FusedOpcode : uint32_t {
  Add = 0,          // a + b
  Sub = 1,          // a - b
  Mul = 2,          // a * b
  Div = 3,          // a / b
  Pow = 4,          // a ^ b (C's pow, as ops/Binary.cpp)
  Relu = 5,         // max(a, 0)
  Sigmoid = 6,      // 1 / (1 + exp(-a))
  Tanh = 7,         // tanh(a)
  Erf = 8,          // erf(a)
  Sqrt = 9,         // sqrt(a)
  HardSwish = 10,   // a * max(0, min(1, a / 6 + 1 / 2))
  HardSigmoid = 11, // max(0, min(1, p0 * a + p1)); p0 = alpha, p1 = beta
  Clip = 12,        // min(max(a, p0), p1)
};
constexpr uint32_t kFusedNumOpcodes = 13;

/// Operand value meaning "the immediate p0" instead of a register.
constexpr int64_t kFusedImmOperand = -1;

/// The ONNX op name of \p op ("Add", "HardSigmoid", ...).
llvm::StringRef fusedOpcodeName(FusedOpcode op);
/// True for the two-operand opcodes Add, Sub, Mul, Div and Pow.
bool fusedOpcodeIsBinary(FusedOpcode op);

/// One instruction: result = op(a, b) with parameters p0, p1. Operands name
/// registers: 0..numInputs-1 hold the inputs at the current output element,
/// numInputs + i the result of instruction i. A binary op's a or b (not both)
/// may be kFusedImmOperand, which reads p0. Unary ops read a only; b is
/// kFusedImmOperand. HardSigmoid and Clip read their parameters from p0, p1.
struct FusedInstr {
  FusedOpcode op = FusedOpcode::Add;
  int64_t a = 0;
  int64_t b = kFusedImmOperand;
  float p0 = 0.0f;
  float p1 = 0.0f;
};

/// A program over numInputs inputs; its result is the last instruction's.
struct FusedProgram {
  unsigned numInputs = 0;
  llvm::SmallVector<FusedInstr, 16> code;
};

/// Stores \p p as attributes of \p attrs: "program" (ints, three per
/// instruction: opcode, a, b) and "params" (floats, two per instruction:
/// p0, p1).
void writeFusedProgram(const FusedProgram &p, Attributes &attrs);

/// Reads and validates the program of a node with \p numInputs inputs (1 to
/// kFusedMaxInputs). Errors (no location; the shape rule's caller adds it)
/// name the attribute, the instruction index and what was expected: a
/// missing or mistyped attribute, a length that is not 3 (program) or 2
/// (params) per instruction, 0 or more than kFusedMaxSteps instructions, an
/// unknown opcode, an operand that is not an earlier register (or, for a
/// binary op, the immediate on one side), or a unary op whose b is not -1.
llvm::Expected<FusedProgram> readFusedProgram(const Attributes &attrs,
                                              unsigned numInputs);

/// Applies \p in to the register file \p regs (numInputs + earlier results),
/// in f32 with the formula of the replaced op's CPU reference.
float evalFusedInstr(const FusedInstr &in, llvm::ArrayRef<float> regs);

/// Runs \p p on \p inputs (one value per input); returns the last result.
/// \p scratch is reused across calls to avoid allocations.
float evalFusedProgram(const FusedProgram &p, llvm::ArrayRef<float> inputs,
                       llvm::SmallVectorImpl<float> &scratch);

} // namespace tlc

#endif // TLC_OPS_FUSEDELEMENTWISEPROGRAM_H
