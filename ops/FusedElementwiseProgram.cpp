//===- ops/FusedElementwiseProgram.cpp - Fused programs ---------------===//
//
// Encoding, validation and interpretation of FusedElementwise programs. The
// scalar formulas repeat those of the CPU references of Add, Sub, Mul, Div,
// Pow (ops/Binary.cpp), Relu, Sigmoid, Tanh, Erf, Sqrt, HardSwish,
// HardSigmoid and Clip (ops/<Op>.cpp) exactly, including where they compute
// in double, so that a fused graph's reference equals the unfused one bit
// for bit.
//
//===----------------------------------------------------------------------===//
#include "ops/FusedElementwiseProgram.h"
#include "ops/OpUtil.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace llvm;

namespace tlc {

StringRef fusedOpcodeName(FusedOpcode op) {
  switch (op) {
  case FusedOpcode::Add:
    return "Add";
  case FusedOpcode::Sub:
    return "Sub";
  case FusedOpcode::Mul:
    return "Mul";
  case FusedOpcode::Div:
    return "Div";
  case FusedOpcode::Pow:
    return "Pow";
  case FusedOpcode::Relu:
    return "Relu";
  case FusedOpcode::Sigmoid:
    return "Sigmoid";
  case FusedOpcode::Tanh:
    return "Tanh";
  case FusedOpcode::Erf:
    return "Erf";
  case FusedOpcode::Sqrt:
    return "Sqrt";
  case FusedOpcode::HardSwish:
    return "HardSwish";
  case FusedOpcode::HardSigmoid:
    return "HardSigmoid";
  case FusedOpcode::Clip:
    return "Clip";
  }
  return "?";
}

bool fusedOpcodeIsBinary(FusedOpcode op) {
  return uint32_t(op) <= uint32_t(FusedOpcode::Pow);
}

void writeFusedProgram(const FusedProgram &p, Attributes &attrs) {
  std::vector<int64_t> program;
  std::vector<double> params;
  for (const FusedInstr &in : p.code) {
    program.push_back(int64_t(in.op));
    program.push_back(in.a);
    program.push_back(in.b);
    params.push_back(double(in.p0));
    params.push_back(double(in.p1));
  }
  attrs.values["program"] = std::move(program);
  attrs.values["params"] = std::move(params);
}

Expected<FusedProgram> readFusedProgram(const Attributes &attrs,
                                        unsigned numInputs) {
  auto program = attrs.values.find("program");
  auto params = attrs.values.find("params");
  if (program == attrs.values.end() ||
      !std::holds_alternative<std::vector<int64_t>>(program->second))
    return opError("attribute 'program' must be a list of integers (opcode, "
                   "a, b per instruction)");
  if (params == attrs.values.end() ||
      !std::holds_alternative<std::vector<double>>(params->second))
    return opError("attribute 'params' must be a list of floats (p0, p1 per "
                   "instruction)");
  const auto &words = std::get<std::vector<int64_t>>(program->second);
  const auto &floats = std::get<std::vector<double>>(params->second);
  if (words.empty() || words.size() % 3 != 0)
    return opError("attribute 'program' has " + Twine(words.size()) +
                   " entries; expected 3 per instruction and at least one "
                   "instruction");
  size_t steps = words.size() / 3;
  if (steps > kFusedMaxSteps)
    return opError("attribute 'program' has " + Twine(steps) +
                   " instructions; at most " + Twine(kFusedMaxSteps) +
                   " are supported");
  if (floats.size() != 2 * steps)
    return opError("attribute 'params' has " + Twine(floats.size()) +
                   " entries; expected " + Twine(2 * steps) +
                   " (2 per instruction)");
  if (numInputs == 0 || numInputs > kFusedMaxInputs)
    return opError("expected 1 to " + Twine(kFusedMaxInputs) + " inputs, got " +
                   Twine(numInputs));
  FusedProgram p;
  p.numInputs = numInputs;
  for (size_t i = 0; i < steps; ++i) {
    int64_t code = words[3 * i];
    if (code < 0 || code >= int64_t(kFusedNumOpcodes))
      return opError("attribute 'program', instruction " + Twine(i) +
                     ": unknown opcode " + Twine(code) + "; expected 0 to " +
                     Twine(kFusedNumOpcodes - 1));
    FusedInstr in;
    in.op = FusedOpcode(code);
    in.a = words[3 * i + 1];
    in.b = words[3 * i + 2];
    in.p0 = float(floats[2 * i]);
    in.p1 = float(floats[2 * i + 1]);
    int64_t regs = int64_t(numInputs + i); // registers defined so far
    auto isReg = [&](int64_t r) { return r >= 0 && r < regs; };
    std::string where = ("attribute 'program', instruction " + Twine(i) + " (" +
                         fusedOpcodeName(in.op) + "): ")
                            .str();
    if (fusedOpcodeIsBinary(in.op)) {
      bool aOk = isReg(in.a) || in.a == kFusedImmOperand;
      bool bOk = isReg(in.b) || in.b == kFusedImmOperand;
      if (!aOk || !bOk || (in.a == kFusedImmOperand && in.b == in.a))
        return opError(where + "operands " + Twine(in.a) + ", " + Twine(in.b) +
                       "; expected registers below " + Twine(regs) +
                       ", or -1 (the immediate p0) for one "
                       "of them");
    } else if (!isReg(in.a) || in.b != kFusedImmOperand) {
      return opError(where + "operands " + Twine(in.a) + ", " + Twine(in.b) +
                     "; expected a register below " + Twine(regs) + " and -1");
    }
    p.code.push_back(in);
  }
  return p;
}

/// Operand \p r of an instruction: a register or the immediate p0.
static float operand(const FusedInstr &in, int64_t r, ArrayRef<float> regs) {
  return r == kFusedImmOperand ? in.p0 : regs[size_t(r)];
}

float evalFusedInstr(const FusedInstr &in, ArrayRef<float> regs) {
  float x = operand(in, in.a, regs);
  switch (in.op) {
  case FusedOpcode::Add:
    return x + operand(in, in.b, regs);
  case FusedOpcode::Sub:
    return x - operand(in, in.b, regs);
  case FusedOpcode::Mul:
    return x * operand(in, in.b, regs);
  case FusedOpcode::Div:
    return x / operand(in, in.b, regs);
  case FusedOpcode::Pow:
    return float(std::pow(double(x), double(operand(in, in.b, regs))));
  case FusedOpcode::Relu:
    return x > 0.0f ? x : 0.0f;
  case FusedOpcode::Sigmoid:
    return float(1.0 / (1.0 + std::exp(-double(x))));
  case FusedOpcode::Tanh:
    return float(std::tanh(double(x)));
  case FusedOpcode::Erf:
    return float(std::erf(double(x)));
  case FusedOpcode::Sqrt:
    return float(std::sqrt(double(x)));
  case FusedOpcode::HardSwish: {
    double v = x;
    return float(v * std::min(1.0, std::max(0.0, v / 6.0 + 0.5)));
  }
  case FusedOpcode::HardSigmoid:
    return float(
        std::min(1.0, std::max(0.0, double(in.p0) * x + double(in.p1))));
  case FusedOpcode::Clip:
    return std::min(std::max(x, in.p0), in.p1);
  }
  assert(false && "opcode validated by readFusedProgram");
  return 0.0f;
}

float evalFusedProgram(const FusedProgram &p, ArrayRef<float> inputs,
                       SmallVectorImpl<float> &scratch) {
  assert(inputs.size() == p.numInputs && !p.code.empty());
  scratch.assign(inputs.begin(), inputs.end());
  for (const FusedInstr &in : p.code)
    scratch.push_back(evalFusedInstr(in, scratch));
  return scratch.back();
}

} // namespace tlc
