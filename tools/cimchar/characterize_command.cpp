// cimchar characterize RECIPE: Monte Carlo characterization of one bench into an HDF5 table.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>

#include <boost/program_options.hpp>

#include "characterize/bench.h"
#include "characterize/recipe.h"
#include "characterize/run.h"
#include "cimchar/command.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/progress.h"

namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace cimchar;

// A recipe name without a path is looked up in the project's characterization/ folder.
fs::path FindRecipe(const std::string& name) {
  fs::path p(name);
  if (fs::exists(p)) {
    return p;
  }
  for (fs::path cand : {core::RecipesDir() / p, core::RecipesDir() / (name + ".ini")}) {
    if (fs::exists(cand)) {
      return cand;
    }
  }
  throw UsageError("recipe '" + name + "' not found (nor in " + core::RecipesDir().string() + ")");
}

int RunCharacterize(const std::vector<std::string>& args) {
  po::options_description run("Run options");
  std::string profile, out;
  int jobs = 1;
  run.add_options()("help,h", "show this help")                                                //
      ("profile", po::value(&profile), "recipe profile: quick or full (as the file defines)")  //
      ("jobs,j", po::value(&jobs)->default_value(1), "worker processes (one ngspice each)")    //
      ("out,o", po::value(&out), "output HDF5 file (default results/<recipe>.h5)")             //
      ("resume", "finish an interrupted run of the same recipe and options")                   //
      ("no-progress", "no progress bar or lines")                                              //
      ("decks", po::value<std::string>(),
       "also write each grid point's deck to this folder, runnable with `ngspice -b` "
       "(sample 0's mismatch)");
  po::options_description keys = characterize::RecipeOptions();
  po::options_description hidden;
  std::string recipe_arg;
  hidden.add_options()("recipe", po::value(&recipe_arg));
  po::options_description all;
  all.add(run).add(keys).add(hidden);
  po::positional_options_description pos;
  pos.add("recipe", 1);

  std::vector<std::string> rest(args.begin() + 1, args.end());
  po::parsed_options parsed =
      po::command_line_parser(rest).options(all).positional(pos).allow_unregistered().run();
  po::variables_map vm;
  po::store(parsed, vm);
  po::notify(vm);
  if (vm.count("help") || recipe_arg.empty()) {
    std::ostream& os = vm.count("help") ? std::cout : std::cerr;
    os << "Usage: cimchar characterize RECIPE [--profile quick|full] [--samples N] [--seed S]\n"
          "                              [--jobs J] [--out F.h5] [--resume] [--KEY=VALUE ...]\n\n"
          "Runs the Monte Carlo characterization a recipe describes (a file in characterization/\n"
          "or a path) on ngspice worker processes and writes its lookup tables to an HDF5 file.\n"
          "Every recipe key can be overridden on the command line; bench keys as --BENCH.KEY=V.\n"
          "Ctrl-C stops cleanly; --resume finishes the run with a result identical to an\n"
          "uninterrupted one.\n\n"
       << run << "\n"
       << keys << "\nBenches:\n";
    for (const auto& b : characterize::Benches()) {
      os << "  " << b.name << std::string(b.name.size() < 10 ? 10 - b.name.size() : 1, ' ')
         << b.summary << "\n";
    }
    return vm.count("help") ? 0 : 2;
  }
  // Recipe keys given on the command line override the file's.
  std::map<std::string, std::string> overrides;
  for (const auto& [k, v] : vm) {
    if (keys.find_nothrow(k, false) != nullptr) {
      overrides[k] = v.as<std::string>();
    }
  }
  for (const auto& opt : parsed.options) {
    if (!opt.unregistered) {
      continue;
    }
    // --bench.key=value
    if (opt.string_key.find('.') == std::string::npos || opt.value.size() != 1) {
      throw UsageError("unknown option '" + opt.string_key + "'");
    }
    overrides[opt.string_key] = opt.value.front();
  }
  const fs::path recipe_path = FindRecipe(recipe_arg);
  characterize::Recipe recipe = characterize::LoadRecipe(recipe_path, profile, overrides);
  characterize::MakeBench(recipe);  // validates the bench keys before any worker starts

  characterize::RunOptions ro;
  ro.jobs = jobs;
  ro.out =
      out.empty() ? fs::path("results") / (recipe_path.stem().string() + ".h5") : fs::path(out);
  if (ro.out.has_parent_path()) {
    fs::create_directories(ro.out.parent_path());
  }
  ro.resume = vm.count("resume") != 0;
  ro.progress = vm.count("no-progress") == 0;
  if (vm.count("decks") != 0) {
    ro.decks_dir = vm["decks"].as<std::string>();
  }

  std::cerr << "cimchar characterize: " << recipe_path.string()
            << (profile.empty() ? "" : " (profile " + profile + ")") << " -> " << ro.out.string()
            << "\n";
  characterize::RunSummary s = characterize::RunCharacterization(recipe, ro);

  std::printf("\n%-28s %s\n", "recipe", recipe_path.string().c_str());
  std::printf("%-28s %s\n", "output", ro.out.string().c_str());
  std::printf("%-28s %llu\n", "grid points", static_cast<unsigned long long>(s.grid_points));
  std::printf("%-28s %llu (%llu run now, %llu from the journal)\n", "samples",
              static_cast<unsigned long long>(s.samples_total),
              static_cast<unsigned long long>(s.samples_run),
              static_cast<unsigned long long>(s.samples_resumed));
  std::printf("%-28s %llu (retried with relaxed options: %llu)\n", "failed samples",
              static_cast<unsigned long long>(s.failed),
              static_cast<unsigned long long>(s.retried));
  for (const auto& [reason, n] : s.failures_by_reason) {
    std::printf("  %-26s %llu\n", reason.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("%-28s %s (ngspice analysis %s)\n", "wall time",
              core::FormatDuration(s.wall_s).c_str(), core::FormatDuration(s.analysis_s).c_str());
  if (s.samples_run > 0 && s.wall_s > 0) {
    std::printf("%-28s %.2f\n", "samples/s", static_cast<double>(s.samples_run) / s.wall_s);
  }
  if (s.interrupted) {
    std::string cmd = "cimchar characterize";
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] != "--resume") {
        cmd += " " + args[i];
      }
    }
    std::fprintf(stderr,
                 "\ninterrupted: the finished samples are kept in %s.journal.\n"
                 "resume with:  %s --resume\n",
                 ro.out.string().c_str(), cmd.c_str());
    return 130;
  }
  return s.failed == s.samples_total ? 1 : 0;
}

}  // namespace

CIMCHAR_COMMAND("characterize",
                "Monte Carlo characterization of a recipe into HDF5 tables",
                RunCharacterize);
