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
#include "ir/Suggest.h"
#include "tools/Commands.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace llvm;

namespace tlc {
Error applySymbolFlags(LoadedPlan &plan, ArrayRef<std::string> flags) {
  for (const std::string &flag : flags) {
    std::pair<StringRef, StringRef> kv = StringRef(flag).split('=');
    int64_t v;
    if (kv.first.empty() || kv.second.getAsInteger(10, v))
      return createStringError(inconvertibleErrorCode(),
                               "--dim '%s': expected NAME=VALUE, e.g. P=17",
                               flag.c_str());
    if (Error e = plan.setSymbol(kv.first, v))
      return createStringError(inconvertibleErrorCode(), "--dim %s: %s",
                               flag.c_str(), toString(std::move(e)).c_str());
  }
  return Error::success();
}

int reportError(Error e) {
  handleAllErrors(std::move(e), [](const ErrorInfoBase &info) {
    WithColor::error(errs(), "tlc") << info.message() << "\n";
  });
  return 1;
}
} // namespace tlc

namespace {
/// One line of the command list: the subcommand, its usage, what it does.
struct CommandUsage {
  cl::SubCommand *sub;
  const char *usage;
  const char *what;
};

/// The commands in the order `tlc --help` lists them.
SmallVector<CommandUsage, 9> commandList() {
  return {
      {&tlc::CompileSubcommand, "compile MODEL.yaml -o MODEL.tlp",
       "build a compiled plan"},
      {&tlc::RunSubcommand, "run MODEL.tlp --input NAME=X.npy", "execute it"},
      {&tlc::InspectSubcommand, "inspect MODEL.tlp", "read its memory plan"},
      {&tlc::PlanSubcommand, "plan TRACE.csv", "plan a lifetime trace"},
      {&tlc::DevicesSubcommand, "devices", "list Vulkan devices"},
      {&tlc::ImportSubcommand, "import MODEL.onnx -o MODEL.yaml",
       "convert an ONNX model"},
      {&tlc::BenchSubcommand, "bench MODEL.tlp --json", "measure its latency"},
      {&tlc::GenerateSubcommand, "generate LLM.tlp --prompt-ids 1,2",
       "generate tokens (Llama models)"},
      {&tlc::OptSubcommand, "opt IR.tlir --passes=a,b", "run compiler passes"},
  };
}

std::string commandLines() {
  std::string s;
  for (const CommandUsage &c : commandList())
    s += formatv("  tlc {0,-33} {1}\n", c.usage, c.what).str();
  return s;
}

/// Whether argv[1] is a word that names no command: LLVM's parser would
/// report it and every argument after it as "Unknown command line argument",
/// so tlc says what it is instead and names the closest command.
bool refuseUnknownCommand(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-' || argv[1][0] == 0)
    return false;
  StringRef typed = argv[1];
  SmallVector<StringRef, 8> names;
  for (const CommandUsage &c : commandList()) {
    if (c.sub->getName() == typed)
      return false;
    names.push_back(c.sub->getName());
  }
  errs() << "tlc: unknown command '" << typed << "'"
         << tlc::didYouMean(typed, names) << "\ncommands:\n"
         << commandLines()
         << "Run 'tlc <command> --help' for a command's options.\n";
  return true;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "tlc " << TLC_VERSION
       << " (computation-graph compiler with ahead-of-time memory planning)\n";
  });
  if (refuseUnknownCommand(argc, argv))
    return 2;
  // `tlc COMMAND --help` prints that command's options only (LLVM prints
  // the overview above every help text; an empty one is left out).
  std::string overview;
  if (argc < 2 || argv[1][0] == '-')
    overview = "tlc: compiles neural-network models to Vulkan compute plans "
               "with ahead-of-time memory planning\n\n" +
               commandLines() +
               "\nRun 'tlc <command> --help' for a command's options.\n";
  cl::ParseCommandLineOptions(argc, argv, overview);
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
  if (tlc::OptSubcommand)
    return tlc::runOpt();
  errs() << "tlc: no command given; try 'tlc --help'\n";
  return 2;
}
