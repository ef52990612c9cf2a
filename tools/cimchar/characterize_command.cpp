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
#include "distribute/comm.h"
#include "distribute/shard.h"

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

int Characterize(const std::vector<std::string>& args, bool root) {
  po::options_description run("Run options");
  std::string profile, out, shard;
  int jobs = 1;
  run.add_options()("help,h", "show this help")                                                //
      ("profile", po::value(&profile), "recipe profile: quick or full (as the file defines)")  //
      ("jobs,j", po::value(&jobs)->default_value(1),
       "worker processes (one ngspice each); per rank under mpirun")                //
      ("out,o", po::value(&out), "output HDF5 file (default results/<recipe>.h5)")  //
      ("shard", po::value(&shard),
       "K/N: run only the K-th of N disjoint sample sets into its own file (default "
       "results/<recipe>.shardKofN.h5); `cimchar merge` joins the N files")  //
      ("resume",
       "finish an interrupted run of the same recipe and options (under mpirun: with any "
       "number of ranks)")                         //
      ("no-progress", "no progress bar or lines")  //
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
          "                              [--jobs J] [--out F.h5] [--shard K/N] [--resume]\n"
          "                              [--KEY=VALUE ...]\n"
          "       mpirun -n R cimchar characterize RECIPE ... (R ranks, --jobs workers each)\n\n"
          "Runs the Monte Carlo characterization a recipe describes (a file in characterization/\n"
          "or a path) on ngspice worker processes and writes its lookup tables to an HDF5 file.\n"
          "Every recipe key can be overridden on the command line; bench keys as --BENCH.KEY=V.\n"
          "Ctrl-C stops cleanly; --resume finishes the run with a result identical to an\n"
          "uninterrupted one. Started by mpirun, the ranks share the samples (the output folder\n"
          "must be visible to all of them) and write one file, identical to a 1-process run.\n\n"
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
  if (!shard.empty()) {
    ro.shard = distribute::ParseShard(shard);
  }
  const std::string default_name = recipe_path.stem().string() +
                                   (ro.shard.whole() ? std::string()
                                                     : ".shard" + std::to_string(ro.shard.index) +
                                                           "of" + std::to_string(ro.shard.count)) +
                                   ".h5";
  ro.out = out.empty() ? fs::path("results") / default_name : fs::path(out);
  if (ro.out.has_parent_path()) {
    fs::create_directories(ro.out.parent_path());
  }
  ro.resume = vm.count("resume") != 0;
  ro.progress = vm.count("no-progress") == 0;
  if (vm.count("decks") != 0 && root) {
    ro.decks_dir = vm["decks"].as<std::string>();
  }
  ro.progress = ro.progress && root;
  // Said the moment the run stops (before its last snapshot: under mpirun the job may be killed
  // right after).
  std::string cmd = "cimchar characterize";
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] != "--resume") {
      cmd += " " + args[i];
    }
  }
  const bool ranks = distribute::LaunchedBy().size > 1;
  ro.interrupted_message = "\ninterrupted: the finished samples are kept in " + ro.out.string() +
                           ".journal" + (ranks ? "*" : "") + ".\nresume with:  " + cmd +
                           " --resume\n" +
                           (ranks ? "(under mpirun with any number of ranks, or alone)\n" : "");

  if (root) {
    std::cerr << "cimchar characterize: " << recipe_path.string()
              << (profile.empty() ? "" : " (profile " + profile + ")")
              << (ro.shard.whole() ? "" : " shard " + ro.shard.Name()) << " -> " << ro.out.string()
              << "\n";
  }
  characterize::RunSummary s = characterize::RunCharacterization(recipe, ro);
  if (!root) {
    return s.interrupted ? 130 : 0;  // rank 0 reports for the whole run
  }

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
  if (s.ranks > 1) {
    std::printf("%-28s %d x %d workers\n", "MPI ranks", s.ranks, ro.jobs);
    std::printf("%-28s %.3f %% of the wall time (then waited %.1f s for the other ranks)\n",
                "rank 0 coordination", 100.0 * s.coordination_s / s.wall_s, s.waited_s);
  }
  if (s.samples_run > 0 && s.wall_s > 0) {
    std::printf("%-28s %.2f\n", "samples/s", static_cast<double>(s.samples_run) / s.wall_s);
  }
  if (s.interrupted) {
    return 130;  // the run said how to resume the moment it stopped
  }
  return s.failed == s.samples_total ? 1 : 0;
}

int RunCharacterize(const std::vector<std::string>& args) {
  // Under mpirun every rank runs this; rank 0 alone reports, also for errors every rank meets
  // alike (a bad recipe, a journal of another run). A failure only one rank meets is printed by
  // that rank, which then ends the job (distribute::RunSamples).
  const distribute::Launch launch = distribute::LaunchedBy();
  const bool root = launch.rank == 0;
  if (root) {
    distribute::CheckLaunch(launch, distribute::BuiltWithMpi());
    return Characterize(args, true);
  }
  try {
    return Characterize(args, false);
  } catch (const UsageError&) {
    return 2;
  } catch (const po::error&) {
    return 2;
  } catch (const std::exception&) {
    return 1;
  }
}

}  // namespace

CIMCHAR_COMMAND("characterize",
                "Monte Carlo characterization of a recipe into HDF5 tables",
                RunCharacterize);
