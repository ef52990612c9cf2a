#include "exporters/formats/formats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/formats/common.h"
#include "exporters/formats/crosssim.h"
#include "exporters/readouts/readouts.h"

namespace cimchar::exporters::formats {

std::vector<double> CrossSimTransitions(const ExportModel& model) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  std::vector<double> y;
  for (double t : model.op.transitions) {
    y.push_back(t / digit_top);
  }
  return y;
}

namespace {

// CrossSim's QuantizerADC (circuits/adc/quantizer_adc.py): 2^b levels from min to max, rounding.
int QuantizerCode(double y, double min, double max, int codes) {
  const double q = (codes - 1) / (max - min);
  return static_cast<int>(std::nearbyint((std::clamp(y, min, max) - min) * q));
}

Document CrossSimParams(const ExportModel& model, const Document& adc) {
  const mac::MacShape& s = model.shape;
  Document dac;
  dac.Set("model", "QuantizerDAC");
  dac.Set("bits", s.analog_window);
  dac.Set("input_bitslicing", false);
  dac.Set("signed", false);
  dac.Set("slice_size", 1);
  Document inputs;
  inputs.Set("clipping", true);
  inputs.Set("min", 0.0);
  inputs.Set("max", 1.0);
  inputs.Set("percentile", nullptr);
  Document core;
  core.Set("rows_max", s.rows);
  core.Set("cols_max", s.columns);
  core.Set("mapping",
           Document().Set("inputs",
                          Document().Set("_match", true).Set("mvm", inputs).Set("vmm", inputs)));
  Document params;
  params.Set("core", std::move(core));
  params.Set("xbar",
             Document()
                 .Set("adc", Document().Set("_match", true).Set("mvm", adc).Set("vmm", adc))
                 .Set("dac", Document().Set("_match", true).Set("mvm", dac).Set("vmm", dac)));
  return params;
}

std::vector<report::PendingFile> RenderCrossSim(const ExportModel& model) {
  const std::string format = "crosssim";
  CheckModel(format, model);
  const OpTransfer& op = model.op;
  const mac::MacShape& s = model.shape;
  const double digit_top = (1 << s.analog_window) - 1;
  const int codes = static_cast<int>(op.levels.size());
  const std::vector<double> y = CrossSimTransitions(model);
  const double lsb = op.lsb / digit_top;
  // The readout's own converter in CrossSim, when CrossSim models it.
  const ReadoutExport& readout = FindReadoutExport(model.readout);
  const std::optional<ConsumerConverter> converter =
      readout.crosssim ? std::optional(readout.crosssim(model)) : std::nullopt;

  // QuantizerADC: levels min + i x LSB with its rounding thresholds on the model's end-point
  // transitions (the first at min + LSB / 2).
  const double q_min = y.front() - 0.5 * lsb;
  const double q_max = q_min + (codes - 1) * lsb;
  const double q_mismatch =
      RampMismatch(model, [&](double v) { return QuantizerCode(v, q_min, q_max, codes); });
  double q_worst = 0.0;
  for (std::size_t k = 1; k <= y.size(); ++k) {
    q_worst = std::max(q_worst,
                       std::abs(y[k - 1] - (q_min + (static_cast<double>(k) - 0.5) * lsb)) / lsb);
  }
  Document quantizer;
  quantizer.Set("model", "QuantizerADC");
  quantizer.Set("bits", s.adc_bits);
  quantizer.Set("signed", false);
  quantizer.Set("stochastic_rounding", false);
  quantizer.Set("adc_per_ibit", false);
  quantizer.Set("calibrated_range", Document::MakeArray().Push(q_min).Push(q_max));
  quantizer.Set("adc_range_option", "CALIBRATED");

  Document meta = Header(model, "CrossSim (Sandia) 3.x",
                         "simulator/parameters/base_parameters.py BaseParameters.from_json and "
                         "__setattr__, parameters/xbar_parameters.py ADCParameters, "
                         "SarADCParameters and DACParameters, parameters/core_parameters.py, "
                         "circuits/adc/iadc.py IADC.set_limits (CALIBRATED), "
                         "circuits/adc/sar_adc.py SarADC.set_limits and convert, "
                         "circuits/adc/quantizer_adc.py QuantizerADC.convert, "
                         "circuits/dac/quantizer_dac.py, cores/analog_core.py (rows_max)");
  Document files;
  if (converter) {
    files.Set("crosssim.json", converter->file_what);
  }
  files.Set("crosssim_quantizer.json",
            "the same with CrossSim's QuantizerADC: the model's end-point transfer "
            "(any offset), no converter mismatch");
  meta.Set("files", std::move(files));
  meta.Set("units", Document()
                        .Set("adc_input",
                             "y = sum over rows of w x: one row with weight at full scale and "
                             "input at the top DAC code = 1 (CrossSim's own ADC units: its MAX "
                             "range is the row count)")
                        .Set("input", "x = activation digit / " + FormatReal(digit_top) + ", the " +
                                          std::to_string(s.analog_window) +
                                          "-bit QuantizerDAC over inputs mapped to [0, 1]"));
  Document settings;
  if (converter) {
    for (const auto& [key, what] : converter->settings_explained) {
      settings.Set(key, what);
    }
  }
  settings.Set("QuantizerADC calibrated_range",
               "[first transition - LSB/2, that + (2^b - 1) LSB]: its rounding thresholds are "
               "the model's end-point transitions, its levels the codes' centres");
  settings.Set("core",
               "rows_max = the macro's rows (inputs per core), cols_max = its "
               "columns; inputs mapped to [0, 1] for the unsigned DAC");
  meta.Set("settings_explained", std::move(settings));
  Document approximations;
  if (converter) {
    approximations.Set(converter->approximation.first, converter->approximation.second);
  }
  meta.Set(
      "approximations",
      approximations
          .Set(
              "QuantizerADC",
              Document()
                  .Set("max_transition_difference_lsb", q_worst)
                  .Set("ramp_code_mismatch_fraction", q_mismatch)
                  .Set("random_pattern_code_mismatch_fraction",
                       PatternMismatch(
                           model, [&](double v) { return QuantizerCode(v, q_min, q_max, codes); })))
          .Set("ramp",
               "every count 0 .. full scale (every row W = 1, digits as equal as possible) "
               "against the model's noiseless code")
          .Set("random_patterns",
               Document()
                   .Set("what",
                        "random row patterns with the model's default statistics: "
                        "CrossSim's ADC sees their sum only, the model's line also "
                        "which DAC codes make it")
                   .Set("points", static_cast<std::int64_t>(model.noiseless_patterns.size()))));
  Document not_representable;
  if (converter) {
    not_representable.Set(converter->not_representable.first, converter->not_representable.second);
  }
  meta.Set(
      "not_representable",
      not_representable
          .Set("line_static", Document()
                                  .Set("sigma_lsb", OpTransfer::Rms(op.line_static_sigma) / op.lsb)
                                  .Set("why",
                                       "the analog line's fixed-pattern error per column has no "
                                       "CrossSim ADC parameter"))
          .Set("dynamic_noise",
               Document()
                   .Set("sigma_lsb", OpTransfer::Rms(op.dynamic_sigma) / op.lsb)
                   .Set("why", "CrossSim's ADC models draw no per-conversion noise"))
          .Set("QuantizerADC mismatch", "QuantizerADC has no comparator or CDAC mismatch"));
  meta.Set("not_derived", NotDerived(model, "crosssim."));
  std::vector<report::PendingFile> out;
  if (converter) {
    out.push_back({"crosssim.json", CrossSimParams(model, converter->parameters).ToJson()});
  }
  out.push_back({"crosssim_quantizer.json", CrossSimParams(model, quantizer).ToJson()});
  out.push_back({"crosssim.meta.json", meta.ToJson()});
  return out;
}

}  // namespace

ExportFormat CrossSimFormat() {
  return {.name = "crosssim",
          .help =
              "crosssim.json: CrossSimParameters.from_json input (SAR ADC with the calibrated\n"
              "range); crosssim.meta.json: units, approximations, provenance.",
          .input = ExportInput::kModel,
          .render = RenderCrossSim,
          .shared_transfer =
              "CrossSim holds one ADC for every column (ADCParameters: one "
              "resolution and calibrated range)"};
}

}  // namespace cimchar::exporters::formats
