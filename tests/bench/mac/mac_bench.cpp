// Throughput of the behavioral MAC model, 8b x 8b, 144 rows x 8 columns: MAC/s per core for
// DCIM (exact), HCIM and OSA-HCIM with all noise on, beside a plain integer dot product in the
// same run, and the scaling on 2 threads. One MAC = one row of one column (a 144-row dot product
// is 144 MACs). Usage: mac_bench [vectors] [repeats]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "calib/macro.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"

namespace {

using cimchar::mac::MacArray;
using cimchar::mac::MacRunner;
using cimchar::mac::Rng;
using Clock = std::chrono::steady_clock;

constexpr int kRows = 144;
constexpr int kColumns = 8;

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs `runner` over vectors [begin, end) `repeats` times; returns the output checksum.
double RunModel(const MacRunner& runner,
                const std::vector<std::int32_t>& acts,
                std::size_t begin,
                std::size_t end,
                int repeats,
                std::uint64_t seed) {
  MacRunner::Workspace ws;
  std::vector<double> out(kColumns);
  double sink = 0.0;
  Rng noise(seed);
  for (int rep = 0; rep < repeats; ++rep) {
    for (std::size_t n = begin; n < end; ++n) {
      runner.Run(std::span(acts).subspan(n * kRows, kRows), noise, ws, out, nullptr);
      sink += out[0];
    }
  }
  return sink;
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("command:");
  for (int i = 0; i < argc; ++i) {
    std::printf(" %s", argv[i]);
  }
  std::printf("\n");
  const std::size_t vectors = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4096;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 20;
  std::printf(
      "8b x 8b, %d rows x %d columns, %zu input vectors x %d repeats, hardware threads %u\n", kRows,
      kColumns, vectors, repeats, std::thread::hardware_concurrency());

  cimchar::mac::MacShape shape;  // defaults: 8b x 8b, 144 x 8, 3-bit ADC, window 4
  const auto weights = cimchar::mac::RandomWeights(shape, kRows, kColumns, 1);
  const MacArray array(shape, cimchar::calib::AnalyticMacro({.geometry = shape.geometry()}),
                       weights, kRows, kColumns, 7);
  std::vector<std::int32_t> acts(vectors * kRows);
  {
    Rng rng(3);
    const auto gen = cimchar::mac::ScaledInputs(8);
    for (std::size_t n = 0; n < vectors; ++n) {
      gen(static_cast<std::int64_t>(n), rng, std::span(acts).subspan(n * kRows, kRows));
    }
  }
  const double macs = static_cast<double>(vectors) * repeats * kRows * kColumns;

  // Plain integer dot product (weights row-major, the compiler may vectorize it).
  double plain_rate = 0.0;
  {
    std::int64_t sink = 0;
    const auto t0 = Clock::now();
    for (int rep = 0; rep < repeats; ++rep) {
      for (std::size_t n = 0; n < vectors; ++n) {
        std::int32_t y[kColumns] = {};
        const std::int32_t* a = &acts[n * kRows];
        for (int r = 0; r < kRows; ++r) {
          for (int c = 0; c < kColumns; ++c) {
            y[c] += a[r] * weights[static_cast<std::size_t>(r) * kColumns + c];
          }
        }
        for (int c = 0; c < kColumns; ++c) {
          sink += y[c];
        }
      }
    }
    plain_rate = macs / Seconds(t0);
    std::printf("%-34s %10.3e MAC/s   (checksum %lld)\n", "plain integer dot product", plain_rate,
                static_cast<long long>(sink));
  }

  cimchar::mac::RunOptions dcim{.mode = cimchar::mac::Mode::kDcim};
  cimchar::mac::RunOptions hcim;
  hcim.boundary = 8;
  cimchar::mac::RunOptions osa;
  osa.mode = cimchar::mac::Mode::kOsaHcim;
  osa.ose.candidates = {5, 6, 7, 8, 9, 10};
  osa.ose.thresholds = {60, 45, 30, 20, 10};
  struct Case {
    const char* name;
    cimchar::mac::RunOptions options;
  };
  const Case cases[] = {{"DCIM exact", dcim},
                        {"HCIM B_D/A=8, all noise on", hcim},
                        {"OSA-HCIM B=5..10, all noise on", osa}};
  double osa_rate = 0.0;
  for (const Case& c : cases) {
    const MacRunner runner(array, c.options);
    const auto t0 = Clock::now();
    const double sink = RunModel(runner, acts, 0, vectors, repeats, 11);
    const double rate = macs / Seconds(t0);
    std::printf("%-34s %10.3e MAC/s   %6.1fx slower than plain   (checksum %.6g)\n", c.name, rate,
                plain_rate / rate, sink);
    osa_rate = rate;
  }

  // Two threads, each on half of the vectors.
  {
    const MacRunner runner(array, osa);
    double sinks[2] = {};
    const auto t0 = Clock::now();
    {
      std::jthread t1([&] { sinks[0] = RunModel(runner, acts, 0, vectors / 2, repeats, 11); });
      std::jthread t2(
          [&] { sinks[1] = RunModel(runner, acts, vectors / 2, vectors, repeats, 12); });
    }
    const double rate = macs / Seconds(t0);
    std::printf("%-34s %10.3e MAC/s   scaling %.2fx over 1 thread   (checksum %.6g)\n",
                "OSA-HCIM, 2 threads", rate, rate / osa_rate, sinks[0] + sinks[1]);
  }
  std::printf("target: OSA-HCIM with noise >= 3e8 MAC/s per core and within 100x of plain: %s\n",
              osa_rate >= 3e8 && plain_rate / osa_rate <= 100.0 ? "met" : "NOT met");
  return 0;
}
