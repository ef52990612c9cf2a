#pragma once

#include <functional>
#include <string>
#include <vector>

namespace cimchar::tool {

// A subcommand receives its own arguments (argv[0] is the subcommand name) and returns the exit
// code: 0 ok, 1 failure, 2 usage. Errors may be thrown; main() maps them to exit codes.
using CommandFn = std::function<int(const std::vector<std::string>& args)>;

struct Command {
  std::string name;
  std::string summary;
  CommandFn run;
};

// All registered subcommands, sorted by name.
std::vector<Command>& Commands();

// Registers a subcommand at static-initialisation time; use CIMCHAR_COMMAND below.
struct CommandRegistrar {
  CommandRegistrar(std::string name, std::string summary, CommandFn run);
};

}  // namespace cimchar::tool

#define CIMCHAR_COMMAND_CONCAT2(a, b) a##b
#define CIMCHAR_COMMAND_CONCAT(a, b) CIMCHAR_COMMAND_CONCAT2(a, b)
// CIMCHAR_COMMAND("snr", "SNR vs B_D/A", RunSnr);
#define CIMCHAR_COMMAND(name, summary, fn)                               \
  static const ::cimchar::tool::CommandRegistrar CIMCHAR_COMMAND_CONCAT( \
      kCommandRegistrar_, __LINE__)(name, summary, fn)
