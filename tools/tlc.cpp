//===- tools/tlc.cpp - The tlc command-line driver ------------------------===//
//
//   tlc compile MODEL -o PLAN     build a compiled plan (.tlp)
//   tlc run PLAN ...              execute it on a Vulkan device
//   tlc inspect PLAN              read its memory plan
//   tlc plan TRACE.csv            run the memory planner on a trace
//   tlc devices                   list Vulkan devices
//   tlc import MODEL.onnx -o Y    convert an ONNX model to model.yaml
//   tlc bench PLAN                measure its latency on a device
//
//===----------------------------------------------------------------------===//
#include "tools/Commands.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace tlc {
int reportError(Error e) {
  handleAllErrors(std::move(e), [](const ErrorInfoBase &info) {
    WithColor::error(errs(), "tlc") << info.message() << "\n";
  });
  return 1;
}
} // namespace tlc

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "tlc " << TLC_VERSION
       << " (computation-graph compiler with ahead-of-time memory planning)\n";
  });
  cl::ParseCommandLineOptions(
      argc, argv,
      "tlc: compiles neural-network models to Vulkan compute plans with "
      "ahead-of-time memory planning\n\n"
      "  tlc compile MODEL.yaml -o MODEL.tlp   build a compiled plan\n"
      "  tlc run MODEL.tlp --input NAME=X.npy  execute it\n"
      "  tlc inspect MODEL.tlp                 read its memory plan\n"
      "  tlc plan TRACE.csv                    plan a lifetime trace\n"
      "  tlc devices                           list Vulkan devices\n"
      "  tlc import MODEL.onnx -o MODEL.yaml   convert an ONNX model\n"
      "  tlc bench MODEL.tlp --json            measure its latency\n"
      "  tlc generate LLM.tlp --prompt-ids 1,2 generate tokens (Llama models)\n\n"
      "Run 'tlc <command> --help' for a command's options.\n");
  if (tlc::CompileSubcommand)
    return tlc::runCompile();
  if (tlc::RunSubcommand)
    return tlc::runRun();
  if (tlc::InspectSubcommand)
    return tlc::runInspect();
  if (tlc::DevicesSubcommand)
    return tlc::runDevices();
  if (tlc::PlanSubcommand)
    return tlc::runPlan();
  if (tlc::ImportSubcommand)
    return tlc::runImport();
  if (tlc::BenchSubcommand)
    return tlc::runBench();
  if (tlc::GenerateSubcommand)
    return tlc::runGenerate();
  errs() << "tlc: no command given; try 'tlc --help'\n";
  return 2;
}
