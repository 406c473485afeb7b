//===- tools/OptCommand.cpp - tlc opt: run named passes on IR text --------===//
//
// tlc opt FILE.tlir --passes=a,b,c [--verify-each] [--target=cpu]: reads
// the IR's text form (ir/TextParser.h; "-" reads stdin), runs the named
// graph passes (driver/PassRegistry.h) in order and prints the result with
// small constants inline. With --verify-each the verifier (ops/Verifier.h)
// runs after each pass and an error names the pass that broke an
// invariant. Each pass's golden test (tests/lit/passes/) runs it this way.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"

#include "driver/PassRegistry.h"
#include "ir/Suggest.h"
#include "ir/TextParser.h"
#include "ops/Verifier.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace tlc {

cl::SubCommand OptSubcommand("opt",
                             "Run named graph passes on IR text (.tlir) and "
                             "print the result");

static cl::opt<std::string> InputPath(cl::Positional, cl::Required,
                                      cl::desc("<FILE.tlir | ->"),
                                      cl::sub(OptSubcommand));
/// --passes' help, listing the registry's names (driver/PassRegistry.cpp),
/// so that the list cannot drift from what lookupGraphPass accepts. The
/// registry is a constant-initialized array, ready before static
/// constructors run.
static const std::string &passesHelp() {
  static const std::string help = [] {
    std::string s = "Passes to run, in order (comma-separated): ";
    for (const GraphPassInfo &p : graphPasses())
      s += std::string(&p == graphPasses().data() ? "" : ", ") + p.name;
    return s + " (default: none; the file is printed back)";
  }();
  return help;
}

static cl::list<std::string> PassNames(
    "passes", cl::CommaSeparated, cl::desc(passesHelp()),
    cl::value_desc("PASS,..."), cl::sub(OptSubcommand));
static cl::opt<bool>
    VerifyEach("verify-each",
               cl::desc("Run the IR verifier after every pass"),
               cl::sub(OptSubcommand));
static cl::opt<bool> SplitInputFile(
    "split-input-file",
    cl::desc("Treat each part of the file between lines '// -----' as its "
             "own graph; print the results separated the same way"),
    cl::sub(OptSubcommand));
static cl::opt<bool> InlineConstants(
    "inline-constants", cl::init(true),
    cl::desc("Print the values of weights of at most 16 elements (default: "
             "true; false prints types only, as tlc compile --print-ir)"),
    cl::sub(OptSubcommand));
static cl::opt<std::string>
    OptTarget("target", cl::init("cpu"),
              cl::desc("Kernel profile the target-dependent passes see: "
                       "cpu, gpu or gpu-nv (default: cpu)"),
              cl::sub(OptSubcommand));

static Error error(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg.str());
}

int runOpt() {
  std::vector<const GraphPassInfo *> passes;
  std::vector<StringRef> names;
  for (const GraphPassInfo &p : graphPasses())
    names.push_back(p.name);
  for (const std::string &n : PassNames) {
    const GraphPassInfo *p = lookupGraphPass(n);
    if (!p)
      return reportError(error("--passes: unknown pass '" + n + "'" +
                               didYouMean(n, names) + " (tlc opt --help "
                               "lists them)"));
    passes.push_back(p);
  }
  Expected<KernelTarget> target = kernelTargetByName(OptTarget);
  if (!target)
    return reportError(target.takeError());
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFileOrSTDIN(InputPath);
  if (!buf)
    return reportError(
        error(InputPath + ": cannot read: " + buf.getError().message()));
  StringRef file = InputPath == "-" ? "<stdin>" : StringRef(InputPath);
  // Each part keeps its lines' numbers: the text before it becomes blank
  // lines, so errors point into the file as written.
  std::vector<std::string> parts;
  StringRef text = (*buf)->getBuffer();
  if (!SplitInputFile) {
    parts.push_back(text.str());
  } else {
    std::string cur;
    unsigned lineNo = 0, partStart = 0;
    SmallVector<StringRef, 0> lines;
    text.split(lines, '\n');
    for (StringRef l : lines) {
      if (l.rtrim() == "// -----") {
        parts.push_back(std::string(partStart, '\n') + cur);
        cur.clear();
        partStart = lineNo + 1;
      } else {
        cur += l.str() + "\n";
      }
      ++lineNo;
    }
    parts.push_back(std::string(partStart, '\n') + cur);
  }
  PassContext ctx;
  ctx.target = *target;
  PrintOptions po;
  po.inlineConstants = InlineConstants;
  for (size_t k = 0; k < parts.size(); ++k) {
    Expected<Graph> g = parseGraphText(parts[k], file);
    if (!g)
      return reportError(g.takeError());
    for (const GraphPassInfo *p : passes) {
      if (Error e = p->run(*g, ctx))
        return reportError(std::move(e));
      if (VerifyEach)
        if (Error e = verifyGraph(*g))
          return reportError(error("after pass '" + Twine(p->name) +
                                   "': " + toString(std::move(e))));
    }
    if (k)
      outs() << "// -----\n";
    printGraph(*g, outs(), po);
  }
  return 0;
}

} // namespace tlc
