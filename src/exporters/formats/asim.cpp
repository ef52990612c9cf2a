#include "exporters/formats/formats.h"

#include <cmath>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/formats/common.h"

namespace cimchar::exporters::formats {

namespace {

constexpr double kPercent = 100.0;
// ASiM's ADC resolution is chosen so that its rounding of an exact (digital) 1-bit column count
// stays below this many counts: its digital cycles then carry no error of their own.
constexpr double kAsimDigitalRoundingCounts = 1e-3;

std::vector<report::PendingFile> RenderAsim(const ExportModel& model) {
  const std::string format = "asim";
  CheckModel(format, model);
  const mac::MacShape& s = model.shape;
  const int max_b = mac::MaxBoundary(s);
  if (model.splits.size() != static_cast<std::size_t>(max_b) + 1) {
    Missing(format, "the model's digital/analog split per B_D/A");
  }
  // ASiM rounds a 1-bit column MAC m/nrow to adc_prec bits: its error is at most
  // nrow / (2 (2^p - 1)) counts.
  int adc_prec = 1;
  while (s.rows / (2.0 * (std::pow(2.0, adc_prec) - 1.0)) > kAsimDigitalRoundingCounts) {
    ++adc_prec;
  }
  // Bit-serial ASiM adds independent noise of sigma nrow x rand% to each analog 1-bit MAC of
  // activation bit j, weighted 2^j: over the n bits of one of the model's ops the variance is
  // (nrow rand%)^2 x sum 4^m; equal to the model's op error variance (op units) for this sigma.
  double weight_sum = 0.0;
  for (int m = 0; m < s.analog_window; ++m) {
    weight_sum += std::pow(4.0, m);
  }
  const double rand_fraction = model.op_error.sigma / (s.rows * std::sqrt(weight_sum));
  const auto hybrid = [&](int b) { return s.weight_bits + s.activation_bits - 1 - b; };

  Document kwargs;
  kwargs.Set("wbit", s.weight_bits);
  kwargs.Set("xbit", s.activation_bits);
  kwargs.Set("adc_prec", adc_prec);
  kwargs.Set("nrow", s.rows);
  kwargs.Set("rand_noise_sigma", kPercent * rand_fraction);
  kwargs.Set("non_linear_sigma", 0.0);
  kwargs.Set("act_enc", nullptr);
  kwargs.Set("signed_act", false);
  kwargs.Set("hybrid_levels", hybrid(model.views.reference_boundary));
  kwargs.Set("mode", "Simulation");

  Document levels = Document::MakeObject();
  Document split = Document::MakeObject();
  for (const BoundarySplit& b : model.splits) {
    levels.Set(std::to_string(b.boundary), hybrid(b.boundary));
    // ASiM (bit-serial): analog iff i + j <= wbit + xbit - hybrid_levels - 2.
    int asim_digital = 0;
    for (int i = 0; i < s.weight_bits; ++i) {
      for (int j = 0; j < s.activation_bits; ++j) {
        asim_digital += i + j > s.weight_bits + s.activation_bits - hybrid(b.boundary) - 2 ? 1 : 0;
      }
    }
    const int pairs = s.weight_bits * s.activation_bits;
    split.Set(std::to_string(b.boundary), Document()
                                              .Set("model_digital", b.digital)
                                              .Set("model_analog", b.analog)
                                              .Set("model_discarded", b.discarded)
                                              .Set("asim_digital", asim_digital)
                                              .Set("asim_analog", pairs - asim_digital));
  }
  Document d = Header(model, "ASiM (Keio-CSG): ASiMLinear / ASiMConv2d",
                      "module/asim_linear.py ASiMLinear.__init__ and forward (mode "
                      "'Simulation', bit-serial branch with unsigned activations); "
                      "module/asim_conv.py ASiMConv2d (the same arithmetic)");
  d.Set("module_kwargs", std::move(kwargs));
  d.Set("hybrid_levels_by_b_da", std::move(levels));
  d.Set("split_by_b_da", std::move(split));
  d.Set(
      "settings_explained",
      Document()
          .Set("act_enc",
               "null: the bit-serial branch. Its split i + j <= wbit + xbit - "
               "hybrid_levels - 2 is by output order, as the model's (digital iff "
               "i + j >= B_D/A); the bit-parallel branch groups activation bits in "
               "fixed act_enc-bit cycles that do not follow the model's window")
          .Set("hybrid_levels",
               "wbit + xbit - 1 - B_D/A, for the export's reference B_D/A; "
               "hybrid_levels_by_b_da lists every B_D/A")
          .Set("adc_prec", "high enough that ASiM's rounding of a digital 1-bit MAC stays below " +
                               FormatReal(kAsimDigitalRoundingCounts) +
                               " counts: ASiM quantizes its digital cycles with the same ADC")
          .Set("rand_noise_sigma",
               "percent of nrow per analog 1-bit MAC, so that the n weighted bits of one of "
               "the model's ops add up to the model's op error sigma (its 3-bit quantization, "
               "static and dynamic noise together)")
          .Set("non_linear_sigma", "0: the model's error does not scale as 1/sqrt(count + 1)"));
  d.Set("approximations",
        Document()
            .Set("discarded_orders",
                 "ASiM computes every order below B_D/A in analog; the model discards the orders "
                 "below B_D/A - " +
                     std::to_string(s.analog_window) + " (split_by_b_da counts them)")
            .Set("analog_error",
                 Document()
                     .Set("what", "the model quantizes each analog op with its " +
                                      std::to_string(s.adc_bits) +
                                      "-bit ADC once; bit-serial ASiM adds Gaussian noise of the "
                                      "same total variance per op, redrawn every conversion")
                     .Set("model_op_error_sigma", model.op_error.sigma)
                     .Set("model_op_error_mean", model.op_error.mean)
                     .Set("ops", model.op_error.ops)
                     .Set("units", "op counts: sum over rows of W x the analog digit")));
  d.Set("not_representable",
        Document()
            .Set("mean_op_error",
                 "ASiM's noise has zero mean; the model's op error mean is "
                 "model_op_error_mean")
            .Set("unsigned_weights", s.signed_weights
                                         ? "none: the model used signed weights, as ASiM"
                                         : "ASiM's weights are two's complement (its MSB plane "
                                           "counts negative); the model used unsigned weights: "
                                           "export with --signed for a like-for-like model"));
  d.Set("not_derived", NotDerived(model, "asim."));
  return {{"asim.json", d.ToJson()}};
}

}  // namespace

ExportFormat AsimFormat() {
  return {.name = "asim",
          .help =
              "asim.json: ASiMLinear/ASiMConv2d keyword arguments (bit-serial, hybrid_levels per\n"
              "B_D/A, noise equivalent to the model's op error).",
          .input = ExportInput::kModel,
          .render = RenderAsim,
          .shared_transfer =
              "ASiM converts every column with one adc_prec-bit ADC and one noise "
              "sigma, set from the error of the op transfer the columns share"};
}

}  // namespace cimchar::exporters::formats
