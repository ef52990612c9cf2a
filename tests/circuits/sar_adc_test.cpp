// SAR ADC: every code reachable, monotonic transfer, DNL/INL and energy per conversion; the
// transistor-level and the XSPICE SAR logic give the same codes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "adc_support.h"
#include "circuits_support.h"
#include "measure/block_netlists.h"
#include "measure/transfer.h"
#include "measure/waveform.h"

namespace cimchar::circuits_test {
namespace {

struct Conversions {
  std::vector<long long> codes;
  double energy_per_conversion_j = 0.0;
};

// The transient: the adc bench's steps (every clock and sampling edge is a PWL breakpoint).
std::string Tran(double t_stop) {
  return "tran 2.5e-11 " + netlist::FormatNumber(t_stop) + " 0 2e-10";
}

// The deck converting each input in turn (one conversion each) in one transient; `t_stop`
// receives the transient's length.
std::string ConversionDeck(double vdd,
                           const std::vector<double>& vin,
                           measure::SarLogic logic,
                           double& t_stop) {
  const double tclk = AdcClock(vdd);
  const double ts = AdcSampleTime(vdd);
  const double te = 5e-11;
  const double tconv = measure::SarConversionTime(kAdcBits, ts, tclk);
  // The input changes a quarter clock after SMP falls (while the sample is held).
  std::string pwl = "pwl(0 " + netlist::FormatNumber(vin.front());
  for (std::size_t c = 1; c < vin.size(); ++c) {
    double t = static_cast<double>(c - 1) * tconv + ts + tclk / 4;
    pwl += " " + netlist::FormatNumber(t) + " " + netlist::FormatNumber(vin[c - 1]) + " " +
           netlist::FormatNumber(t + te) + " " + netlist::FormatNumber(vin[c]);
  }
  pwl += ")";
  netlist::Bindings b;
  b.Set("vdd", vdd).Set("temp", 27.0).Set("vref", AdcVref(vdd)).Set("vcm", measure::kSarVcmV);
  const int n = static_cast<int>(vin.size());
  b.SetText("smp", measure::SarSamplePwl(kAdcBits, vdd, ts, tclk, te, n));
  b.SetText("clk", measure::SarClockPwl(kAdcBits, vdd, ts, tclk, te, n));
  b.SetText("adc", measure::SarAdcSubckt(AdcOptions(vdd, logic)));
  b.Set("bits", kAdcBits).SetText("adc_bits", measure::SarAdcPorts(kAdcBits)).SetText("vin", pwl);
  t_stop = static_cast<double>(vin.size()) * tconv;
  return RenderBench("sar_adc.sp", b);
}

// Converts each input in turn (one conversion each) in one transient. Energy: VDD's, and the
// charge VREF and VCM deliver counted at VDD (a reference buffer supplied from VDD draws it).
Conversions Convert(double vdd,
                    const std::vector<double>& vin,
                    const std::string& tag,
                    measure::SarLogic logic = measure::SarLogic::kTransistor) {
  const double tclk = AdcClock(vdd);
  const double tconv = measure::SarConversionTime(kAdcBits, AdcSampleTime(vdd), tclk);
  double t_stop = 0.0;
  const std::string deck = ConversionDeck(vdd, vin, logic, t_stop);
  std::vector<std::string> vec = {"time", "vdd#branch", "vref#branch", "vcm#branch"};
  for (int k = 0; k < kAdcBits; ++k) {
    vec.push_back("v(b" + std::to_string(k) + ")");
  }
  auto r = RunBench("sar_adc_" + tag, deck, {Tran(t_stop)}, vec);
  Conversions out;
  if (!r.ok()) {
    return out;
  }
  const auto& t = r.vectors.at("time");
  for (std::size_t c = 0; c < vin.size(); ++c) {
    double at = static_cast<double>(c + 1) * tconv - 0.25 * tclk;
    std::vector<double> levels;
    for (int k = 0; k < kAdcBits; ++k) {
      levels.push_back(measure::ValueAt(t, r.vectors.at("v(b" + std::to_string(k) + ")"), at));
    }
    out.codes.push_back(measure::CodeFromLevels(levels, vdd / 2));
  }
  double e = 0.0;
  for (const char* source : {"vdd#branch", "vref#branch", "vcm#branch"}) {
    e += measure::SupplyEnergy(t, vdd, r.vectors.at(source), 0, t_stop);
  }
  out.energy_per_conversion_j = e / static_cast<double>(vin.size());
  return out;
}

// Two inputs per code, at 0.2 and 0.45 LSB above its nominal transition: the comparator's
// systematic offset puts the transitions about 0.3 LSB below D LSB, so both stay at least a
// quarter LSB from a transition and the two logic versions see the same decisions.
std::vector<double> Ramp(double vdd) {
  std::vector<double> ramp;
  for (int code = 0; code < (1 << kAdcBits); ++code) {
    ramp.push_back((code + 0.2) * AdcLsb(vdd));
    ramp.push_back((code + 0.45) * AdcLsb(vdd));
  }
  return ramp;
}

// The ramp converted with the transistor-level logic, once per supply.
const Conversions& TransistorRamp(double vdd) {
  static std::map<double, Conversions> done;
  auto it = done.find(vdd);
  if (it == done.end()) {
    it = done.emplace(vdd, Convert(vdd, Ramp(vdd), "ramp_transistor_" + VddTag(vdd))).first;
  }
  return it->second;
}

class SarAdcTest : public ::testing::TestWithParam<double> {};

TEST_P(SarAdcTest, CodesMonotonicDnlInlEnergy) {
  const double vdd = GetParam();
  const int levels = 1 << kAdcBits;
  const double lsb = AdcLsb(vdd);
  // Coarse pass: the ramp, 2 inputs per LSB (gaps of 0.25 and 0.75 LSB).
  const std::vector<double> coarse = Ramp(vdd);
  const Conversions& c1 = TransistorRamp(vdd);
  ASSERT_EQ(c1.codes.size(), coarse.size());
  auto t1 = measure::TransitionLevels(coarse, c1.codes, levels - 1);
  // Every code appears.
  for (long long code = 0; code < levels; ++code) {
    EXPECT_NE(std::find(c1.codes.begin(), c1.codes.end(), code), c1.codes.end()) << code;
  }
  // Fine pass: four inputs inside the coarse step around each transition.
  const double step = 0.75 * lsb;
  std::vector<double> fine;
  for (double tr : t1) {
    for (double f : {-0.375, -0.125, 0.125, 0.375}) {
      fine.push_back(tr + f * step);
    }
  }
  std::sort(fine.begin(), fine.end());
  auto c2 = Convert(vdd, fine, "fine_" + VddTag(vdd));
  ASSERT_EQ(c2.codes.size(), fine.size());
  // Merge both passes (sorted by input) and take the transitions.
  std::vector<std::pair<double, long long>> all;
  for (std::size_t i = 0; i < coarse.size(); ++i) {
    all.emplace_back(coarse[i], c1.codes[i]);
  }
  for (std::size_t i = 0; i < fine.size(); ++i) {
    all.emplace_back(fine[i], c2.codes[i]);
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end(),
                        [](const auto& a, const auto& b) { return a.first == b.first; }),
            all.end());
  std::vector<double> x;
  std::vector<long long> codes;
  for (const auto& [v, c] : all) {
    x.push_back(v);
    codes.push_back(c);
  }
  std::vector<double> xs(x);
  ASSERT_NO_THROW(measure::TransitionLevels(x, codes, levels - 1)) << "transfer not monotonic";
  auto tr = measure::TransitionLevels(x, codes, levels - 1);
  auto lin = measure::AdcLinearityFromTransitions(tr);
  const std::string k = "sar_adc_" + VddTag(vdd);
  Report(k + "_lsb", lin.lsb * 1e3, "mV");
  Report(k + "_range", lin.lsb * levels * 1e3, "mV");
  Report(k + "_first_transition", tr.front() / lin.lsb, "LSB");
  Report(k + "_max_dnl", lin.max_abs_dnl_lsb, "LSB");
  Report(k + "_max_inl", lin.max_abs_inl_lsb, "LSB");
  Report(k + "_energy_per_conversion", c2.energy_per_conversion_j * 1e15, "fJ");
  // The transitions lie at D LSB up to the comparator's offset and the switches' injection.
  constexpr double kLinearityBoundLsb = 0.5;
  constexpr double kOffsetBoundLsb = 0.5;
  const double bound = kLinearityBoundLsb;
  EXPECT_NEAR(tr.front(), lsb, kOffsetBoundLsb * lsb);
  EXPECT_NEAR(lin.lsb, lsb, 0.1 * lsb);
  EXPECT_LT(lin.max_abs_dnl_lsb, bound);
  EXPECT_LT(lin.max_abs_inl_lsb, bound);
  EXPECT_GT(c2.energy_per_conversion_j, 0.0);
}

// Monte Carlo keeps the parsed circuit between samples (Job::reuse_circuit). The SAR ADC
// (XSPICE logic, many PWL breakpoints) is the deck where ngspice 39 once diverged on a rerun
// after the session destroyed the plot the circuit had written: reruns must equal a fresh load.
TEST(SarAdcReuse, RerunOfKeptCircuitEqualsFreshLoad) {
  const double vdd = 1.0;
  double t_stop = 0.0;
  const std::string deck =
      ConversionDeck(vdd, {0.05, 0.15, 0.3}, measure::SarLogic::kXspice, t_stop);
  spice::Job job{.deck = deck,
                 .commands = {Tran(t_stop)},
                 .vectors = {"time", "v(b0)", "v(b1)", "v(b2)"},
                 .timeout_s = 120.0,
                 .reuse_circuit = false};
  const spice::RunResult fresh = Session().Run(job);
  ASSERT_TRUE(fresh.ok()) << fresh.message;
  job.reuse_circuit = true;
  for (int run = 0; run < 3; ++run) {
    const spice::RunResult kept = Session().Run(job);
    ASSERT_TRUE(kept.ok()) << kept.message;
    EXPECT_EQ(kept.vectors, fresh.vectors) << "rerun " << run << " of the kept circuit";
  }
  spice::Job other = job;
  other.reuse_circuit = false;  // unloads the kept circuit for the tests that follow
  ASSERT_TRUE(Session().Run(other).ok());
}

// The transistor-level SAR logic and the XSPICE logic (adc.logic = xspice) give the same codes on
// a ramp over the whole range; the XSPICE logic draws no supply current, so its conversion
// energy lacks the logic's.
TEST_P(SarAdcTest, TransistorAndXspiceLogicGiveTheSameCodes) {
  const double vdd = GetParam();
  const std::vector<double> ramp = Ramp(vdd);
  const std::string k = "sar_adc_" + VddTag(vdd);
  const Conversions& transistor = TransistorRamp(vdd);
  const Conversions xspice =
      Convert(vdd, ramp, "ramp_xspice_" + VddTag(vdd), measure::SarLogic::kXspice);
  ASSERT_EQ(transistor.codes.size(), ramp.size());
  ASSERT_EQ(xspice.codes.size(), ramp.size());
  EXPECT_EQ(transistor.codes, xspice.codes);
  EXPECT_TRUE(std::is_sorted(transistor.codes.begin(), transistor.codes.end()));
  EXPECT_EQ(transistor.codes.front(), 0);
  EXPECT_EQ(transistor.codes.back(), (1 << kAdcBits) - 1);
  Report(k + "_energy_transistor_logic", transistor.energy_per_conversion_j * 1e15, "fJ");
  Report(k + "_energy_xspice_logic", xspice.energy_per_conversion_j * 1e15, "fJ");
  EXPECT_GT(transistor.energy_per_conversion_j, xspice.energy_per_conversion_j);
}

INSTANTIATE_TEST_SUITE_P(Tt, SarAdcTest, ::testing::ValuesIn(Supplies()), [](const auto& info) {
  return VddTag(info.param).replace(4, 1, "v");
});

}  // namespace
}  // namespace cimchar::circuits_test
