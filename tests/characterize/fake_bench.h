#pragma once

// A fake engine and bench for orchestration tests of characterization runs (no ngspice): the
// engine's result is a deterministic function of the deck's grid point and the sample's
// mismatch, with non-convergent and crashing samples.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "characterize/bench.h"
#include "characterize/recipe.h"
#include "core/error.h"
#include "spice/engine.h"

#ifndef CIMCHAR_TEST_DATA
#error "CIMCHAR_TEST_DATA must name tests/characterize/data"
#endif

namespace cimchar::characterize::testing {

inline const std::filesystem::path kData = CIMCHAR_TEST_DATA;

// Reads "* vdd=V code=C" from the deck and sums the delvto alters: a deterministic function of
// the grid point and the sample's mismatch. Non-convergent when asked by the deck, unless the
// relaxed options are applied.
class FakeEngine : public spice::Engine {
 public:
  explicit FakeEngine(int delay_ms) : delay_ms_(delay_ms) {}
  spice::RunResult Run(const spice::Job& job) override {
    if (delay_ms_ > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    }
    spice::RunResult r;
    double vdd = 0, code = 0, sum = 0;
    bool gear = false;
    std::sscanf(job.deck.c_str() + job.deck.find("* vdd="), "* vdd=%lf code=%lf", &vdd, &code);
    if (vdd >= 10) {
      r.outcome = spice::Outcome::kFatal;
      r.message = "second run crashed";
      return r;
    }
    for (const auto& c : job.commands) {
      if (auto p = c.find("[delvto]="); p != std::string::npos) {
        sum += std::stod(c.substr(p + 9));
      }
      gear = gear || c == "option method=gear";
    }
    if (code == 2 && sum > 0.01 && !gear) {
      r.outcome = spice::Outcome::kNoConvergence;
      r.message = "timestep too small";
      return r;
    }
    if (code == 1 && sum < -0.03) {
      r.outcome = spice::Outcome::kFatal;
      r.message = "worker crashed";
      return r;
    }
    r.outcome = spice::Outcome::kOk;
    r.vectors["out"] = {vdd + 0.1 * code + sum};
    r.vectors["e"] = {1e-15 * vdd * vdd};
    return r;
  }

 private:
  int delay_ms_;
};

class FakeBench : public Bench {
 public:
  std::string Name() const override { return "fake"; }
  std::vector<BenchAxis> Axes() const override { return {{"code", "1", {0, 1, 2}}}; }
  std::vector<Column> Columns() const override { return {{"out_v", "V"}, {"energy_j", "J"}}; }
  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    inputs.push_back(kData / "fake.ini");
    std::ostringstream d;
    d << "fake deck\n* vdd=" << p.vdd_v << " code=" << p.block[0] << "\n"
      << "M1 a b c d nch w=1e-7 l=6.5e-8\nM2 a b c d nch w=2e-7 l=6.5e-8\nC1 a 0 1e-15\n.end\n";
    return d.str();
  }
  std::vector<std::string> Analysis(const GridPoint&) const override { return {"tran 1 1"}; }
  std::vector<std::string> Vectors(const GridPoint&) const override { return {"out", "e"}; }
  std::vector<double> Measure(const GridPoint&, const spice::RunResult& r) const override {
    return {r.vectors.at("out").at(0), r.vectors.at("e").at(0)};
  }
  std::vector<double> DynamicSigma(const GridPoint& p) const override {
    return {1e-3 * p.vdd_v, NAN};
  }
  std::string DynamicNoiseMethod() const override { return "stated: 1 mV per volt of supply"; }
};

// The fake bench with a second run per sample, built from the first's result: a deck holding
// only M2 (so its mismatch is M2's alone) whose "* vdd=" line carries the first run's output.
// A value of 10 or more asks the fake engine to crash the second run.
class TwoRunFakeBench : public FakeBench {
 public:
  std::optional<Run> FollowUp(const GridPoint& p, const spice::RunResult& first) const override {
    std::ostringstream d;
    d.precision(17);
    const double out = first.vectors.at("out").at(0);
    d << "fake second run\n* vdd=" << (p.block[0] == 1 ? 10.0 : out)
      << " code=0\nM2 a b c d nch w=2e-7 l=6.5e-8\n.end\n";
    return Run{.deck = d.str(), .analysis = {"tran 1 2"}, .vectors = {"out"}};
  }
  std::vector<double> Measure(const GridPoint&, const spice::RunResult&) const override {
    throw Error("measured with one run");
  }
  std::vector<double> MeasureRuns(const GridPoint&,
                                  const spice::RunResult& first,
                                  const spice::RunResult& second) const override {
    return {second.vectors.at("out").at(0), first.vectors.at("e").at(0)};
  }
};

inline Recipe TestRecipe() {
  Recipe r = LoadRecipe(kData / "fake.ini", "", {{"samples", "12"}});
  r.mismatch.scale = 3.0;  // enough spread to hit the fake's failure paths
  return r;
}

}  // namespace cimchar::characterize::testing
