#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "netlist/pdk.h"
#include "variation/mismatch.h"

#include <boost/program_options/options_description.hpp>

namespace cimchar::characterize {

// A characterization recipe: which bench, on which PDK, over which grid, with how many Monte
// Carlo samples. Recipes are Boost.Program_options config files with the same keys as the
// command line (the command line wins). Profiles are sections `[profile.quick]`,
// `[profile.full]` whose keys override the top-level ones.
struct Recipe {
  std::string bench;  // bench driver name, e.g. "adc"
  std::string title;
  netlist::Pdk pdk;                                 // model library, its corner names, model names
  std::vector<std::filesystem::path> netlist_dirs;  // user folders searched before netlists/
  std::vector<std::string> corners = {"tt"};        // swept corners (subset of pdk.corners)
  std::vector<double> vdd_v = {1.0};
  std::vector<double> temp_c = {27.0};
  int samples = 16;  // Monte Carlo samples (dies) per grid point
  std::uint64_t seed = 1;
  double timeout_s = 120.0;  // per-sample wall-time limit
  // ngspice options ("bypass=1" ...) set by `option` before every analysis of the run.
  std::vector<std::string> spice_options = {"bypass=1"};
  variation::MismatchOptions mismatch;
  std::string profile;  // the profile applied ("" when none)
  // The effective key = value pairs after profile and command line, sorted (provenance).
  std::map<std::string, std::string> effective;
  // Bench-specific keys ("adc.bits" ...), typed by the bench driver.
  std::map<std::string, std::string> bench_keys;
};

// The common recipe keys with their help text; the same keys serve config files and the
// command line. Bench-specific keys are `<bench>.<name>` (a `[<bench>]` section in the file).
boost::program_options::options_description RecipeOptions();

// Loads `file`, applies `profile` (empty: none) and then `overrides` (key -> value, e.g. from
// the command line), validates keys and values. Bench keys are checked by the bench driver.
// Throws cimchar::UsageError naming the file, key and value for unknown keys, unknown profiles,
// malformed numbers, negative supplies, zero samples, corners the PDK does not have, etc.
Recipe LoadRecipe(const std::filesystem::path& file,
                  const std::string& profile,
                  const std::map<std::string, std::string>& overrides);

// The `option ...` commands of the recipe's spice_options, in order.
std::vector<std::string> OptionCommands(const Recipe& recipe);

// The effective recipe as config-file text (what provenance stores).
std::string RecipeText(const Recipe& recipe);

// The recipe back from RecipeText's output (e.g. a run file's provenance): the same keys and
// values, without a profile to apply; `netlists` folders are not required to exist (nothing is
// rendered from it). Throws cimchar::UsageError naming `origin` on malformed text or values.
Recipe RecipeFromText(const std::string& text, const std::string& origin);

// Parses "0.6, 0.8 1.0" into numbers; throws UsageError naming `key` on a malformed entry.
std::vector<double> ParseNumberList(const std::string& key, const std::string& text);
std::vector<std::string> ParseWordList(const std::string& text);

// Typed access to bench keys with defaults; errors name the key.
double BenchNumber(const Recipe& r, const std::string& key, double fallback);
int BenchInt(const Recipe& r, const std::string& key, int fallback);
std::vector<double> BenchNumbers(const Recipe& r,
                                 const std::string& key,
                                 const std::vector<double>& fallback);

}  // namespace cimchar::characterize
