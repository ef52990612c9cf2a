#include "exporters/formats/formats.h"

#include <cstdint>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/formats/common.h"

namespace cimchar::exporters::formats {

namespace {

int CeilLog2(double x) {
  int bits = 1;
  while (static_cast<double>(std::int64_t{1} << bits) < x) {
    ++bits;
  }
  return bits;
}

std::vector<report::PendingFile> RenderNeuroSim(const ExportModel& model) {
  const std::string format = "neurosim";
  CheckModel(format, model);
  const CountTable& t = model.counts;
  const std::size_t counts = static_cast<std::size_t>(model.op.full_scale) + 1;
  if (t.mean.size() != counts || t.sigma.size() != counts) {
    Missing(format,
            "the per-count table (one row per count 0 .. " + std::to_string(counts - 1) + ")");
  }
  std::string csv = "output,mean,std\n";
  for (std::size_t u = 0; u < counts; ++u) {
    RequireFinite(format, "mean of count " + std::to_string(u), t.mean[u]);
    RequireFinite(format, "std of count " + std::to_string(u), t.sigma[u]);
    csv += std::to_string(u) + "," + FormatReal(t.mean[u]) + "," + FormatReal(t.sigma[u]) + "\n";
  }
  const mac::MacShape& s = model.shape;
  const int adc_precision = CeilLog2(model.op.full_scale);
  const double lsb = model.op.lsb;
  Document meta = Header(model, "NeuroSim V1.5 (DNN+NeuroSim 2DInferenceV1.5)",
                         "pytorch_quantization/cim/modules/_utils.py (the output_noise_file "
                         "reader of the CIM layers) and pytorch_quantization/cim/modules/macro.py "
                         "CIM.ADC_output with output_noise = -1");
  meta.Set("file", "neurosim_output_noise.csv");
  meta.Set("settings",
           Document()
               .Set("output_noise", -1.0)
               .Set("output_noise_file", "neurosim_output_noise.csv")
               .Set("adc_precision", adc_precision)
               .Set("dac_precision", s.analog_window)
               .Set("bitcell", 1)
               .Set("parallel_read", s.rows)
               .Set("sub_array", Document::MakeArray().Push(s.rows).Push(s.columns * s.weight_bits))
               .Set("input_precision", s.activation_bits)
               .Set("weight_precision", s.weight_bits));
  meta.Set("columns", Document()
                          .Set("output",
                               "the ideal count of one analog op: sum over the rows of W x the "
                               "activation digit (" +
                                   std::to_string(s.analog_window) + " bits), 0 .. " +
                                   std::to_string(counts - 1) +
                                   "; row i of the file is count i (NeuroSim indexes by position)")
                          .Set("mean", "mean value the model reads that op back as, in counts")
                          .Set("std",
                               "its standard deviation over chip instances and conversions (static "
                               "and dynamic errors together), in counts"));
  meta.Set("adc_lsb_counts", lsb);
  meta.Set("table",
           Document()
               .Set("how",
                    "the model (mac::MacRunner::ConvertCode) on every row W = 1 with the digits "
                    "as equal as possible (count = rows q + r: r rows at q + 1, the rest at q), "
                    "whose line voltage is the uniform-code transfer the model reads back "
                    "through; one conversion on each of the chip instances")
               .Set("chip_instances", t.chips)
               .Set("seed", std::to_string(t.seed)));
  meta.Set("approximations",
           Document()
               .Set("count_only",
                    Document()
                        .Set("what",
                             "NeuroSim indexes the table by the count alone; the model's line "
                             "depends on which DAC codes make up the count (each code's step "
                             "h(code) is measured)")
                        .Set("random_patterns", t.patterns)
                        .Set("pattern_mean_rms_lsb", t.pattern_mean_rms / lsb)
                        .Set("pattern_mean_max_lsb", t.pattern_mean_max / lsb)
                        .Set("pattern_std_rms_lsb", t.pattern_sigma_rms / lsb)
                        .Set("patterns_are",
                             "W and every activation bit 1 with probability 1/2, the model's "
                             "default inputs"))
               .Set("gaussian",
                    "NeuroSim draws normal(mean, std) and rounds it to a count; the model gives "
                    "one of " +
                        std::to_string(1 << s.adc_bits) +
                        " levels. Mean and standard deviation agree per count; the shape does "
                        "not")
               .Set("redrawn_static",
                    "NeuroSim redraws the whole std at every conversion; the model keeps each "
                    "column's static errors for the chip's life"));
  meta.Set("not_representable",
           Document().Set("hybrid_split",
                          "NeuroSim runs every (weight bit, input digit) through this table: "
                          "OSA-HCIM's digital orders and discarded orders are not represented; "
                          "the table describes the analog op only"));
  meta.Set("not_derived", NotDerived(model, "neurosim."));
  return {{"neurosim_output_noise.csv", csv}, {"neurosim.meta.json", meta.ToJson()}};
}

}  // namespace

ExportFormat NeuroSimFormat() {
  return {.name = "neurosim",
          .help =
              "neurosim_output_noise.csv: output (ideal count of one analog op, one row per\n"
              "count 0 .. rows x (2^n - 1)), mean and std (counts); neurosim.meta.json: the\n"
              "NeuroSim options to use (--output_noise -1, --adc_precision, ...).",
          .input = ExportInput::kModel,
          .render = RenderNeuroSim,
          .shared_transfer =
              "NeuroSim holds one mean and standard deviation per count for every "
              "column (output_noise_file), read back through the transfer the "
              "columns share"};
}

}  // namespace cimchar::exporters::formats
