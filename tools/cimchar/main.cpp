// cimchar: characterize hybrid SRAM compute-in-memory macros with ngspice and build calibrated
// behavioral models. This file only dispatches to subcommands and maps errors to exit codes.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options/errors.hpp>

#include "cimchar/command.h"
#include "core/build_info.h"
#include "core/error.h"

namespace cimchar::tool {

std::vector<Command>& Commands() {
  static std::vector<Command> commands;
  return commands;
}

CommandRegistrar::CommandRegistrar(std::string name, std::string summary, CommandFn run) {
  auto& commands = Commands();
  commands.push_back({std::move(name), std::move(summary), std::move(run)});
  std::sort(commands.begin(), commands.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
}

namespace {

void PrintUsage(std::ostream& out) {
  out << "cimchar " << core::kVersion << " (" << core::kGitCommit << ")\n"
      << "Transistor-level characterization of hybrid SRAM compute-in-memory macros.\n\n"
      << "Usage: cimchar COMMAND [options]    (cimchar COMMAND --help for a command's options)\n\n"
      << "Commands:\n";
  for (const auto& c : Commands()) {
    std::string pad(c.name.size() < 14 ? 14 - c.name.size() : 1, ' ');
    out << "  " << c.name << pad << c.summary << "\n";
  }
}

}  // namespace
}  // namespace cimchar::tool

int main(int argc, char** argv) {
  using cimchar::tool::Commands;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    cimchar::tool::PrintUsage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "cimchar " << cimchar::core::kVersion << " (" << cimchar::core::kGitCommit
              << ")\n";
    return 0;
  }
  const auto& commands = Commands();
  auto it = std::find_if(commands.begin(), commands.end(),
                         [&](const auto& c) { return c.name == args[0]; });
  if (it == commands.end()) {
    std::cerr << "cimchar: unknown command '" << args[0] << "'\n\n";
    cimchar::tool::PrintUsage(std::cerr);
    return 2;
  }
  try {
    return it->run(args);
  } catch (const boost::program_options::error& e) {
    std::cerr << "cimchar " << args[0] << ": " << e.what() << " (see cimchar " << args[0]
              << " --help)\n";
    return 2;
  } catch (const cimchar::UsageError& e) {
    std::cerr << "cimchar " << args[0] << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cimchar " << args[0] << ": error: " << e.what() << "\n";
    return 1;
  }
}
