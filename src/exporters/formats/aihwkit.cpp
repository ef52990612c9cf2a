#include "exporters/formats/formats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/formats/common.h"

namespace cimchar::exporters::formats {

namespace {

double Square(double x) { return x * x; }

// A quantity per transition as a JSON array.
Document PerTransition(const std::vector<double>& v, double scale) {
  Document d = Document::MakeArray();
  for (double x : v) {
    d.Push(x * scale);
  }
  return d;
}

// The aihwkit output quantizer that best matches the model's transitions: aihwkit rounds y to a
// multiple of its step s, so code k of the model is aihwkit level m = k + m0 with threshold
// (m - 1/2) s; s is the least-squares fit of the transitions for the better m0 in {0, 1}.
struct AihwkitQuantizer {
  double step = 0.0;    // s, output units
  int first_level = 0;  // m0
  int top_level = 0;    // K + m0
};
AihwkitQuantizer FitAihwkit(const std::vector<double>& y) {
  AihwkitQuantizer best;
  double best_residual = INFINITY;
  for (int m0 = 0; m0 <= 1; ++m0) {
    double cy = 0.0;
    double cc = 0.0;
    for (std::size_t k = 1; k <= y.size(); ++k) {
      const double c = static_cast<double>(k) + m0 - 0.5;
      cy += c * y[k - 1];
      cc += c * c;
    }
    const double s = cy / cc;
    double residual = 0.0;
    for (std::size_t k = 1; k <= y.size(); ++k) {
      residual += Square(y[k - 1] - (static_cast<double>(k) + m0 - 0.5) * s);
    }
    if (residual < best_residual && s > 0.0) {
      best_residual = residual;
      best = {.step = s, .first_level = m0, .top_level = static_cast<int>(y.size()) + m0};
    }
  }
  return best;
}

struct RampError {
  double max_lsb = 0.0;
  double rms_lsb = 0.0;
  double mismatch = 0.0;  // fraction of counts whose level differs
  std::int64_t points = 0;
};

std::vector<report::PendingFile> RenderAihwkit(const ExportModel& model) {
  const std::string format = "aihwkit";
  CheckModel(format, model);
  const OpTransfer& op = model.op;
  const mac::MacShape& s = model.shape;
  const double digit_top = (1 << s.analog_window) - 1;  // y = u / digit_top
  std::vector<double> y;
  for (double t : op.transitions) {
    y.push_back(t / digit_top);
  }
  const AihwkitQuantizer q = FitAihwkit(y);
  if (!(q.step > 0.0)) {
    Missing(format, "increasing ADC transitions above zero (no quantizer step fits them)");
  }
  const double out_bound = q.top_level * q.step;
  // aihwkit's noiseless output for count u against the model's value for `code`, in steps.
  const auto error_of = [&](std::int64_t u, int code) {
    const double yu = static_cast<double>(u) / digit_top;
    const double v = std::clamp(std::nearbyint(yu / q.step) * q.step, -out_bound, out_bound);
    return (v - op.levels[static_cast<std::size_t>(code)] / digit_top) / q.step;
  };
  const auto stats = [](const std::vector<double>& errors) {
    RampError r;
    double sum_sq = 0.0;
    std::int64_t differ = 0;
    for (double e : errors) {
      r.max_lsb = std::max(r.max_lsb, std::abs(e));
      sum_sq += e * e;
      differ += std::abs(e) > 0.5 ? 1 : 0;
    }
    r.points = static_cast<std::int64_t>(errors.size());
    r.rms_lsb = std::sqrt(sum_sq / static_cast<double>(r.points));
    r.mismatch = static_cast<double>(differ) / static_cast<double>(r.points);
    return r;
  };
  std::vector<double> ramp_errors;
  for (std::size_t u = 0; u < op.codes_by_count.size(); ++u) {
    ramp_errors.push_back(error_of(static_cast<std::int64_t>(u), op.codes_by_count[u]));
  }
  std::vector<double> pattern_errors;
  for (const auto& [u, code] : model.noiseless_patterns) {
    pattern_errors.push_back(error_of(u, code));
  }
  const RampError ramp = stats(ramp_errors);
  const RampError patterns =
      stats(pattern_errors.empty() ? std::vector<double>{0.0} : pattern_errors);

  Document forward;
  forward.Set("is_perfect", false);
  forward.Set("mv_type", "OnePass");
  forward.Set("inp_bound", 1.0);
  forward.Set("inp_res", 1.0 / (2.0 * digit_top));
  forward.Set("inp_noise", 0.0);
  forward.Set("inp_sto_round", false);
  forward.Set("out_bound", out_bound);
  forward.Set("out_res", 1.0 / (2.0 * q.top_level));
  forward.Set("out_noise", OpTransfer::Rms(op.dynamic_sigma) / digit_top);
  forward.Set("out_noise_std", 0.0);
  forward.Set("out_sto_round", false);
  forward.Set("out_scale", 1.0);
  forward.Set("out_nonlinearity", 0.0);
  forward.Set("bound_management", "None");
  forward.Set("noise_management", "None");
  forward.Set("w_noise", 0.0);
  forward.Set("w_noise_type", "None");
  forward.Set("ir_drop", 0.0);
  Document mapping;
  mapping.Set("max_input_size", s.rows);
  mapping.Set("max_output_size", s.columns);
  mapping.Set("digital_bias", true);
  mapping.Set("weight_scaling_omega", 0.0);

  Document d = Header(model, "IBM aihwkit",
                      "src/aihwkit/simulator/parameters/io.py IOParameters, mapping.py "
                      "MappingParameter; src/rpucuda/rpu_pulsed_meta_parameter.cpp "
                      "IOMetaParameter::initializeForForward (checkAndSetRes), "
                      "src/rpucuda/rpu_forward_backward_pass.cpp prepareInputImplStage4, "
                      "finalizeOutputImplStage5 and ForwardBackwardPassIOManaged::forwardVector");
  d.Set("rpu_config",
        Document().Set("forward", std::move(forward)).Set("mapping", std::move(mapping)));
  d.Set("units", Document()
                     .Set("input", "x = activation digit / " + FormatReal(digit_top) +
                                       " (the DAC code " + "on the " +
                                       std::to_string(s.analog_window) + " analog bits), in [0, 1]")
                     .Set("weight", "one weight bit, 0 or 1")
                     .Set("output",
                          "y = sum over rows of w x: one row with w = 1 at the top digit = 1; "
                          "the column spans 0 .. " +
                              std::to_string(s.rows)));
  d.Set("settings_explained",
        Document()
            .Set("inp_res",
                 "1 / (2 (2^n - 1)): aihwkit's step is inp_res x 2 x inp_bound, one "
                 "DAC code")
            .Set("out_res", "aihwkit's step is out_res x 2 x out_bound = the fitted ADC step")
            .Set("out_bound", "the top level the model's ADC reaches, below the column's " +
                                  std::to_string(s.rows))
            .Set("out_noise",
                 "per-conversion noise (line and comparator), RMS over the "
                 "transitions, output units")
            .Set("out_scale", "1: the model reads codes back as MAC values, no further gain")
            .Set("out_nonlinearity",
                 "0: the model's read-back undoes the line's measured "
                 "transfer; what stays is in approximations")
            .Set("bound_management, noise_management",
                 "None: the macro applies its fixed DAC codes and has no input rescaling or "
                 "re-run on saturation (aihwkit's defaults Iterative / AbsMax would rescale "
                 "the inputs)")
            .Set("max_input_size, max_output_size", "one tile = one array: rows x columns")
            .Set("weight_scaling_omega", "0: the weight bits are programmed as they are (0 or 1)"));
  d.Set("approximations",
        Document()
            .Set("quantizer",
                 Document()
                     .Set("what",
                          "aihwkit rounds to multiples of one step around 0; the model's "
                          "transitions are where the measured ADC puts them")
                     .Set("model_lsb", op.lsb / digit_top)
                     .Set("aihwkit_step", q.step)
                     .Set("model_code_k_is_aihwkit_level", "k + " + std::to_string(q.first_level))
                     .Set("transitions_model", PerTransition(op.transitions, 1.0 / digit_top)))
            .Set("noiseless_ramp",
                 Document()
                     .Set("what",
                          "every count 0 .. full scale (the model's noiseless code, every "
                          "row W = 1) against aihwkit's noiseless output")
                     .Set("points", ramp.points)
                     .Set("max_error_lsb", ramp.max_lsb)
                     .Set("rms_error_lsb", ramp.rms_lsb)
                     .Set("level_mismatch_fraction", ramp.mismatch))
            .Set("noiseless_random_patterns",
                 Document()
                     .Set("what",
                          "random row patterns with the model's default statistics (W "
                          "and every activation bit 1 with probability 1/2): aihwkit sees "
                          "their sum only, the model's line also which DAC codes make it")
                     .Set("points", patterns.points)
                     .Set("max_error_lsb", patterns.max_lsb)
                     .Set("rms_error_lsb", patterns.rms_lsb)
                     .Set("level_mismatch_fraction", patterns.mismatch)));
  d.Set("not_representable",
        Document()
            .Set("static_error",
                 Document()
                     .Set("sigma", OpTransfer::Rms(op.static_sigma) / digit_top)
                     .Set("sigma_lsb", OpTransfer::Rms(op.static_sigma) / op.lsb)
                     .Set("why",
                          "IOParameters has no per-output fixed offset: each column's line "
                          "error, comparator offset and transition deviations stay the "
                          "model's"))
            .Set("mean_op_error", Document()
                                      .Set("value", model.op_error.mean / digit_top)
                                      .Set("why", "IOParameters has no additive output offset")));
  d.Set("not_derived", NotDerived(model, "aihwkit."));
  return {{"aihwkit.json", d.ToJson()}};
}

}  // namespace

ExportFormat AihwkitFormat() {
  return {.name = "aihwkit",
          .help =
              "aihwkit.json: rpu_config.forward (IOParameters: DAC step, ADC step and bound,\n"
              "noise, no bound/noise management) and rpu_config.mapping (tile = rows x columns).",
          .input = ExportInput::kModel,
          .render = RenderAihwkit,
          .shared_transfer =
              "aihwkit holds one output quantizer and noise for every column of a "
              "tile (IOParameters out_res, out_bound, out_noise)"};
}

}  // namespace cimchar::exporters::formats
