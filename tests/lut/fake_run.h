#pragma once

// A small fake characterization run shared by the lut tests and the sample writer: a
// corner x vdd x temp grid, a few Monte Carlo samples, per-code columns and some failures.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lut/reduce.h"
#include "lut/store.h"

namespace cimchar::lut::testing {

inline RunSpec FakeSpec() {
  return RunSpec{
      .grid = {Axis::Categorical("corner", {"tt", "ff"}),
               Axis::Numeric("vdd", "V", {0.9, 1.0, 1.1}),
               Axis::Numeric("temp", "K", {300.0, 350.0})},
      .samples_per_point = 4,
      .columns = {{.name = "line_v", .units = "V"},
                  {.name = "energy_j", .units = "J"},
                  {.name = "code0_v", .units = "V"},
                  {.name = "code1_v", .units = "V"}},
  };
}

inline Provenance FakeProvenance() {
  return Provenance{
      .recipe_text = "bench = adc\nsamples = 4\n",
      .master_seed = 42,
      .input_sha256 = {{"netlists/blocks/sar_adc.sp", Sha256Hex("sar")},
                       {"netlists/models/ptm65.lib", Sha256Hex("models")}},
      .ngspice_version = "ngspice-39",
  };
}

// A deterministic "measurement": depends only on (grid point, sample), like the real sampler.
inline Record FakeRecord(const RunSpec& spec, uint64_t grid_point, uint64_t sample) {
  Record r{.grid_point = grid_point, .sample = sample};
  if ((grid_point * 7 + sample) % 11 == 3) {
    r.status = SampleStatus::kFailed;
    r.reason = (grid_point % 2) ? "no convergence" : "timeout";
    return r;
  }
  const auto index = spec.GridIndex(grid_point);
  const double vdd = spec.grid[1].values()[index[1]];
  const double noise = std::sin(static_cast<double>(grid_point * 131 + sample * 17)) * 1e-3;
  r.values = {0.5 * vdd + noise, 1e-13 * vdd * vdd * (1.0 + noise), 0.25 * vdd + noise,
              0.75 * vdd - noise};
  return r;
}

inline std::vector<QuantityTable> FakeTables(const RunSpec& spec,
                                             const std::vector<Record>& records) {
  const Reduction line = ReduceSamples(
      spec, records, {.quantity = "apath/line_v", .units = "V", .columns = {"line_v"}});
  const Reduction codes = ReduceSamples(spec, records,
                                        {.quantity = "adc/transition_v",
                                         .units = "V",
                                         .columns = {"code0_v", "code1_v"},
                                         .column_axis = Axis::Numeric("code", "1", {0.0, 1.0})});
  const Reduction energy = ReduceSamples(
      spec, records, {.quantity = "energy/conv_j", .units = "J", .columns = {"energy_j"}});
  return {{Statistic::kMean, line.mean},
          {Statistic::kStaticSigma, line.static_sigma},
          {Statistic::kMean, codes.mean},
          {Statistic::kStaticSigma, codes.static_sigma},
          {Statistic::kMean, energy.mean}};
}

// Writes a complete run in grid order.
inline void WriteFakeRun(const std::filesystem::path& out) {
  const RunSpec spec = FakeSpec();
  auto writer = RunWriter::Create(out, spec, FakeProvenance());
  for (uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    for (uint64_t s = 0; s < spec.samples_per_point; ++s) {
      writer->Append(FakeRecord(spec, g, s));
    }
  }
  writer->Finalize(FakeTables(spec, writer->Records()));
}

}  // namespace cimchar::lut::testing
