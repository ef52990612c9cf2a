// The SAR ADC readout's reader: its transitions, comparator offset and noise, conversion energy
// and history shift from the adc table (calib/readouts/sar_schema.h), the placeholder placed on
// the line when there is none, and the checks that the line and the converter are one circuit.

#include <algorithm>
#include <cmath>
#include <string>

#include "calib/lookup.h"
#include "calib/readouts/readers.h"
#include "calib/readouts/sar_schema.h"
#include "calib/schema.h"
#include "core/error.h"
#include "netlist/devices.h"

namespace cimchar::calib::readouts {

void ReadSar(const lut::Store& store, const Request& request, Macro& m) {
  const std::string file = store.path().string();
  if (request.adc_lo_frac || request.adc_hi_frac) {
    throw UsageError(
        "--adc-lo/--adc-hi set the ADC window of the analytic placeholder only; the window of "
        "a characterized converter is where its transitions are (" +
        file + "): characterize the ADC with other adc.vref/adc.vcm keys to move it");
  }
  const auto per_code = Expect("V", schema::kCodeAxis);
  const lut::Table& mean = Need(store, schema::kAdcTransitionV, lut::Statistic::kMean, per_code);
  const lut::Table& stat =
      Need(store, schema::kAdcTransitionV, lut::Statistic::kStaticSigma, per_code);
  const lut::Table* dyn =
      Optional(store, schema::kAdcTransitionV, lut::Statistic::kDynamicSigma, per_code);
  const std::vector<double>& codes = mean.axis(schema::kCodeAxis).values();
  const std::size_t n = codes.size();
  int bits = 0;
  while ((std::size_t{1} << bits) - 1 < n) {
    ++bits;
  }
  if ((std::size_t{1} << bits) - 1 != n) {
    throw Error("'" + file + "': " + std::string(schema::kAdcTransitionV) + " has " +
                std::to_string(n) + " transitions, which is not 2^b - 1 for any ADC resolution b");
  }
  Agree("adc-bits", request.adc_bits, bits, "ADC bits", store.path());
  m.geometry.adc_bits = bits;
  const lut::Coordinates at = At(request.point);
  AdcTransfer& a = m.adc;
  a = {};
  for (double c : codes) {
    lut::Coordinates p = at;
    p[std::string(schema::kCodeAxis)] = c;
    a.transition_v.push_back(Look(store, mean, p));
    a.transition_static_sigma_v.push_back(LookOr(store, &stat, p, 0.0));
    a.transition_dynamic_sigma_v.push_back(LookOr(store, dyn, p, 0.0));
  }
  a.window_lsb_v = 0.0;
  if (n < 2) {
    throw UsageError("'" + file +
                     "': a 1-bit converter's single transition does not define its window; "
                     "the macro needs an ADC of at least 2 bits");
  }
  const lut::Table& offset =
      Need(store, schema::kAdcComparatorOffsetV, lut::Statistic::kStaticSigma, Expect("V"));
  a.comparator_offset_sigma_v = LookOr(store, &offset, at, 0.0);
  const lut::Table* offset_noise =
      Optional(store, schema::kAdcComparatorOffsetV, lut::Statistic::kDynamicSigma, Expect("V"));
  if (offset_noise != nullptr) {
    a.comparator_noise_sigma_v = LookOr(store, offset_noise, at, 0.0);
  } else {
    double sq = 0.0;
    for (double s : a.transition_dynamic_sigma_v) {
      sq += s * s;
    }
    a.comparator_noise_sigma_v = std::sqrt(sq / static_cast<double>(n));
  }
  m.energy.adc_conversion = {std::max(0.0, Look(store,
                                                Need(store, schema::kAdcEnergyConversion,
                                                     lut::Statistic::kMean, Expect("J")),
                                                at)),
                             "measured: " + std::string(schema::kAdcEnergyConversion) + " in " +
                                 file + " (what it includes: the file's recipe)"};
  // History (kickback, comparator memory): a die's largest transition shift over the previous
  // codes, averaged over dies; its spread across dies is in the note.
  const lut::Table* history =
      Optional(store, schema::kAdcHistoryShiftMaxLsb, lut::Statistic::kMean, Expect("1"));
  if (history != nullptr) {
    const lut::Table* history_sigma =
        Optional(store, schema::kAdcHistoryShiftMaxLsb, lut::Statistic::kStaticSigma, Expect("1"));
    a.history_shift_lsb = Look(store, *history, at);
    const double sigma = LookOr(store, history_sigma, at, 0.0);
    const bool negligible = a.history_shift_lsb < schema::kAdcHistoryNegligibleLsb;
    m.notes.push_back(std::string(negligible ? "" : "WARNING: ") +
                      "ADC history shift (a die's largest transition shift after any previous "
                      "code, mean over dies): " +
                      Num(a.history_shift_lsb) + " LSB (sigma across dies " + Num(sigma) +
                      " LSB), " + (negligible ? "below " : "not below ") +
                      Num(schema::kAdcHistoryNegligibleLsb) + " LSB: the model leaves it out" +
                      (negligible ? "" : " although it matters"));
  } else {
    m.notes.push_back("ADC history shift: not characterized (no " +
                      std::string(schema::kAdcHistoryShiftMaxLsb) + ")");
  }
  m.notes.push_back("ADC: " + file + ", " + std::to_string(bits) + " bits, window " +
                    Num(a.LowV() * 1e3) + " .. " + Num(a.HighV() * 1e3) +
                    " mV (end points of "
                    "the transitions), LSB " +
                    Num(a.LsbV() * 1e3) +
                    " mV; comparator offset "
                    "sigma " +
                    Num(a.comparator_offset_sigma_v * 1e3) + " mV, noise " +
                    Num(a.comparator_noise_sigma_v * 1e3) + " mV" +
                    (dyn == nullptr ? " (no dynamic sigma table: noise 0)" : ""));
}

void PlaceSarPlaceholder(const AnalyticOptions& analytic, Macro& m) {
  m.notes.push_back(
      "ADC: not characterized (no adc table): analytic placeholder (ideal transitions "
      "over the requested window)");
  const bool has_line = std::any_of(m.sources.begin(), m.sources.end(),
                                    [](const TableSource& s) { return s.role == "apath"; });
  if (has_line) {
    // The placeholder's window is in fractions of full scale: place it on this line.
    const double fs = m.FullScaleV();
    const int levels = 1 << m.geometry.adc_bits;
    const double lo = m.line.baseline_v + analytic.adc_lo_frac * (fs - m.line.baseline_v);
    const double lsb =
        (analytic.adc_hi_frac - analytic.adc_lo_frac) * (fs - m.line.baseline_v) / levels;
    for (int k = 1; k < levels; ++k) {
      m.adc.transition_v[static_cast<std::size_t>(k - 1)] = lo + k * lsb;
    }
    m.adc.window_lsb_v = lsb;
  }
}

void CheckSar(const Stores& stores, Macro& m) {
  const auto role = [&](const char* name) {
    const auto it = stores.find(name);
    return it == stores.end() ? nullptr : &it->second;
  };
  const lut::Store* apath = role("apath");
  const lut::Store* adc = role("adc");
  if (apath && adc) {
    // One converter: the one sampling the line in the apath table is the one the adc table
    // characterizes (a table describes the circuit the model simulates).
    for (const auto& [line_key, adc_key] : schema::kLineAdcKeys) {
      const auto line_value = Parameter(*apath, line_key);
      const auto adc_value = Parameter(*adc, adc_key);
      if (!line_value) {
        throw UsageError("'" + apath->path().string() + "' does not state " +
                         std::string(line_key) +
                         " (a table made by an older cimchar, whose line carried a capacitor "
                         "for the ADC): rerun cimchar characterize apath");
      }
      double a = 0, b = 0;
      const bool numbers = netlist::ParseSpiceNumber(*line_value, a) && adc_value &&
                           netlist::ParseSpiceNumber(*adc_value, b);
      if (!numbers || std::abs(a - b) > 1e-9 * std::max(1.0, std::abs(b))) {
        throw UsageError("'" + apath->path().string() + "' was measured with " +
                         std::string(line_key) + " = " + *line_value + " but '" +
                         adc->path().string() + "' characterizes " + std::string(adc_key) + " = " +
                         adc_value.value_or("(not stated)") +
                         ": the line must be sampled by the converter the adc table describes "
                         "(characterize both with one ADC)");
      }
    }
  }
  // Can the line reach every ADC code?
  const AdcTransfer& a = m.adc;
  if (a.transition_v.back() >= m.FullScaleV()) {
    m.notes.push_back("WARNING: the ADC's top transition (" + Num(a.transition_v.back() * 1e3) +
                      " mV) lies above the line's full scale (" + Num(m.FullScaleV() * 1e3) +
                      " mV): the top code is unreachable");
  }
  if (a.transition_v.front() <= m.line.baseline_v) {
    m.notes.push_back("WARNING: the ADC's first transition (" + Num(a.transition_v.front() * 1e3) +
                      " mV) lies below the line's baseline (" + Num(m.line.baseline_v * 1e3) +
                      " mV): code 0 is unreachable");
  }
  if (m.line.superposition_error_v >= 0.0) {
    m.notes.push_back("line superposition (bench checks, |mean| + 3 sigma): " +
                      Num(m.line.superposition_error_v * 1e3) +
                      " mV = " + Num(m.line.superposition_error_v / a.LsbV()) + " ADC LSB");
  }
}

}  // namespace cimchar::calib::readouts
