#include "calib/macro.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace cimchar::calib {

namespace {

[[noreturn]] void Fail(const std::string& what) {
  throw UsageError("characterized macro: " + what);
}

std::string Num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void CheckRange(const char* name, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    throw UsageError(std::string(name) + " = " + std::to_string(value) +
                     " is outside the allowed range " + std::to_string(lo) + ".." +
                     std::to_string(hi));
  }
}

void CheckNonNegative(const std::string& name, double value) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    Fail(name + " = " + Num(value) + " must be finite and >= 0");
  }
}

// Linear interpolation of ys over the integer grid xs (increasing) at x inside it.
double Interpolate(const std::vector<int>& xs, const std::vector<double>& ys, int x) {
  const auto it = std::lower_bound(xs.begin(), xs.end(), x);
  if (it == xs.end()) {
    throw UsageError("DAC code " + std::to_string(x) + " is above the top measured code " +
                     std::to_string(xs.back()));
  }
  const auto hi = static_cast<std::size_t>(it - xs.begin());
  if (*it == x) {
    return ys[hi];
  }
  if (hi == 0) {
    throw UsageError("DAC code " + std::to_string(x) + " is below the first measured code " +
                     std::to_string(xs.front()));
  }
  const std::size_t lo = hi - 1;
  const double f = static_cast<double>(x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + f * (ys[hi] - ys[lo]);
}

}  // namespace

std::string OperatingPoint::Describe() const {
  return corner + ", " + Num(vdd_v) + " V, " + Num(temp_c) + " degC";
}

void ValidateGeometry(const Geometry& g) {
  CheckRange("rows", g.rows, 1, 4096);
  CheckRange("columns", g.columns, 1, 1024);
  CheckRange("DAC bits", g.dac_bits, 1, 4);
  CheckRange("analog window", g.analog_window, 1, g.dac_bits);
  CheckRange("ADC bits", g.adc_bits, 1, 8);
}

double LineTransfer::StepV(int code, int rows) const {
  return (Interpolate(codes, code_v, code) - baseline_v) / rows;
}

double LineTransfer::UniformV(int code, int count, int rows) const {
  return baseline_v + count * StepV(code, rows);
}

int AdcTransfer::Bits() const {
  int bits = 0;
  while ((std::size_t{1} << bits) - 1 < transition_v.size()) {
    ++bits;
  }
  return bits;
}

double AdcTransfer::LsbV() const {
  const std::size_t n = transition_v.size();
  if (n < 2) {
    return window_lsb_v;
  }
  return (transition_v.back() - transition_v.front()) / static_cast<double>(n - 1);
}

double AdcTransfer::ConversionNoiseSigmaV() const {
  if (transition_dynamic_sigma_v.empty()) {
    return comparator_noise_sigma_v;
  }
  double sum_sq = 0.0;
  for (double s : transition_dynamic_sigma_v) {
    const double sigma = s > 0.0 ? s : comparator_noise_sigma_v;
    sum_sq += sigma * sigma;
  }
  return std::sqrt(sum_sq / static_cast<double>(transition_dynamic_sigma_v.size()));
}

double AdcTransfer::LowV() const { return transition_v.front() - LsbV(); }

double AdcTransfer::HighV() const { return transition_v.back() + LsbV(); }

double Energies::OpStepJ(const LineTransfer& line, int code, int rows) const {
  return (Interpolate(line.codes, op_code_j, code) - op_baseline_j) / rows;
}

void ValidateMacro(const Macro& m) {
  ValidateGeometry(m.geometry);
  const LineTransfer& l = m.line;
  const int top = (1 << m.geometry.dac_bits) - 1;
  if (l.codes.size() < 2 || l.codes.front() != 0 || l.codes.back() != top) {
    Fail("the line transfer must be measured at DAC code 0 and the top code " +
         std::to_string(top) + " (a " + std::to_string(m.geometry.dac_bits) + "-bit DAC), got " +
         std::to_string(l.codes.size()) + " codes" +
         (l.codes.empty() ? ""
                          : " from " + std::to_string(l.codes.front()) + " to " +
                                std::to_string(l.codes.back())));
  }
  for (std::size_t i = 1; i < l.codes.size(); ++i) {
    if (!(l.codes[i] > l.codes[i - 1])) {
      Fail("the line transfer's codes must increase");
    }
  }
  const std::size_t n = l.codes.size();
  for (const auto* v :
       {&l.code_v, &l.code_static_sigma_v, &l.code_dynamic_sigma_v, &m.energy.op_code_j}) {
    if (v->size() != n) {
      Fail("a per-code table has " + std::to_string(v->size()) + " entries for " +
           std::to_string(n) + " codes");
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(l.code_v[i])) {
      Fail("the line voltage at code " + std::to_string(l.codes[i]) + " is not finite");
    }
    CheckNonNegative("line static sigma at code " + std::to_string(l.codes[i]),
                     l.code_static_sigma_v[i]);
    CheckNonNegative("line dynamic sigma at code " + std::to_string(l.codes[i]),
                     l.code_dynamic_sigma_v[i]);
    CheckNonNegative("analog op energy at code " + std::to_string(l.codes[i]),
                     m.energy.op_code_j[i]);
  }
  if (!(m.FullScaleV() > l.baseline_v)) {
    Fail("the line's full scale " + Num(m.FullScaleV()) + " V is not above its baseline " +
         Num(l.baseline_v) + " V");
  }
  const AdcTransfer& a = m.adc;
  const std::size_t transitions = (std::size_t{1} << m.geometry.adc_bits) - 1;
  for (const auto* v :
       {&a.transition_v, &a.transition_static_sigma_v, &a.transition_dynamic_sigma_v}) {
    if (v->size() != transitions) {
      Fail("an ADC transition table has " + std::to_string(v->size()) + " entries; a " +
           std::to_string(m.geometry.adc_bits) + "-bit ADC has " + std::to_string(transitions));
    }
  }
  for (std::size_t k = 0; k < transitions; ++k) {
    if (k > 0 && !(a.transition_v[k] > a.transition_v[k - 1])) {
      Fail("ADC transitions must increase (transition " + std::to_string(k + 1) + ")");
    }
    CheckNonNegative("ADC transition static sigma", a.transition_static_sigma_v[k]);
    CheckNonNegative("ADC transition dynamic sigma", a.transition_dynamic_sigma_v[k]);
  }
  if (!(a.LsbV() > 0.0)) {
    Fail("the ADC's LSB must be > 0");
  }
  CheckNonNegative("comparator offset sigma", a.comparator_offset_sigma_v);
  CheckNonNegative("comparator noise sigma", a.comparator_noise_sigma_v);
  const Energies& e = m.energy;
  CheckNonNegative("analog op baseline energy", e.op_baseline_j);
  if (e.dac_row_j.size() != static_cast<std::size_t>(top) + 1) {
    Fail("the DAC energy table has " + std::to_string(e.dac_row_j.size()) + " codes; a " +
         std::to_string(m.geometry.dac_bits) + "-bit DAC has " + std::to_string(top + 1));
  }
  for (double j : e.dac_row_j) {
    CheckNonNegative("DAC energy", j);
  }
  for (const auto& [name, action] : std::vector<std::pair<std::string, const ActionEnergy*>>{
           {"ADC conversion energy", &e.adc_conversion},
           {"D_MULT energy (W = 0)", &e.dmult_w0},
           {"D_MULT energy (W = 1, A = 0)", &e.dmult_w1_a0},
           {"D_MULT energy (W = 1, A = 1)", &e.dmult_w1_a1},
           {"LBLB precharge energy", &e.precharge_lblb},
           {"row precharge energy per cycle", &e.precharge_row_cycle},
           {"DWL pulse energy", &e.wordline_dwl},
           {"AWL pulse energy", &e.wordline_awl},
           {"GBLB toggle energy", &e.din_toggle},
           {"row leakage per cycle", &e.leakage_row_cycle},
           {"adder-tree leakage per cycle", &e.leakage_tree_cycle},
           {"accumulator leakage per cycle", &e.leakage_accumulator_cycle},
           {"accumulate energy", &e.accumulate},
           {"N/Q energy", &e.nq},
           {"OSE decision energy", &e.ose_eval}}) {
    CheckNonNegative(name, action->energy_j);
  }
  CheckNonNegative("accumulator energy per toggled bit", e.accumulate_toggle_j);
  if (e.accumulator_bits < 2 || e.accumulator_bits > 62) {
    Fail("the accumulator has " + std::to_string(e.accumulator_bits) + " bits; 2 .. 62 expected");
  }
  if (e.adder_tree_j.size() != static_cast<std::size_t>(m.geometry.rows) + 1) {
    Fail("the adder-tree energy has " + std::to_string(e.adder_tree_j.size()) +
         " entries; a tree of " + std::to_string(m.geometry.rows) + " inputs needs one per count " +
         "of inputs at 1, 0 .. " + std::to_string(m.geometry.rows));
  }
  for (double j : e.adder_tree_j) {
    CheckNonNegative("adder-tree energy", j);
  }
}

Macro AnalyticMacro(const AnalyticOptions& options) {
  ValidateGeometry(options.geometry);
  if (!(options.adc_lo_frac >= 0.0 && options.adc_lo_frac < options.adc_hi_frac &&
        options.adc_hi_frac <= 1.0)) {
    throw UsageError("the ADC window [" + Num(options.adc_lo_frac) + ", " +
                     Num(options.adc_hi_frac) +
                     "] must satisfy 0 <= low < high <= 1 (fractions of the line's full scale)");
  }
  Macro m;
  m.origin = "analytic";
  m.geometry = options.geometry;
  constexpr double kFullScaleV = 1.0;
  constexpr double kBoltzmannJPerK = 1.380649e-23;
  constexpr double kTempK = 300.0;
  constexpr double kLineCapF = 144 * 2e-15;
  const double ktc_v = std::sqrt(kBoltzmannJPerK * kTempK / kLineCapF);
  const double dynamic_v = std::sqrt(ktc_v * ktc_v + 1e-3 * 1e-3);
  constexpr double kStaticFrac = 0.01;
  const int top = (1 << m.geometry.dac_bits) - 1;
  LineTransfer& l = m.line;
  for (int c = 0; c <= top; ++c) {
    l.codes.push_back(c);
    l.code_v.push_back(kFullScaleV * c / top);
    l.code_static_sigma_v.push_back(kStaticFrac * kFullScaleV);
    l.code_dynamic_sigma_v.push_back(dynamic_v);
  }
  l.baseline_v = 0.0;

  AdcTransfer& a = m.adc;
  const int levels = 1 << m.geometry.adc_bits;
  const double lo = options.adc_lo_frac * kFullScaleV;
  const double lsb = (options.adc_hi_frac - options.adc_lo_frac) * kFullScaleV / levels;
  a.window_lsb_v = lsb;
  constexpr double kTransitionSigmaLsb = 0.1;
  a.comparator_offset_sigma_v = 2e-3;
  a.comparator_noise_sigma_v = 1e-3;
  for (int k = 1; k < levels; ++k) {
    a.transition_v.push_back(lo + k * lsb);
    const double extra = kTransitionSigmaLsb * lsb;
    a.transition_static_sigma_v.push_back(
        std::sqrt(extra * extra + a.comparator_offset_sigma_v * a.comparator_offset_sigma_v));
    a.transition_dynamic_sigma_v.push_back(a.comparator_noise_sigma_v);
  }

  Energies& e = m.energy;
  constexpr double kAmultRowJ = 0.8e-15;
  constexpr double kDacRowJ = 2.0e-15;
  const double rows = m.geometry.rows;
  // A flat A_MULT + sharing energy per row and op; a DAC drive that grows with the code
  // (kDacRowJ per row on average over uniform codes).
  e.op_baseline_j = rows * kAmultRowJ;
  for (int c = 0; c <= top; ++c) {
    e.op_code_j.push_back(rows * kAmultRowJ);
    e.dac_row_j.push_back(kDacRowJ * 2.0 * c / top);
  }
  const std::string placeholder = "analytic placeholder (no table)";
  e.analog_how = placeholder;
  e.dac_how = placeholder;
  e.adc_conversion = {0.45e-12, placeholder};
  // D_MULT: 1.5 fJ per row on average over uniform random bits (W = 0 half the rows).
  e.dmult_w0 = {0.5e-15, placeholder};
  e.dmult_w1_a0 = {1.5e-15, placeholder};
  e.dmult_w1_a1 = {3.5e-15, placeholder};
  // Adder tree: 0.75 pJ at a quarter of the inputs at 1 (uniform random bits), 0.15 pJ at none.
  for (int n = 0; n <= m.geometry.rows; ++n) {
    e.adder_tree_j.push_back(0.15e-12 + 0.6e-12 * n / (0.25 * rows));
  }
  e.adder_tree_how = placeholder;
  // Row-long lines of about 25 fF (wire and the 8 units' gates) at 1 V.
  e.precharge_lblb = {0.5e-15, placeholder};
  e.precharge_row_cycle = {25e-15, placeholder};
  e.wordline_dwl = {25e-15, placeholder};
  e.wordline_awl = {25e-15, placeholder};
  e.din_toggle = {12e-15, placeholder};
  e.leakage_row_cycle = {1e-15, placeholder};
  e.leakage_tree_cycle = {4e-15, placeholder};
  e.leakage_accumulator_cycle = {1e-15, placeholder};
  // 30 fJ per shift-and-add with the ~10 of 24 bits random operands change.
  e.accumulate = {10e-15, placeholder};
  e.accumulate_toggle_j = 2e-15;
  e.nq = {20e-15, placeholder};
  e.ose_eval = {50e-15, placeholder};
  m.notes.push_back(
      "macro: the analytic placeholder of calib/macro.h (no characterization table given: "
      "--lut DIR): ideal line, 1 % static sigma, ideal ADC over [" +
      Num(options.adc_lo_frac) + ", " + Num(options.adc_hi_frac) +
      "] of full scale, estimated 65 nm energies");
  ValidateMacro(m);
  return m;
}

}  // namespace cimchar::calib
