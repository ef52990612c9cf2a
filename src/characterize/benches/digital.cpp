// Digital path bench: the NOR D_MULT (netlists/cells/d_mult.sp) and one full-adder cell of the
// adder tree (netlists/blocks/full_adder.sp), energy per evaluation vs input activity. One
// transient per Monte Carlo sample: a settling evaluation, then `evaluations` evaluations of
// t_eval per point of the `activity` axis, inputs changing at the start of each evaluation.
//
// D_MULT (digital/dmult_energy_j): activity = fraction of evaluations whose output DOUT =
// NOR(LBLB, GBLB) toggles, k = round(activity * evaluations) of them, spread evenly. An
// evaluation that keeps DOUT = 0 changes the inputs (W, A) among (0,0), (0,1), (1,0) in two of
// three cases, as uniform random bits do; one that keeps DOUT = 1 keeps (1,1). Energy: the NOR's
// own supply, its output driving one full-adder input (a load adder on a supply of its own) plus
// `c_wire`; the input gate charge is the drivers' (LBLB: precharge/energy_row_j, GBLB: the
// activation driver) and is not counted.
//
// Full adder (digital/fa_energy_j): activity = fraction of evaluations in which each input (A,
// B, CI) changes; each input changes in exactly k evaluations, at positions drawn once from a
// fixed pseudo-random sequence (the same deck for every sample and grid point). S and CO each
// drive one full-adder input (a load adder on its own supply) plus `c_wire`, so the cell's
// energy includes charging the next cell's inputs, as in the tree. Energy: the cell's own
// supply, leakage over the evaluation included.
//
// Adder-tree composition rule (measure::AdderTreeFullAdders, netlists/blocks/full_adder.sp): a
// tree summing N one-bit inputs is built level by level from ripple-carry adders; level l pairs
// up the n_(l-1) operands of the level before (n_0 = N) with floor(n_(l-1)/2) adders of l cells
// each (an odd operand passes on), n_l = ceil(n_(l-1)/2), until one operand is left:
//     N_FA = sum_l l * floor(n_(l-1)/2)          (144 inputs -> 281 cells)
// and the tree spends N_FA * fa_energy_j(activity) per evaluation (wiring ignored).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

constexpr const char* kDeck =
    R"(* digital bench: D_MULT NOR and full-adder cell, energy per evaluation vs activity
{{models}}
.include ../cells/d_mult.sp
.include ../blocks/full_adder.sp
.temp {{temp}}
vddm vddm 0 {{vdd}}
vddf vddf 0 {{vdd}}
vddl vddl 0 {{vdd}}
vss vss 0 0
vlblb lblb 0 {{lblb}}
vgblb gblb 0 {{gblb}}
va a 0 {{a}}
vb b 0 {{b}}
vci ci 0 {{ci}}
xd lblb gblb dout vddm vss d_mult
cwd dout 0 {{c_wire}}
xld dout vss vss lds ldc vddl vss full_adder
xf a b ci s co vddf vss full_adder
cws s 0 {{c_wire}}
cwc co 0 {{c_wire}}
xlf s vss co lfs lfc vddl vss full_adder
.end
)";

// Fixed seed of the full adder's toggle positions (part of the bench's definition).
constexpr std::uint32_t kPatternSeed = 20240603;

class DigitalBench final : public Bench {
 public:
  explicit DigitalBench(const Recipe& recipe) : recipe_(recipe) {
    CheckBenchKeys(recipe, {"activity", "evaluations", "t_eval", "t_edge", "c_wire"});
    evaluations_ = RangedInt(recipe, "evaluations", 16, 3, 256);
    t_edge_s_ = RangedNumber(recipe, "t_edge", 50e-12, 1e-12, 1e-9, "s");
    t_eval_s_ = RangedNumber(recipe, "t_eval", 1e-9, 10 * t_edge_s_, 1e-6, "s");
    c_wire_f_ = RangedNumber(recipe, "c_wire", 0.25e-15, 1e-18, 1e-12, "F");
    const std::vector<double> asked = BenchNumbers(recipe, "activity", {0.0, 0.25, 0.5, 0.75, 1.0});
    for (double a : asked) {
      if (!(a >= 0.0 && a <= 1.0)) {
        throw UsageError("recipe key 'digital.activity' has " + netlist::FormatNumber(a) +
                         ", outside [0, 1]");
      }
      const int k = static_cast<int>(std::lround(a * evaluations_));
      if (!toggles_.empty() && k <= toggles_.back()) {
        throw UsageError(
            "recipe key 'digital.activity' must increase by at least 1/digital.evaluations "
            "(= " +
            netlist::FormatNumber(1.0 / evaluations_) + ") from entry to entry");
      }
      toggles_.push_back(k);
      activity_.push_back(static_cast<double>(k) / evaluations_);
    }
    if (activity_.size() < 2) {
      throw UsageError("recipe key 'digital.activity' needs at least two values");
    }
  }

  std::string Name() const override { return "digital"; }
  std::vector<BenchAxis> Axes() const override { return {}; }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (const char* q : {"dmult_energy_j_", "fa_energy_j_"}) {
      for (std::size_t s = 0; s < activity_.size(); ++s) {
        c.push_back({q + std::to_string(s), "J"});
      }
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    const lut::Axis axis = lut::Axis::Numeric("activity", "1", activity_);
    lut::ReduceRequest dmult{
        .quantity = "digital/dmult_energy_j", .units = "J", .columns = {}, .column_axis = axis};
    lut::ReduceRequest fa{
        .quantity = "digital/fa_energy_j", .units = "J", .columns = {}, .column_axis = axis};
    for (std::size_t s = 0; s < activity_.size(); ++s) {
      dmult.columns.push_back("dmult_energy_j_" + std::to_string(s));
      fa.columns.push_back("fa_energy_j_" + std::to_string(s));
    }
    return {dmult, fa};
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    const Patterns pat = MakePatterns();
    const double vd = p.vdd_v;
    // Logic levels: LBLB = not W, GBLB = not A.
    auto levels = [&](const std::vector<int>& bits, bool inverted) {
      std::vector<double> v;
      for (int b : bits) {
        v.push_back((b != 0) != inverted ? vd : 0.0);
      }
      return Steps(v);
    };
    netlist::Bindings b;
    b.Set("vdd", vd).Set("temp", p.temp_c).Set("c_wire", c_wire_f_);
    b.SetText("lblb", levels(pat.w, true)).SetText("gblb", levels(pat.a, true));
    b.SetText("a", levels(pat.fa[0], false)).SetText("b", levels(pat.fa[1], false));
    b.SetText("ci", levels(pat.fa[2], false));
    return RenderBenchText(recipe_, kDeck, "digital bench (src/characterize/benches/digital.cpp)",
                           p.corner, b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& /*p*/) const override {
    const double t_stop = t_eval_s_ * static_cast<double>(1 + Segments() * evaluations_);
    // Maximum step 2 t_edge between the edges (the charge integrals move by about 1 % from
    // t_edge / 2, as much as between smaller steps).
    return {"tran " + netlist::FormatNumber(2 * t_edge_s_) + " " + netlist::FormatNumber(t_stop)};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    return {"time", "i(vddm)", "i(vddf)", "v(dout)", "v(s)", "v(co)"};
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    const auto t = Vec(run, "time");
    const Patterns pat = MakePatterns();
    CheckLogic(p, t, Vec(run, "v(dout)"), pat.dout, "D_MULT output DOUT");
    CheckLogic(p, t, Vec(run, "v(s)"), pat.sum, "full-adder sum S");
    CheckLogic(p, t, Vec(run, "v(co)"), pat.carry, "full-adder carry CO");
    std::vector<double> dmult, fa;
    for (std::size_t s = 0; s < Segments(); ++s) {
      const double t0 = t_eval_s_ * static_cast<double>(1 + s * evaluations_);
      const double t1 = std::min(t0 + t_eval_s_ * evaluations_, t.back());
      dmult.push_back(measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vddm)"), t0, t1) /
                      evaluations_);
      fa.push_back(measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vddf)"), t0, t1) / evaluations_);
    }
    dmult.insert(dmult.end(), fa.begin(), fa.end());
    return dmult;
  }

  std::string DynamicNoiseMethod() const override { return "none (energies)"; }

 private:
  // Logic value of every input and output per evaluation (index 0: the settling evaluation).
  struct Patterns {
    std::vector<int> w, a, dout;
    std::vector<int> fa[3];
    std::vector<int> sum, carry;
  };

  std::size_t Segments() const { return activity_.size(); }

  Patterns MakePatterns() const {
    Patterns pat;
    // D_MULT: toggles spread evenly (Bresenham), the other evaluations as described on top.
    // DOUT = 0 states as (W << 1 | A), in the order they are visited.
    constexpr int kZeroStates[3] = {0b00, 0b01, 0b10};
    int state = 0, leave = 0, keep = 0;
    pat.w.push_back(0);
    pat.a.push_back(0);
    for (std::size_t s = 0; s < Segments(); ++s) {
      const long long k = toggles_[s];
      for (int j = 0; j < evaluations_; ++j) {
        const bool toggle = (j + 1) * k / evaluations_ > j * k / evaluations_;
        if (toggle) {
          state = state == 0b11 ? kZeroStates[leave++ % 3] : 0b11;
        } else if (state != 0b11 && ++keep % 3 != 0) {
          state = state == 0b00 ? 0b01 : state == 0b01 ? 0b10 : 0b00;
        }
        pat.w.push_back(state >> 1);
        pat.a.push_back(state & 1);
      }
    }
    for (std::size_t n = 0; n < pat.w.size(); ++n) {
      pat.dout.push_back(pat.w[n] & pat.a[n]);
    }
    // Full adder: each input changes in exactly k evaluations of a segment, positions drawn by
    // a Fisher-Yates shuffle from a fixed-seed mt19937 (its output sequence is standardised).
    std::mt19937 rng(kPatternSeed);
    int bits[3] = {0, 0, 0};
    for (auto& f : pat.fa) {
      f.push_back(0);
    }
    for (std::size_t s = 0; s < Segments(); ++s) {
      std::vector<int> change[3];
      for (auto& c : change) {
        c.assign(static_cast<std::size_t>(evaluations_), 0);
        std::fill(c.begin(), c.begin() + toggles_[s], 1);
        for (std::size_t i = c.size() - 1; i > 0; --i) {
          std::swap(c[i], c[rng() % (i + 1)]);
        }
      }
      for (int j = 0; j < evaluations_; ++j) {
        for (int i = 0; i < 3; ++i) {
          bits[i] ^= change[i][static_cast<std::size_t>(j)];
          pat.fa[i].push_back(bits[i]);
        }
      }
    }
    for (std::size_t n = 0; n < pat.fa[0].size(); ++n) {
      const int total = pat.fa[0][n] + pat.fa[1][n] + pat.fa[2][n];
      pat.sum.push_back(total & 1);
      pat.carry.push_back(total >> 1);
    }
    return pat;
  }

  // A PWL holding levels[n] during evaluation n, edges t_edge at the start of each evaluation.
  std::string Steps(const std::vector<double>& levels) const {
    std::vector<std::pair<double, double>> pts = {{0.0, levels.front()}};
    for (std::size_t n = 1; n < levels.size(); ++n) {
      if (levels[n] != levels[n - 1]) {
        const double t = static_cast<double>(n) * t_eval_s_;
        pts.insert(pts.end(), {{t, levels[n - 1]}, {t + t_edge_s_, levels[n]}});
      }
    }
    return Pwl(pts);
  }

  // The node must hold the expected logic value at the end of every evaluation (a sample whose
  // logic fails is not an energy figure).
  void CheckLogic(const GridPoint& p,
                  std::span<const double> t,
                  std::span<const double> v,
                  const std::vector<int>& expect,
                  const char* what) const {
    for (std::size_t n = 0; n < expect.size(); ++n) {
      const double at = (static_cast<double>(n) + 0.95) * t_eval_s_;
      const double x = measure::ValueAt(t, v, std::min(at, t.back()));
      if ((x > 0.5 * p.vdd_v) != (expect[n] != 0)) {
        throw Error(std::string(what) + " is " + netlist::FormatNumber(x) +
                    " V at the end of "
                    "evaluation " +
                    std::to_string(n) + ", expected logic " + std::to_string(expect[n]) +
                    " (raise digital.t_eval)");
      }
    }
  }

  Recipe recipe_;
  int evaluations_ = 16;
  double t_eval_s_ = 0, t_edge_s_ = 0, c_wire_f_ = 0;
  std::vector<int> toggles_;
  std::vector<double> activity_;
};

}  // namespace

std::unique_ptr<Bench> MakeDigitalBench(const Recipe& recipe) {
  return std::make_unique<DigitalBench>(recipe);
}

}  // namespace cimchar::characterize::benches
