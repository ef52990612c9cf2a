// Throughput of whole characterization runs on the real ngspice: the quick profiles of the
// analog-path and ADC recipes (characterization/apath.ini, adc.ini), each with 1 and 2 worker
// processes. Prints samples/s, the 2-worker speed-up, and the share of the wall time spent
// outside ngspice's analysis (deck parsing, mismatch alters, vector copy-out, the worker pipe,
// measurement, journal and HDF5 writes).
//
// Method for the share: each worker's ngspice session reports its own analysis time (the
// `rusage time` counter "Total analysis time", read before and after every job); the run sums
// it over samples (RunSummary::analysis_s). With J workers the run had J·wall worker-seconds
// available, so the share outside the analysis is 1 - analysis_s / (J · wall_s). On a machine
// shared with other work this share also absorbs time the workers waited for a core.
//
// Usage: characterize_bench [--recipe NAME]... [--samples N] [--jobs-max J]
//   --recipe   recipes to run (default: apath adc), names in characterization/
//   --samples  override the quick profile's samples per grid point
//   --jobs-max largest worker count (default 2; runs 1 and jobs-max)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/paths.h"

namespace {

namespace fs = std::filesystem;
using cimchar::characterize::LoadRecipe;
using cimchar::characterize::Recipe;
using cimchar::characterize::RunCharacterization;
using cimchar::characterize::RunOptions;
using cimchar::characterize::RunSummary;

struct Figures {
  double samples_per_s = 0;
  double outside_share = 0;
  RunSummary summary;
};

Figures Run(const Recipe& recipe, int jobs, const fs::path& out) {
  fs::remove(out);
  fs::remove(fs::path(out.string() + ".journal"));
  RunOptions o;
  o.jobs = jobs;
  o.out = out;
  o.progress = false;
  Figures f;
  f.summary = RunCharacterization(recipe, o);
  const RunSummary& s = f.summary;
  f.samples_per_s = static_cast<double>(s.samples_run) / s.wall_s;
  f.outside_share = 1.0 - s.analysis_s / (static_cast<double>(jobs) * s.wall_s);
  fs::remove(out);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> recipes;
  std::string samples;
  int jobs_max = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--recipe" && i + 1 < argc) {
      recipes.push_back(argv[++i]);
    } else if (a == "--samples" && i + 1 < argc) {
      samples = argv[++i];
    } else if (a == "--jobs-max" && i + 1 < argc) {
      jobs_max = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: characterize_bench [--recipe NAME]... [--samples N] [--jobs-max J]\n");
      return 2;
    }
  }
  if (recipes.empty()) {
    recipes = {"apath", "adc"};
  }
  if (jobs_max < 1) {
    jobs_max = 1;
  }
  const fs::path dir =
      fs::temp_directory_path() / ("cimchar_characterize_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  std::printf("characterize_bench: quick profiles on ngspice, %ld online CPUs\n",
              sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("outside = 1 - (ngspice analysis time summed over samples) / (jobs x wall time)\n\n");
  std::printf("%-10s %8s %5s %9s %10s %12s %10s %8s\n", "recipe", "samples", "jobs", "wall s",
              "samples/s", "analysis s", "outside %", "speedup");
  try {
    for (const auto& name : recipes) {
      std::map<std::string, std::string> overrides;
      if (!samples.empty()) {
        overrides["samples"] = samples;
      }
      const Recipe recipe =
          LoadRecipe(cimchar::core::RecipesDir() / (name + ".ini"), "quick", overrides);
      std::vector<int> job_counts = {1};
      if (jobs_max > 1) {
        job_counts.push_back(jobs_max);
      }
      double base = 0;
      for (int jobs : job_counts) {
        const Figures f = Run(recipe, jobs, dir / (name + ".h5"));
        if (jobs == 1) {
          base = f.samples_per_s;
        }
        std::printf("%-10s %8llu %5d %9.2f %10.2f %12.2f %10.1f %8.2f\n", name.c_str(),
                    static_cast<unsigned long long>(f.summary.samples_run), jobs, f.summary.wall_s,
                    f.samples_per_s, f.summary.analysis_s, 100.0 * f.outside_share,
                    f.samples_per_s / base);
        if (f.summary.failed > 0) {
          std::printf("         (%llu samples failed)\n",
                      static_cast<unsigned long long>(f.summary.failed));
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "characterize_bench: %s\n", e.what());
    fs::remove_all(dir);
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
