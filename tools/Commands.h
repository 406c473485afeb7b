//===- tools/Commands.h - tlc subcommands -----------------------*- C++ -*-===//
//
// Each subcommand lives in tools/<Name>Command.cpp: it defines its
// llvm::cl::SubCommand (declared here), its options with cl::sub(...), and
// its entry point. tools/tlc.cpp parses the command line and dispatches.
// Entry points return the process exit code: 0 on success, 1 on an error the
// user can fix (already printed with reportError), 2 on bad usage.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_COMMANDS_H
#define TLC_TOOLS_COMMANDS_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

namespace tlc {

extern llvm::cl::SubCommand CompileSubcommand; // tools/CompileCommand.cpp
extern llvm::cl::SubCommand RunSubcommand;     // tools/RunCommand.cpp
extern llvm::cl::SubCommand InspectSubcommand; // tools/InspectCommand.cpp
extern llvm::cl::SubCommand DevicesSubcommand; // tools/DevicesCommand.cpp
extern llvm::cl::SubCommand PlanSubcommand;    // tools/PlanCommand.cpp
extern llvm::cl::SubCommand ImportSubcommand;  // tools/ImportCommand.cpp
extern llvm::cl::SubCommand BenchSubcommand;   // tools/BenchCommand.cpp
extern llvm::cl::SubCommand GenerateSubcommand; // tools/GenerateCommand.cpp
extern llvm::cl::SubCommand OptSubcommand;      // tools/OptCommand.cpp

int runCompile();
int runRun();
int runInspect();
int runDevices();
int runPlan();
int runImport();
int runBench();
int runGenerate();
int runOpt();

/// Prints "tlc: error: <message>" to stderr and returns 1.
int reportError(llvm::Error e);

class LoadedPlan;
/// Applies `--dim NAME=VALUE` flags (tlc run, tlc bench): each sets a
/// symbol that no input carries (LoadedPlan::setSymbol). Errors name the
/// flag: not NAME=VALUE, or what setSymbol refused (tools/tlc.cpp).
llvm::Error applySymbolFlags(LoadedPlan &plan,
                             llvm::ArrayRef<std::string> flags);

} // namespace tlc

#endif // TLC_TOOLS_COMMANDS_H
