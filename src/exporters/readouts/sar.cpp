// The SAR ADC's part of the exports: one transfer shared by every column (the converter's
// measured transitions, the comparator offset moving them together, each transition's own
// deviation), its resolution in the macro block, and CrossSim's SarADC as its model there.

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "exporters/export_model.h"
#include "exporters/formats/crosssim.h"
#include "exporters/readouts/readouts.h"

namespace cimchar::exporters::readouts {

namespace {

// cimchar's SAR ADC has no amplifier after its CDAC: an open-loop gain this large makes
// CrossSim's finite-gain term 1/(1 + 1/(A beta)) differ from 1 by 1e-10.
constexpr double kCrossSimGainDb = 200.0;

ReadoutThresholds Thresholds(const calib::Macro& macro) {
  const calib::AdcTransfer& adc = macro.adc;
  ReadoutThresholds t;
  t.threshold_v = adc.transition_v;
  const double offset = adc.comparator_offset_sigma_v;
  for (double sigma : adc.transition_static_sigma_v) {
    t.common_sigma_v.push_back(offset);
    t.own_sigma_v.push_back(std::sqrt(std::max(0.0, sigma * sigma - offset * offset)));
  }
  t.noise_sigma_v = adc.ConversionNoiseSigmaV();
  return t;
}

// CrossSim's SarADC (circuits/adc/sar_adc.py) on ideal levels with one more bit than the model
// and the calibrated range [0, R]: Vref = R, and its upper half has 2^b codes whose
// transitions sit at j x R / 2^b. Returns the model's code for input y.
int SarCode(double y, double step, int codes) {
  const double clipped = std::clamp(y, 0.0, step * codes);
  int code = 0;
  for (int j = 1; j < codes; ++j) {
    code += clipped > j * step ? 1 : 0;  // the SAR's comparison: input > level
  }
  return code;
}

// CrossSim's SarADC with the step whose transitions j x step give the fewest ramp codes that
// differ from the model's (searched over 0.5 .. 1.5 LSB; the closest to the LSB among equals).
ConsumerConverter CrossSimSar(const ExportModel& model) {
  using formats::PatternMismatch;
  using formats::RampMismatch;
  const OpTransfer& op = model.op;
  const mac::MacShape& s = model.shape;
  const double digit_top = (1 << s.analog_window) - 1;
  const int codes = 1 << s.adc_bits;
  const std::vector<double> y = formats::CrossSimTransitions(model);
  const double lsb = op.lsb / digit_top;
  constexpr int kSteps = 2000;
  double step = lsb;
  double sar_mismatch = RampMismatch(model, [&](double v) { return SarCode(v, lsb, codes); });
  for (int i = 0; i <= kSteps; ++i) {
    const double candidate = lsb * (0.5 + static_cast<double>(i) / kSteps);
    const double m = RampMismatch(model, [&](double v) { return SarCode(v, candidate, codes); });
    if (m < sar_mismatch - 1e-12 ||
        (std::abs(m - sar_mismatch) <= 1e-12 && std::abs(candidate - lsb) < std::abs(step - lsb))) {
      sar_mismatch = m;
      step = candidate;
    }
  }
  const double range = step * codes;
  double sar_worst = 0.0;
  for (std::size_t k = 1; k <= y.size(); ++k) {
    sar_worst = std::max(sar_worst, std::abs(y[k - 1] - static_cast<double>(k) * step) / lsb);
  }
  const double comparator = OpTransfer::Rms(op.comparator_offset_sigma) / digit_top;
  ConsumerConverter c;
  Document& sar = c.parameters;
  sar.Set("model", "SarADC");
  sar.Set("bits", s.adc_bits + 1);
  sar.Set("signed", false);
  sar.Set("stochastic_rounding", false);
  sar.Set("adc_per_ibit", false);
  sar.Set("calibrated_range", Document::MakeArray().Push(0.0).Push(range));
  sar.Set("adc_range_option", "CALIBRATED");
  sar.Set("gain_db", kCrossSimGainDb);
  sar.Set("sigma_capacitor", 0.0);
  sar.Set("sigma_comparator", comparator / range);
  sar.Set("split_cdac", false);
  sar.Set("group_size", 1);
  c.file_what =
      "CrossSimParameters.from_json input with the SAR ADC: the model's converter with its "
      "comparator offset, transitions approximated (below)";
  c.settings_explained = {
      {"SarADC bits", std::to_string(s.adc_bits + 1) +
                          ": CrossSim's SAR ADC is bipolar (+-Vref, Vref = max |range|); the "
                          "model's " +
                          std::to_string(s.adc_bits) +
                          "-bit unipolar transfer is its upper half: subtract " +
                          std::to_string(codes) + " from its code"},
      {"SarADC calibrated_range", "[0, 2^b x step]: transitions at j x step"},
      {"sigma_comparator", "the model's comparator offset sigma over Vref"},
      {"gain_db", "cimchar's SAR has no amplifier after its CDAC: " + FormatReal(kCrossSimGainDb) +
                      " dB makes the gain term negligible"},
      {"split_cdac", "false: a binary-weighted CDAC, as cimchar's"},
      {"group_size", "1: one SAR ADC per column"}};
  c.approximation = {
      "SarADC",
      Document()
          .Set("what",
               "CrossSim's SAR transitions sit at j x step from 0; the "
               "model's where the measured ADC and line put them")
          .Set("step", step)
          .Set("model_lsb", lsb)
          .Set("model_transitions", Document::Reals(y))
          .Set("max_transition_difference_lsb", sar_worst)
          .Set("ramp_points", static_cast<std::int64_t>(op.codes_by_count.size()))
          .Set("ramp_code_mismatch_fraction", sar_mismatch)
          .Set("random_pattern_code_mismatch_fraction",
               PatternMismatch(model, [&](double v) { return SarCode(v, step, codes); }))};
  c.not_representable = {"transition_deviations",
                         Document()
                             .Set("sigma_lsb", OpTransfer::Rms(op.transition_own_sigma) / op.lsb)
                             .Set("why",
                                  "each transition's own static deviation (beyond the "
                                  "comparator offset) is measured as a whole, not split into "
                                  "CDAC capacitor mismatch: sigma_capacitor stays 0")};
  return c;
}

}  // namespace

ReadoutExport Sar() {
  return {.readout = "sar",
          .conversion_unit = "one conversion of one column's SAR ADC",
          .macro_fields =
              [](const mac::MacShape& s) {
                return std::vector<std::pair<std::string, Document>>{{"adc_bits", s.adc_bits}};
              },
          .shared_thresholds = Thresholds,
          .per_column = "",
          .crosssim = CrossSimSar};
}

}  // namespace cimchar::exporters::readouts
