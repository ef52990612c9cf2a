// The distribution layer's figures (printed; run on a quiet machine, ratios within one run):
//
// 1. `mpirun -n 1` and `mpirun -n 2` of `cimchar characterize RECIPE --profile quick --jobs 1`
//    (default recipe: apath): samples/s as cimchar reports it (samples run / the run's wall
//    time, mpirun's own start-up excluded), the 2-rank / 1-rank ratio (target >= 1.9), the
//    work per sample in CPU seconds (user + system time of the whole process tree of the
//    1-rank run, mpirun and start-up included, per sample: independent of the machine's load),
//    and rank 0's coordination share of the 2-rank run (start-up agreement, the other ranks'
//    messages, reading their journal parts; target <= 2 %).
// 2. The writer: records/s appended to a journal (each a CRC'd frame, fdatasync every 16), the
//    HDF5 file written from records (records/s), bytes per sample in each.
// 3. Merging 4 shards holding 10 000 samples (18 values each, the apath quick shape: 2 grid
//    points x 5000 dies): seconds per 10 000 samples, split into reading and checking the
//    shards, the tables (mean and static sigma of two 9-column quantities) and the write.
//
// On a machine shared with other work the ratio moves with their load (and with the kernel's
// autogroup scheduling, all processes of one session share one session's CPU share, so under
// contention 2 ranks get no more CPU than 1): --pairs N alternates the 1-rank and 2-rank runs N
// times and prints every pair's ratio and their median, and each run's CPU seconds per sample
// (whole process tree), which the load does not change.
//
// Usage: distribute_bench [--recipe NAME] [--samples N] [--pairs N] [--skip-mpi]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "distribute/merge.h"
#include "lut/reduce.h"
#include "lut/store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace cimchar;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs argv with stdout/stderr to files; returns the exit code and the stdout text.
int Run(std::vector<std::string> argv, const fs::path& log, std::string* out) {
  std::vector<char*> c;
  for (auto& a : argv) {
    c.push_back(a.data());
  }
  c.push_back(nullptr);
  const fs::path out_file = log.string() + ".out";
  const fs::path err_file = log.string() + ".err";
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);  // Open MPI refuses root otherwise
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    const int fo = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fe = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fo, STDOUT_FILENO);
    dup2(fe, STDERR_FILENO);
    execv(c[0], c.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  *out = ReadText(out_file);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "distribute_bench: %s failed:\n%s%s\n", argv[0].c_str(), out->c_str(),
                 ReadText(err_file).c_str());
    return 1;
  }
  return 0;
}

// The number after `key` on its line of cimchar's summary.
double Field(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  if (at == std::string::npos) {
    return NAN;
  }
  return std::atof(text.c_str() + text.find_first_not_of(' ', at + key.size()));
}

// "wall time  12s (ngspice analysis 23s)": the analysis seconds.
double AnalysisSeconds(const std::string& text) {
  const auto at = text.find("ngspice analysis ");
  if (at == std::string::npos) {
    return NAN;
  }
  const std::string d = text.substr(at + 17, text.find(')', at) - at - 17);
  double s = 0;
  long v = 0;
  for (char ch : d) {
    if (ch >= '0' && ch <= '9') {
      v = v * 10 + (ch - '0');
    } else {
      s += static_cast<double>(v) * (ch == 'h' ? 3600 : ch == 'm' ? 60 : 1);
      v = 0;
    }
  }
  return s;
}

double ChildrenCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct RankFigures {
  double samples_per_s = 0;
  double wall_s = 0;
  double samples = 0;
  double analysis_s = 0;
  double cpu_s = 0;  // the whole process tree
  double coordination_pct = NAN;
  std::string text;
};

bool RunRanks(int ranks,
              const std::string& recipe,
              const std::string& samples,
              const fs::path& dir,
              RankFigures* f) {
  const fs::path out = dir / (recipe + "_" + std::to_string(ranks) + ".h5");
  std::vector<std::string> argv = {CIMCHAR_MPIEXEC,       "-n",
                                   std::to_string(ranks), CIMCHAR_BIN,
                                   "characterize",        recipe,
                                   "--profile=quick",     "--jobs=1",
                                   "--no-progress",       "--out=" + out.string()};
  if (!samples.empty()) {
    argv.push_back("--samples=" + samples);
  }
  const double cpu0 = ChildrenCpuSeconds();
  if (Run(argv, dir / ("ranks" + std::to_string(ranks)), &f->text) != 0) {
    return false;
  }
  f->cpu_s = ChildrenCpuSeconds() - cpu0;
  f->samples_per_s = Field(f->text, "samples/s");
  f->samples = Field(f->text, "samples ");
  f->analysis_s = AnalysisSeconds(f->text);
  f->wall_s = f->samples / f->samples_per_s;
  f->coordination_pct = Field(f->text, "rank 0 coordination");
  fs::remove(out);
  return true;
}

lut::RunSpec MergeSpec(uint64_t samples_per_point) {
  lut::RunSpec spec;
  spec.grid = {lut::Axis::Categorical("corner", {"tt"}), lut::Axis::Numeric("vdd", "V", {0.6, 1.0}),
               lut::Axis::Numeric("temp", "degC", {27.0})};
  spec.samples_per_point = samples_per_point;
  for (int j = 0; j < 9; ++j) {
    spec.columns.push_back({"line_v_" + std::to_string(j), "V"});
  }
  for (int j = 0; j < 9; ++j) {
    spec.columns.push_back({"energy_op_j_" + std::to_string(j), "J"});
  }
  return spec;
}

lut::Record MergeRecord(const lut::RunSpec& spec, uint64_t flat) {
  const lut::SampleKey k = spec.KeyAt(flat);
  lut::Record r{.grid_point = k.grid_point, .sample = k.sample};
  for (std::size_t c = 0; c < spec.columns.size(); ++c) {
    const double x = std::sin(static_cast<double>(flat * 31 + c * 7));
    r.values.push_back(c < 9 ? 0.1 * static_cast<double>(c) + 1e-3 * x : 1e-14 * (2.0 + x));
  }
  return r;
}

std::vector<lut::QuantityTable> MergeTables(const lut::RunSpec& spec,
                                            const lut::Provenance&,
                                            const std::vector<lut::Record>& records) {
  std::vector<lut::QuantityTable> tables;
  for (const std::string q : {"line_v", "energy_op_j"}) {
    lut::ReduceRequest request{
        .quantity = "bench/" + q,
        .units = q == "line_v" ? "V" : "J",
        .columns = {},
        .column_axis = lut::Axis::Numeric("fraction", "1",
                                          {0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1})};
    for (int j = 0; j < 9; ++j) {
      request.columns.push_back(q + "_" + std::to_string(j));
    }
    lut::Reduction red = lut::ReduceSamples(spec, records, request);
    tables.push_back({lut::Statistic::kMean, std::move(red.mean)});
    tables.push_back({lut::Statistic::kStaticSigma, std::move(red.static_sigma)});
  }
  return tables;
}

int WriterAndMerge(const fs::path& dir) {
  constexpr uint64_t kSamples = 10000;
  constexpr uint64_t kShards = 4;
  lut::RunSpec spec = MergeSpec(kSamples / 2);
  lut::Provenance prov;
  prov.recipe_text = "bench = bench\n";
  prov.master_seed = 1;
  prov.input_sha256 = {{"netlists/benches/cs_line.sp", lut::Sha256Hex("deck")}};
  prov.ngspice_version = "ngspice-39";
  prov.producer = "bench";

  std::vector<fs::path> shards;
  double append_s = 0;
  double write_s = 0;
  std::uintmax_t journal_bytes = 0;
  std::uintmax_t h5_bytes = 0;
  uint64_t appended = 0;
  for (uint64_t k = 1; k <= kShards; ++k) {
    spec.shard = {.index = k, .count = kShards};
    const fs::path out = dir / ("shard" + std::to_string(k) + ".h5");
    auto writer = lut::RunWriter::Create(out, spec, prov, {.snapshot_every_s = 0});
    const std::uintmax_t header = fs::file_size(writer->journal_path());
    auto t = Clock::now();
    for (uint64_t flat = k - 1; flat < spec.SampleCount(); flat += kShards) {
      writer->Append(MergeRecord(spec, flat));
      ++appended;
    }
    writer->Refresh();
    append_s += Since(t);
    journal_bytes += fs::file_size(writer->journal_path()) - header;
    t = Clock::now();
    writer->Finalize({});
    write_s += Since(t);
    h5_bytes += fs::file_size(out);
    shards.push_back(out);
  }
  std::printf("\nwriter (%llu records of %zu values in %llu shard files)\n",
              static_cast<unsigned long long>(appended), spec.columns.size(),
              static_cast<unsigned long long>(kShards));
  std::printf("  journal append          %10.0f records/s  %6.1f bytes/sample\n",
              static_cast<double>(appended) / append_s,
              static_cast<double>(journal_bytes) / static_cast<double>(appended));
  std::printf("  HDF5 write from records %10.0f records/s  %6.1f bytes/sample (whole file)\n",
              static_cast<double>(appended) / write_s,
              static_cast<double>(h5_bytes) / static_cast<double>(appended));

  const fs::path merged = dir / "merged.h5";
  const auto t = Clock::now();
  const distribute::MergeSummary m =
      distribute::MergeShards(merged, shards, {{"bench", MergeTables}});
  const double total = Since(t);
  const double per_10k = total * 10000.0 / static_cast<double>(m.samples);
  std::printf("\nmerge of %zu shards, %llu samples\n", m.files,
              static_cast<unsigned long long>(m.samples));
  std::printf("  %.3f s per 10 000 samples (read+check %.3f s, tables %.3f s, write %.3f s)\n",
              per_10k, m.read_s, m.finish_s, m.write_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string recipe = "apath";
  std::string samples;
  int pairs = 1;
  bool mpi = std::string(CIMCHAR_MPIEXEC).size() > 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--recipe" && i + 1 < argc) {
      recipe = argv[++i];
    } else if (a == "--samples" && i + 1 < argc) {
      samples = argv[++i];
    } else if (a == "--pairs" && i + 1 < argc) {
      pairs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--skip-mpi") {
      mpi = false;
    } else {
      std::fprintf(
          stderr,
          "usage: distribute_bench [--recipe NAME] [--samples N] [--pairs N] [--skip-mpi]\n");
      return 2;
    }
  }
  const fs::path dir =
      fs::temp_directory_path() / ("cimchar_distribute_bench_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::printf("distribute_bench: %ld online CPUs\n", sysconf(_SC_NPROCESSORS_ONLN));
  int rc = 0;
  if (!mpi) {
    std::printf("\n(ranks skipped: %s)\n",
                std::string(CIMCHAR_MPIEXEC).empty() ? "this build has no MPI" : "--skip-mpi");
  } else {
    std::printf("\n%s --profile quick, mpirun -n R, --jobs 1 per rank\n", recipe.c_str());
    std::printf("  %4s %5s %9s %9s %10s %8s %16s %14s\n", "pair", "ranks", "samples", "wall s",
                "samples/s", "ratio", "rank 0 coord.", "CPU s/sample");
    std::vector<double> ratios;
    RankFigures first;
    for (int p = 1; p <= pairs && rc == 0; ++p) {
      RankFigures one;
      RankFigures two;
      if (!RunRanks(1, recipe, samples, dir, &one) || !RunRanks(2, recipe, samples, dir, &two)) {
        rc = 1;
        break;
      }
      if (p == 1) {
        first = one;
      }
      ratios.push_back(two.samples_per_s / one.samples_per_s);
      std::printf("  %4d %5d %9.0f %9.1f %10.3f %8s %16s %14.3f\n", p, 1, one.samples, one.wall_s,
                  one.samples_per_s, "", "-", one.cpu_s / one.samples);
      std::printf("  %4d %5d %9.0f %9.1f %10.3f %8.2f %15.3f%% %14.3f\n", p, 2, two.samples,
                  two.wall_s, two.samples_per_s, ratios.back(), two.coordination_pct,
                  two.cpu_s / two.samples);
      std::fflush(stdout);
    }
    if (rc == 0) {
      std::vector<double> sorted = ratios;
      std::sort(sorted.begin(), sorted.end());
      std::printf(
          "  2-rank / 1-rank samples/s: median %.2f over %zu pair%s (target >= 1.9); "
          "rank 0 coordination target <= 2 %%\n",
          sorted[sorted.size() / 2], sorted.size(), sorted.size() == 1 ? "" : "s");
      std::printf(
          "  work per sample: %.2f CPU s (process tree of the first 1-rank run); "
          "ngspice's analysis time %.2f s per sample\n",
          first.cpu_s / first.samples, first.analysis_s / first.samples);
    }
  }
  rc |= WriterAndMerge(dir);
  fs::remove_all(dir);
  return rc;
}
