// Throughput of the SPICE engine on a small cell transient: a 6T SRAM read (8 cells on one
// bit-line pair, 51 transistors, a few hundred time points) run with a new mismatch sample each
// time. Prints samples/s in process, with one `ngspice -b` process per sample, through the
// worker pool with 1 and 2 workers, and with 1 and 2 OpenMP threads.
//
// Usage: spice_bench [--samples N] [--batch-samples N] [--skip-batch] [--print-deck]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "spice/ngspice_session.h"
#include "spice/worker_pool.h"

namespace {

using cimchar::spice::Job;
using cimchar::spice::NgspiceSession;
using cimchar::spice::Outcome;
using cimchar::spice::PoolOptions;
using cimchar::spice::RunResult;
using cimchar::spice::WorkerPool;
using Clock = std::chrono::steady_clock;

constexpr int kCells = 8;
constexpr double kSigmaVthV = 0.02;
const char* const kDevices[] = {"mpl", "mpr", "mnl", "mnr", "mal", "mar"};
const char* const kAnalysis = "tran 5e-12 1.5e-9";

// One mismatch sample: a threshold shift for each transistor of the accessed cell.
using Sample = std::vector<double>;

std::vector<Sample> DrawSamples(int n) {
  std::mt19937_64 rng(20240601);  // fixed: every configuration simulates the same samples
  std::normal_distribution<double> normal(0.0, kSigmaVthV);
  std::vector<Sample> samples(static_cast<size_t>(n));
  for (Sample& s : samples) {
    for (size_t d = 0; d < std::size(kDevices); ++d) {
      s.push_back(normal(rng));
    }
  }
  return samples;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// The read bench. Cell 0 (storing 0 on q) is read; its six devices carry `delvto` values when
// `sample` is given, else they are set by `alter` commands. `batch` adds the analysis card for
// `ngspice -b`.
std::string SramDeck(const Sample* sample,
                     bool batch,
                     int batch_threads = 1,
                     const std::string& batch_raw = "sample.raw") {
  std::ostringstream d;
  d << "6T SRAM read, 8 cells on one bit-line pair\n"
    << ".include " << CIMCHAR_SPICE_TEST_DATA << "/ptm65_bulk.sp\n"
    << ".param vdd=1.2\n"
    << "vdd vdd 0 1.2\n"
    << "vwl wl0 0 pulse(0 1.2 200e-12 30e-12 30e-12 1e-9 3e-9)\n"
    << "vpch pchb 0 pulse(0 1.2 100e-12 30e-12 30e-12 2e-9 4e-9)\n"
    << "mpbl bl pchb vdd vdd ptm65p w=400e-9 l=65e-9\n"
    << "mpblb blb pchb vdd vdd ptm65p w=400e-9 l=65e-9\n"
    << "mpeq bl pchb blb vdd ptm65p w=200e-9 l=65e-9\n"
    << "cbl bl 0 20e-15\ncblb blb 0 20e-15\n";
  for (int c = 0; c < kCells; ++c) {
    const std::string s = std::to_string(c);
    const std::string wl = c == 0 ? "wl0" : "0";
    auto dv = [&](size_t k) {
      return (c == 0 && sample != nullptr) ? " delvto=" + Num((*sample)[k]) : std::string();
    };
    d << "mpl" << s << " q" << s << " qb" << s << " vdd vdd ptm65p w=100e-9 l=65e-9" << dv(0)
      << "\n"
      << "mpr" << s << " qb" << s << " q" << s << " vdd vdd ptm65p w=100e-9 l=65e-9" << dv(1)
      << "\n"
      << "mnl" << s << " q" << s << " qb" << s << " 0 0 ptm65n w=200e-9 l=65e-9" << dv(2) << "\n"
      << "mnr" << s << " qb" << s << " q" << s << " 0 0 ptm65n w=200e-9 l=65e-9" << dv(3) << "\n"
      << "mal" << s << " bl " << wl << " q" << s << " 0 ptm65n w=120e-9 l=65e-9" << dv(4) << "\n"
      << "mar" << s << " blb " << wl << " qb" << s << " 0 ptm65n w=120e-9 l=65e-9" << dv(5) << "\n";
  }
  d << ".ic";
  for (int c = 0; c < kCells; ++c) {
    d << " v(q" << c << ")=0 v(qb" << c << ")=1.2";
  }
  d << "\n";
  if (batch) {
    // What a script flow runs: the analysis and a raw file of the vectors, optionally with
    // ngspice's OpenMP pinned to one thread like the session does.
    d << ".control\n";
    if (batch_threads > 0) {
      d << "set num_threads=" << batch_threads << "\n";
    }
    d << kAnalysis << "\nwrite " << batch_raw << " v(bl) v(blb)\n.endc\n";
  }
  d << ".end\n";
  return d.str();
}

// A job per sample: values rendered into the deck (fresh parse each time)...
Job RenderedJob(const Sample& s) {
  return Job{.deck = SramDeck(&s, false),
             .commands = {kAnalysis},
             .vectors = {"time", "v(bl)", "v(blb)"},
             .timeout_s = 60.0};
}

// ...or one deck and `alter` commands, keeping the parsed circuit between samples.
Job AlterJob(const Sample& s, const std::string& deck) {
  Job job{.deck = deck,
          .commands = {},
          .vectors = {"time", "v(bl)", "v(blb)"},
          .timeout_s = 60.0,
          .reuse_circuit = true};
  for (size_t k = 0; k < s.size(); ++k) {
    job.commands.push_back("alter @" + std::string(kDevices[k]) + "0[delvto]=" + Num(s[k]));
  }
  job.commands.push_back(kAnalysis);
  return job;
}

struct Figures {
  double wall_s = 0;
  double cpu_s = 0;  // this process's CPU time (in-process runs only)
  double analysis_s = 0;
  double points = 0;
  int failed = 0;
  int n = 0;
  double rate() const { return n / wall_s; }
};

void Account(Figures& f, const RunResult& r) {
  ++f.n;
  if (!r.ok()) {
    if (++f.failed <= 3) {
      std::printf("  job failed: %s: %s\n", OutcomeName(r.outcome), r.message.c_str());
    }
    return;
  }
  f.analysis_s += r.analysis_s;
  f.points += static_cast<double>(r.vectors.at("time").size());
}

Figures RunPool(int workers, int omp_threads, const std::vector<Job>& jobs) {
  PoolOptions options;
  options.workers = workers;
  options.session.omp_threads = omp_threads;
  WorkerPool pool(options);
  pool.Run(jobs.front());  // warm-up: workers have loaded the models once
  Figures f;
  const auto start = Clock::now();
  pool.RunAll(jobs, [&](size_t, RunResult&& r) { Account(f, r); });
  f.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return f;
}

void Print(const char* what, const Figures& f) {
  std::printf("%-46s %8.1f samples/s  (%d samples, %.2f s wall, %d failed, %.0f points/sample)\n",
              what, f.rate(), f.n, f.wall_s, f.failed, f.n ? f.points / f.n : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  int samples_n = 300;
  int batch_n = 100;
  bool skip_batch = false;
  std::string command_line;
  for (int i = 0; i < argc; ++i) {
    command_line += (i ? " " : "") + std::string(argv[i]);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--samples" && i + 1 < argc) {
      samples_n = std::atoi(argv[++i]);
    } else if (a == "--batch-samples" && i + 1 < argc) {
      batch_n = std::atoi(argv[++i]);
    } else if (a == "--skip-batch") {
      skip_batch = true;
    } else if (a == "--print-deck") {
      const Sample zero(std::size(kDevices), 0.0);
      std::fputs(SramDeck(&zero, true).c_str(), stdout);
      return 0;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--samples N] [--batch-samples N] [--skip-batch] [--print-deck]\n",
                   argv[0]);
      return 2;
    }
  }
  double load[3] = {0, 0, 0};
  if (std::ifstream la("/proc/loadavg"); la) {
    la >> load[0] >> load[1] >> load[2];
  }
  std::printf("command: %s\n", command_line.c_str());
  std::printf("%s, %ld cores online, load average %.2f %.2f %.2f\n",
              cimchar::spice::NgspiceVersion().c_str(), sysconf(_SC_NPROCESSORS_ONLN), load[0],
              load[1], load[2]);
  std::printf("cell: 6T SRAM read, %d cells, %d transistors, '%s'\n\n", kCells, kCells * 6 + 3,
              kAnalysis);

  const std::vector<Sample> samples = DrawSamples(samples_n);
  std::vector<Job> rendered;
  for (const Sample& s : samples) {
    rendered.push_back(RenderedJob(s));
  }

  // Pools first: their workers are forked from this process before it initialises ngspice.
  const Figures pool1 = RunPool(1, 1, rendered);
  const Figures pool2 = RunPool(2, 1, rendered);
  // Two OpenMP threads per worker can be very slow on a busy machine: a tenth of the samples.
  const std::vector<Job> few(rendered.begin(),
                             rendered.begin() + std::max<ptrdiff_t>(1, samples_n / 10));
  const Figures pool1_omp2 = RunPool(1, 2, few);
  const Figures pool2_omp2 = RunPool(2, 2, few);

  // (a) in process.
  NgspiceSession session;
  session.Run(rendered.front());  // warm-up
  Figures in_process;
  {
    const auto start = Clock::now();
    const double cpu0 = CpuSeconds();
    for (const Job& job : rendered) {
      Account(in_process, session.Run(job));
    }
    in_process.cpu_s = CpuSeconds() - cpu0;
    in_process.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  }
  Figures reused;
  {
    const std::string deck = SramDeck(nullptr, false);
    const auto start = Clock::now();
    const double cpu0 = CpuSeconds();
    for (const Sample& s : samples) {
      Account(reused, session.Run(AlterJob(s, deck)));
    }
    reused.cpu_s = CpuSeconds() - cpu0;
    reused.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  }

  // (b) one `ngspice -b` process per sample, on the same rendered deck.
  auto run_batch = [&](int n, int threads) {
    Figures f;
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("spice_bench." + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      const std::filesystem::path deck = dir / "sample.cir";
      std::ofstream(deck) << SramDeck(&samples[static_cast<size_t>(i) % samples.size()], true,
                                      threads, (dir / "sample.raw").string());
      const std::string cmd =
          "ngspice -b " + deck.string() + " > " + (dir / "sample.log").string() + " 2>&1";
      const int status = std::system(cmd.c_str());
      ++f.n;
      // ngspice -b exits with 1 after a .control block even when it succeeded: judge by the raw
      // file.
      (void)status;
      if (!std::filesystem::exists(dir / "sample.raw")) {
        ++f.failed;
      }
      std::filesystem::remove(dir / "sample.raw");
    }
    f.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    std::filesystem::remove_all(dir);
    return f;
  };
  Figures batch;
  Figures batch_default_threads;
  if (!skip_batch) {
    batch = run_batch(batch_n, 1);
    batch_default_threads = run_batch(std::max(1, batch_n / 10), 0);
  }

  std::printf("(a)  in-process session, deck rendered per sample\n");
  Print("     NgspiceSession::Run", in_process);
  Print("     same, alter + reuse_circuit (no reparse)", reused);
  if (!skip_batch) {
    std::printf("(b)  one `ngspice -b` process per sample (deck + raw file of 2 vectors)\n");
    Print("     ngspice -b, set num_threads=1", batch);
    Print("     ngspice -b, Debian default threads", batch_default_threads);
    std::printf("     a/b = %.2f   (target >= 3)\n", in_process.rate() / batch.rate());
  }
  std::printf("(c)  share of (a)'s wall time outside ngspice's analysis time (rusage)\n");
  std::printf("     rendered decks:  %5.1f %%  (analysis %.3f s of %.3f s wall; target <= 5 %%)\n",
              100.0 * (1.0 - in_process.analysis_s / in_process.wall_s), in_process.analysis_s,
              in_process.wall_s);
  std::printf("     alter + reuse:   %5.1f %%  (analysis %.3f s of %.3f s wall)\n",
              100.0 * (1.0 - reused.analysis_s / reused.wall_s), reused.analysis_s, reused.wall_s);
  // Under load ngspice's analysis time exceeds this process's CPU time: it is a wall-clock
  // figure, so (c) includes time the process was descheduled; run on a quiet machine.
  std::printf("     this process's CPU time: %.3f s (rendered), %.3f s (alter + reuse)\n",
              in_process.cpu_s, reused.cpu_s);
  std::printf("(d)  worker pool, rendered decks, 1 OpenMP thread per worker\n");
  Print("     1 worker", pool1);
  Print("     2 workers", pool2);
  std::printf("     2 workers / 1 worker = %.2f   (target >= 1.9)\n", pool2.rate() / pool1.rate());
  std::printf("OpenMP threads per worker (set num_threads)\n");
  Print("     1 worker,  2 threads", pool1_omp2);
  Print("     2 workers, 2 threads", pool2_omp2);
  std::printf(
      "     1 worker: 2 threads / 1 thread = %.2f;  2 workers: 2 threads / 1 thread = %.2f\n",
      pool1_omp2.rate() / pool1.rate(), pool2_omp2.rate() / pool2.rate());
  return 0;
}
