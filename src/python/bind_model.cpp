// The behavioral MAC model (src/mac): run options, chip instances programmed with weights, runs
// of NumPy batches, the SNR, the boundary sweep with its error budget, the threshold search and
// the mode comparison. Every figure is the library's; this file converts values.
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/batch.h"
#include "mac/compare.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "mac/random.h"
#include "mac/sweep.h"
#include "mac/thresholds.h"
#include "network/layer_data.h"
#include "python/bindings.h"
#include "python/convert.h"
#include "report/plots.h"

namespace cimchar::python {

namespace {

// A simulated chip instance programmed with a layer's weights, with the format its inputs are
// checked against (network::MakeLayer, as a layer file's).
struct Programmed {
  mac::MacArray array;
  network::LayerWeights weights;
  network::LayerFormat format;
  std::uint64_t chip_seed = 0;
};

// An input source for the SNR: uniform, scaled or a layer's vectors (mac::InputGenerator).
struct Inputs {
  std::string name;
  int activation_bits = 8;
  mac::InputGenerator generator;
};

mac::MacShape ShapeOf(const calib::Macro& macro,
                      int activation_bits,
                      int weight_bits,
                      bool signed_weights) {
  mac::MacShape shape;
  static_cast<calib::Geometry&>(shape) = macro.geometry;
  shape.activation_bits = activation_bits;
  shape.weight_bits = weight_bits;
  shape.signed_weights = signed_weights;
  mac::ValidateShape(shape);
  return shape;
}

py::dict EnergyDict(const mac::EnergyBreakdown& e) {
  py::dict blocks;
  for (const auto& [name, j] : e.Blocks()) {
    blocks[py::str(name)] = j;
  }
  py::dict d;
  d["blocks_j"] = blocks;
  d["total_j"] = e.total_j;
  d["per_mac_j"] = e.per_mac_j;
  d["tops_per_w"] = e.tops_per_w;
  d["tops_per_w_8b_norm"] = e.tops_per_w_8b_norm;
  return d;
}

py::dict CountsDict(const mac::ActionCounts& c) {
  py::dict d;
  d["input_vectors"] = c.input_vectors;
  d["macs"] = c.macs;
  d["array_passes"] = c.array_passes;
  d["digital_cycles"] = c.digital_cycles;
  d["analog_ops"] = c.analog_ops;
  d["adc_conversions"] = c.adc_conversions;
  d["dac_cycles"] = c.dac_cycles;
  d["digital_array_cycles"] = c.digital_array_cycles;
  d["array_cycles"] = c.array_cycles;
  d["digital_w1_rows"] = c.digital_w1_rows;
  d["tree_ones"] = ToArray(c.tree_ones);
  d["din_toggles"] = c.din_toggles;
  d["accumulator_toggles"] = c.accumulator_toggles;
  d["nq_ops"] = c.nq_ops;
  d["ose_evals"] = c.ose_evals;
  d["accumulations"] = c.accumulations;
  d["boundary_histogram"] = ToArray(c.boundary_histogram);
  d["op_code_rows"] = ToArray(c.op_code_rows);
  d["dac_code_rows"] = ToArray(c.dac_code_rows);
  return d;
}

py::dict SwitchesDict(const mac::ErrorSwitches& s) {
  py::dict d;
  d["dynamic_noise"] = s.dynamic_noise;
  d["static_noise"] = s.static_noise;
  d["quantization"] = s.quantization;
  d["discard"] = s.discard;
  d["transfer"] = s.transfer;
  return d;
}

// The run options: `options`, or RunOptions' keywords, never both (none: the defaults).
mac::RunOptions Options(const std::optional<mac::RunOptions>& options, const py::kwargs& kwargs) {
  if (kwargs.empty()) {
    return options.value_or(mac::RunOptions{});
  }
  if (options) {
    throw py::type_error("give run options either as options=RunOptions(...) or as keywords");
  }
  return py::type::of<mac::RunOptions>()(**kwargs).cast<mac::RunOptions>();
}

mac::EvalOptions Eval(std::int64_t samples, std::uint64_t seed, int threads) {
  return {.samples = samples, .seed = seed, .threads = threads};
}

std::string Text(const std::function<void(std::ostream&)>& print) {
  std::ostringstream s;
  print(s);
  return s.str();
}

}  // namespace

void BindModel(py::module_& m) {
  const mac::RunOptions defaults;
  py::class_<mac::RunOptions>(
      m, "RunOptions",
      "What the model runs: mode ('dcim', 'hcim' at `boundary`, 'osa-hcim' with candidates, "
      "thresholds, the N/Q full scale and how the saliency sums signed weights), the error "
      "switches, the discard compensation and the instruction set ('auto', results are the same "
      "on every one).")
      .def(py::init([](const std::string& mode, int boundary, std::vector<int> candidates,
                       std::vector<std::int64_t> thresholds, int nq_full_scale, int ose_orders,
                       const std::string& saliency, int quant_bits, bool dynamic_noise,
                       bool static_noise, bool quantization, bool discard, bool transfer,
                       bool compensate, double activation_bit_probability, const std::string& isa) {
             mac::RunOptions o;
             o.mode = mac::ParseMode(mode);
             o.boundary = boundary;
             o.ose.candidates = std::move(candidates);
             o.ose.thresholds = std::move(thresholds);
             o.ose.nq_full_scale = nq_full_scale;
             o.ose.orders = ose_orders;
             o.ose.saliency = mac::ParseSaliencyKind(saliency);
             o.ose.quant_bits = quant_bits;
             o.switches = {.dynamic_noise = dynamic_noise,
                           .static_noise = static_noise,
                           .quantization = quantization,
                           .discard = discard,
                           .transfer = transfer};
             o.compensate_discard = compensate;
             o.activation_bit_probability = activation_bit_probability;
             o.isa = mac::ParseIsa(isa);
             return o;
           }),
           py::kw_only(), py::arg("mode") = mac::ModeName(defaults.mode),
           py::arg("boundary") = defaults.boundary, py::arg("candidates") = defaults.ose.candidates,
           py::arg("thresholds") = defaults.ose.thresholds,
           py::arg("nq_full_scale") = defaults.ose.nq_full_scale,
           py::arg("ose_orders") = defaults.ose.orders,
           py::arg("saliency") = mac::SaliencyKindName(defaults.ose.saliency),
           py::arg("quant_bits") = defaults.ose.quant_bits,
           py::arg("dynamic_noise") = defaults.switches.dynamic_noise,
           py::arg("static_noise") = defaults.switches.static_noise,
           py::arg("quantization") = defaults.switches.quantization,
           py::arg("discard") = defaults.switches.discard,
           py::arg("transfer") = defaults.switches.transfer,
           py::arg("compensate") = defaults.compensate_discard,
           py::arg("activation_bit_probability") = defaults.activation_bit_probability,
           py::arg("isa") = mac::IsaName(defaults.isa))
      .def_property(
          "mode", [](const mac::RunOptions& o) { return mac::ModeName(o.mode); },
          [](mac::RunOptions& o, const std::string& mode) { o.mode = mac::ParseMode(mode); })
      .def_readwrite("boundary", &mac::RunOptions::boundary)
      .def_property(
          "candidates", [](const mac::RunOptions& o) { return o.ose.candidates; },
          [](mac::RunOptions& o, std::vector<int> v) { o.ose.candidates = std::move(v); })
      .def_property(
          "thresholds", [](const mac::RunOptions& o) { return o.ose.thresholds; },
          [](mac::RunOptions& o, std::vector<std::int64_t> v) { o.ose.thresholds = std::move(v); })
      .def_property(
          "nq_full_scale", [](const mac::RunOptions& o) { return o.ose.nq_full_scale; },
          [](mac::RunOptions& o, int v) { o.ose.nq_full_scale = v; })
      .def_property(
          "ose_orders", [](const mac::RunOptions& o) { return o.ose.orders; },
          [](mac::RunOptions& o, int v) { o.ose.orders = v; })
      .def_property(
          "saliency",
          [](const mac::RunOptions& o) { return mac::SaliencyKindName(o.ose.saliency); },
          [](mac::RunOptions& o, const std::string& v) {
            o.ose.saliency = mac::ParseSaliencyKind(v);
          })
      .def_property(
          "isa", [](const mac::RunOptions& o) { return mac::IsaName(o.isa); },
          [](mac::RunOptions& o, const std::string& v) { o.isa = mac::ParseIsa(v); })
      .def_property(
          "quant_bits", [](const mac::RunOptions& o) { return o.ose.quant_bits; },
          [](mac::RunOptions& o, int v) { o.ose.quant_bits = v; })
      .def_property_readonly("switches",
                             [](const mac::RunOptions& o) { return SwitchesDict(o.switches); })
      .def_readwrite("compensate", &mac::RunOptions::compensate_discard)
      .def_readwrite("activation_bit_probability", &mac::RunOptions::activation_bit_probability)
      .def(
          "copy", [](const mac::RunOptions& o) { return o; }, "An independent copy.")
      .def("__repr__", [](const mac::RunOptions& o) {
        std::ostringstream s;
        s << "RunOptions(mode='" << mac::ModeName(o.mode) << "'";
        if (o.mode == mac::Mode::kHcim) {
          s << ", boundary=" << o.boundary;
        }
        if (o.mode == mac::Mode::kOsaHcim) {
          s << ", candidates=" << py::str(py::cast(o.ose.candidates)).cast<std::string>()
            << ", thresholds=" << py::str(py::cast(o.ose.thresholds)).cast<std::string>()
            << ", nq_full_scale=" << o.ose.nq_full_scale;
        }
        s << ")";
        return s.str();
      });

  py::class_<Programmed>(
      m, "MacArray",
      R"(A layer's weights programmed into one simulated chip instance of a characterized macro.

weights: (M, K) or (M, C, kh, kw) integer codes (PyTorch's layout), checked as a layer file's;
the chip seed fixes every static (fixed-pattern) error. run() takes input vectors (N, K) or
feature maps (N, C, H, W) (cut into patches with stride and padding).)")
      .def(py::init([](const calib::Macro& macro, const py::handle& weights, int activation_bits,
                       int weight_bits, bool signed_weights, int stride, int padding,
                       std::uint64_t chip_seed) {
             const network::LayerFormat format{.activation_bits = activation_bits,
                                               .weight_bits = weight_bits,
                                               .signed_weights = signed_weights,
                                               .stride = stride,
                                               .padding = padding};
             network::LayerWeights w =
                 network::MakeWeights(ToTensor(weights, "weights (array)"), format);
             const mac::MacShape shape =
                 ShapeOf(macro, activation_bits, weight_bits, signed_weights);
             mac::MacArray array(shape, macro, w.weights, w.length, w.outputs, chip_seed);
             w.weights.clear();  // the array holds them; the shape and source remain for checks
             return Programmed{std::move(array), std::move(w), format, chip_seed};
           }),
           py::arg("macro"), py::arg("weights"), py::kw_only(),
           py::arg("activation_bits") = network::LayerFormat{}.activation_bits,
           py::arg("weight_bits") = network::LayerFormat{}.weight_bits,
           py::arg("signed_weights") = network::LayerFormat{}.signed_weights,
           py::arg("stride") = network::LayerFormat{}.stride,
           py::arg("padding") = network::LayerFormat{}.padding, py::arg("chip_seed") = 1)
      .def_property_readonly("macro", [](const Programmed& p) { return p.array.Macro(); })
      .def_property_readonly("length", [](const Programmed& p) { return p.array.Length(); })
      .def_property_readonly("outputs", [](const Programmed& p) { return p.array.Outputs(); })
      .def_property_readonly("row_tiles", [](const Programmed& p) { return p.array.RowTiles(); })
      .def_property_readonly("column_tiles",
                             [](const Programmed& p) { return p.array.ColumnTiles(); })
      .def_readonly("chip_seed", &Programmed::chip_seed)
      .def_property_readonly("activation_bits",
                             [](const Programmed& p) { return p.format.activation_bits; })
      .def_property_readonly("weight_bits",
                             [](const Programmed& p) { return p.format.weight_bits; })
      .def_property_readonly("signed_weights",
                             [](const Programmed& p) { return p.format.signed_weights; })
      .def(
          "run",
          [](const Programmed& p, const py::handle& activations,
             const std::optional<mac::RunOptions>& options, std::uint64_t seed, int threads,
             bool ideal, bool passes, const py::kwargs& kwargs) {
            const mac::RunOptions run = Options(options, kwargs);
            const network::IntTensor a = ToTensor(activations, "activations (array)");
            mac::BatchResult r;
            {
              py::gil_scoped_release release;
              const network::LayerData layer = network::MakeLayer(a, p.weights, p.format);
              r = mac::EvaluateBatch(
                  p.array, run, *layer.inputs, layer.vectors,
                  {.seed = seed, .threads = threads, .ideal = ideal, .passes = passes});
            }
            const py::ssize_t n = r.vectors;
            const std::vector<py::ssize_t> per_output = {n, r.outputs};
            const std::vector<py::ssize_t> per_pass = {n, p.array.RowTiles(),
                                                       p.array.ColumnTiles()};
            py::dict d;
            d["outputs"] = ToArray(r.values, per_output);
            d["codes"] = ToArray(r.codes, per_output);
            if (ideal) {
              d["ideal"] = ToArray(r.ideal, per_output);
            }
            if (passes) {
              d["saliency"] = ToArray(r.saliency, per_pass);
              d["boundaries"] = ToArray(r.boundaries, per_pass);
            }
            d["energy"] = EnergyDict(r.energy);
            d["counts"] = CountsDict(r.counts);
            return d;
          },
          py::arg("activations"), py::arg("options") = py::none(), py::kw_only(),
          py::arg("seed") = mac::BatchOptions{}.seed, py::arg("threads") = 1,
          py::arg("ideal") = true, py::arg("passes") = true,
          R"(The model on a batch of input vectors; options as RunOptions(...) or its keywords.

Returns a dict: outputs (vectors, M) the model's dot products; codes (vectors, M) the integer
accumulators a digital back end keeps (outputs rounded); ideal (vectors, M) the exact dot
products (ideal=False leaves them out); saliency and boundaries (vectors, row tiles, column
tiles): S and the B_D/A each array pass ran at (passes=False leaves them out); energy (per
block, total, per MAC, TOPS/W) and counts of every action. Vector n draws its per-conversion
noise from stream (seed, n), as the SNR's sample n; threads do not change the results.)")
      .def(
          "convert_code",
          [](const Programmed& p, int tile, int column, const std::vector<std::int64_t>& rows,
             const std::optional<mac::RunOptions>& options, std::uint64_t seed,
             const py::kwargs& kwargs) {
            const mac::MacRunner runner(p.array, Options(options, kwargs));
            mac::Rng noise(seed);
            return runner.ConvertCode(tile, column, rows, noise);
          },
          py::arg("tile"), py::arg("column"), py::arg("rows_at_code"),
          py::arg("options") = py::none(), py::kw_only(), py::arg("seed") = 1,
          "The ADC code of one analog conversion on a column of a row tile when rows_at_code[d] "
          "rows hold W = 1 at DAC code d: the path every analog op of run() takes.")
      .def(
          "code_fraction", [](const Programmed& p, int code) { return p.array.CodeFraction(code); },
          py::arg("code"), "The ideal fraction of full scale an ADC code is read back as.");

  py::class_<mac::Chips>(
      m, "Chips", "The chip instances an SNR is an expectation over (each its own static errors).")
      .def(py::init([](const std::vector<Programmed>& arrays) {
             std::vector<mac::MacArray> a;
             for (const Programmed& p : arrays) {
               a.push_back(p.array);
             }
             return mac::Chips(std::move(a));
           }),
           py::arg("arrays"))
      .def_static(
          "random",
          [](const calib::Macro& macro, int length, int outputs, int count,
             std::uint64_t first_seed, int activation_bits, int weight_bits, bool signed_weights) {
            const mac::MacShape shape =
                ShapeOf(macro, activation_bits, weight_bits, signed_weights);
            py::gil_scoped_release release;
            return mac::Chips::Random(shape, macro, length, outputs, count, first_seed);
          },
          py::arg("macro"), py::arg("length"), py::arg("outputs"), py::arg("count"),
          py::arg("first_seed") = 1, py::kw_only(), py::arg("activation_bits") = 8,
          py::arg("weight_bits") = 8, py::arg("signed_weights") = false,
          "count chips with uniform random weights: chip k's weights and static errors from "
          "seed first_seed + k.")
      .def_static(
          "programmed",
          [](const calib::Macro& macro, const network::LayerData& layer, int count,
             std::uint64_t first_seed) {
            const mac::MacShape shape =
                ShapeOf(macro, layer.activation_bits, layer.weight_bits, layer.signed_weights);
            py::gil_scoped_release release;
            return mac::Chips::Programmed(shape, macro, layer.weights, layer.length, layer.outputs,
                                          count, first_seed);
          },
          py::arg("macro"), py::arg("layer"), py::arg("count"), py::arg("first_seed") = 1,
          "count chips all holding the layer's weights, static errors from seed first_seed + k.")
      .def_property_readonly("count", &mac::Chips::Count)
      .def("__len__", &mac::Chips::Count);

  py::class_<Inputs>(m, "Inputs", "Where the SNR's input vectors come from.")
      .def_readonly("name", &Inputs::name)
      .def("__repr__", [](const Inputs& i) { return "Inputs('" + i.name + "')"; });
  m.def(
      "uniform_inputs",
      [](int bits) {
        return Inputs{"uniform", bits, mac::UniformInputs(bits)};
      },
      py::arg("activation_bits") = 8, "Uniform random activations (every bit 1 with p = 1/2).");
  m.def(
      "scaled_inputs",
      [](int bits) {
        return Inputs{"scaled", bits, mac::ScaledInputs(bits)};
      },
      py::arg("activation_bits") = 8,
      "Feature-map-like activations whose saliency varies from vector to vector.");
  m.def(
      "layer_inputs",
      [](const network::LayerData& layer) {
        return Inputs{"layer", layer.activation_bits,
                      mac::DataInputs(layer.inputs, layer.length, layer.activation_bits)};
      },
      py::arg("layer"), "A layer's vectors: sample n is vector n mod vectors.");

  py::class_<mac::SnrResult>(m, "SnrResult", "SNR as DESIGN.md defines it, with the energy.")
      .def_readonly("samples", &mac::SnrResult::samples)
      .def_readonly("values", &mac::SnrResult::values)
      .def_readonly("mean_ideal", &mac::SnrResult::mean_ideal)
      .def_readonly("var_ideal", &mac::SnrResult::var_ideal)
      .def_readonly("mean_error", &mac::SnrResult::mean_error)
      .def_readonly("mse", &mac::SnrResult::mse)
      .def_readonly("error_var", &mac::SnrResult::error_var)
      .def_readonly("snr_db", &mac::SnrResult::snr_db)
      .def_readonly("snr_offset_removed_db", &mac::SnrResult::snr_offset_removed_db)
      .def_readonly("chips", &mac::SnrResult::chips)
      .def_readonly("snr_lo_db", &mac::SnrResult::snr_lo_db)
      .def_readonly("snr_hi_db", &mac::SnrResult::snr_hi_db)
      .def_readonly("snr_offset_removed_lo_db", &mac::SnrResult::snr_offset_removed_lo_db)
      .def_readonly("snr_offset_removed_hi_db", &mac::SnrResult::snr_offset_removed_hi_db)
      .def_property_readonly("counts", [](const mac::SnrResult& r) { return CountsDict(r.counts); })
      .def_property_readonly("energy",
                             [](const mac::SnrResult& r) { return EnergyDict(r.energy); });

  py::class_<mac::BudgetRow>(m, "BudgetRow")
      .def_readonly("name", &mac::BudgetRow::name)
      .def_property_readonly("switches",
                             [](const mac::BudgetRow& b) { return SwitchesDict(b.switches); })
      .def_readonly("result", &mac::BudgetRow::result);
  py::class_<mac::SweepPoint>(m, "SweepPoint")
      .def_property_readonly("mode", [](const mac::SweepPoint& p) { return mac::ModeName(p.mode); })
      .def_readonly("boundary", &mac::SweepPoint::boundary)
      .def_readonly("budget", &mac::SweepPoint::budget);
  py::class_<mac::CompareRow>(m, "CompareRow")
      .def_readonly("name", &mac::CompareRow::name)
      .def_readonly("options", &mac::CompareRow::options)
      .def_readonly("result", &mac::CompareRow::result);
  py::class_<mac::ThresholdResult>(m, "ThresholdResult")
      .def_readonly("thresholds", &mac::ThresholdResult::thresholds)
      .def_readonly("losses", &mac::ThresholdResult::losses)
      .def_readonly("met", &mac::ThresholdResult::met);

  m.def(
      "evaluate_snr",
      [](const mac::Chips& chips, const mac::RunOptions& options, const Inputs& inputs,
         std::int64_t samples, std::uint64_t seed, int threads) {
        py::gil_scoped_release release;
        return mac::EvaluateSnr(chips, options, inputs.generator, Eval(samples, seed, threads));
      },
      py::arg("chips"), py::arg("options"), py::arg("inputs"), py::arg("samples"),
      py::arg("seed") = 1, py::arg("threads") = 1,
      "The SNR as an expectation over the chips, with its 95 % interval and the energy.");
  m.def(
      "sweep_boundaries",
      [](const mac::Chips& chips, const mac::RunOptions& base, int first, int last,
         const Inputs& inputs, std::int64_t samples, std::uint64_t seed, int threads) {
        py::gil_scoped_release release;
        return mac::SweepBoundaries(chips, base, first, last, inputs.generator,
                                    Eval(samples, seed, threads));
      },
      py::arg("chips"), py::arg("options"), py::arg("first"), py::arg("last"), py::arg("inputs"),
      py::arg("samples"), py::arg("seed") = 1, py::arg("threads") = 1,
      "DCIM, then HCIM at every B_D/A in [first, last] with the full error budget.");
  m.def(
      "format_sweep",
      [](const mac::Chips& chips, const std::vector<mac::SweepPoint>& points) {
        return Text([&](std::ostream& s) { mac::PrintSweep(s, chips.front().Shape(), points); });
      },
      py::arg("chips"), py::arg("points"), "The table `cimchar snr` prints.");
  m.def(
      "plot_snr_energy",
      [](const std::vector<mac::SweepPoint>& points, const std::filesystem::path& out) {
        py::gil_scoped_release release;
        report::PlotSnrEnergy(report::SnrEnergyFromSweep(points), out);
      },
      py::arg("points"), py::arg("out"),
      "SNR and energy per MAC vs B_D/A (gnuplot; .png or .svg), as `cimchar snr --plot`.");
  m.def(
      "compare_modes",
      [](const mac::Chips& chips, const mac::RunOptions& osa, int hcim_boundary,
         const Inputs& inputs, std::int64_t samples, std::uint64_t seed, int threads) {
        py::gil_scoped_release release;
        return mac::CompareModes(chips, osa, hcim_boundary, inputs.generator,
                                 Eval(samples, seed, threads));
      },
      py::arg("chips"), py::arg("osa_options"), py::arg("hcim_boundary"), py::arg("inputs"),
      py::arg("samples"), py::arg("seed") = 1, py::arg("threads") = 1,
      "DCIM, HCIM at hcim_boundary and OSA-HCIM on the same inputs and noise.");
  m.def(
      "format_comparison",
      [](const mac::Chips& chips, const std::vector<mac::CompareRow>& rows) {
        return Text([&](std::ostream& s) {
          mac::PrintComparison(s, chips.front().Shape(), rows);
          mac::PrintEnergySources(s, chips.front().Macro());
        });
      },
      py::arg("chips"), py::arg("rows"), "The tables `cimchar compare` prints.");
  // The threshold search runs on one array: a MacArray, or the first of a chip set (as
  // `cimchar compare` and `cimchar thresholds` do).
  const auto full_scale = [](const mac::MacArray& array, const mac::RunOptions& options,
                             const Inputs& inputs, std::int64_t samples, std::uint64_t seed,
                             int threads, double percentile) {
    py::gil_scoped_release release;
    return mac::SaliencyFullScale(array, options, inputs.generator, Eval(samples, seed, threads),
                                  percentile);
  };
  const auto thresholds = [](const mac::MacArray& array, const mac::RunOptions& options,
                             const std::vector<double>& limits, const Inputs& inputs,
                             std::int64_t samples, std::uint64_t seed, int threads) {
    py::gil_scoped_release release;
    return mac::CalibrateThresholds(array, options, limits, inputs.generator,
                                    Eval(samples, seed, threads));
  };
  const char* full_scale_doc =
      "The N/Q full scale that follows the data (a percentile of the saliency counts on the "
      "vectors), on a MacArray or the first chip of a Chips.";
  const char* thresholds_doc =
      "The Fig. 3(b) threshold search for the options' candidates and the loss limits "
      "(relative MAC-output MSE), on a MacArray or the first chip of a Chips.";
  m.def(
      "saliency_full_scale",
      [full_scale](const Programmed& p, const mac::RunOptions& options, const Inputs& inputs,
                   std::int64_t samples, std::uint64_t seed, int threads, double percentile) {
        return full_scale(p.array, options, inputs, samples, seed, threads, percentile);
      },
      py::arg("array"), py::arg("options"), py::arg("inputs"), py::arg("samples"),
      py::arg("seed") = 1, py::arg("threads") = 1,
      py::arg("percentile") = mac::kSaliencyFullScalePercentile, full_scale_doc);
  m.def(
      "calibrate_thresholds",
      [thresholds](const Programmed& p, const mac::RunOptions& options,
                   const std::vector<double>& limits, const Inputs& inputs, std::int64_t samples,
                   std::uint64_t seed, int threads) {
        return thresholds(p.array, options, limits, inputs, samples, seed, threads);
      },
      py::arg("array"), py::arg("options"), py::arg("limits"), py::arg("inputs"),
      py::arg("samples"), py::arg("seed") = 1, py::arg("threads") = 1, thresholds_doc);
  m.def(
      "saliency_full_scale",
      [full_scale](const mac::Chips& chips, const mac::RunOptions& options, const Inputs& inputs,
                   std::int64_t samples, std::uint64_t seed, int threads, double percentile) {
        return full_scale(chips.front(), options, inputs, samples, seed, threads, percentile);
      },
      py::arg("array"), py::arg("options"), py::arg("inputs"), py::arg("samples"),
      py::arg("seed") = 1, py::arg("threads") = 1,
      py::arg("percentile") = mac::kSaliencyFullScalePercentile, full_scale_doc);
  m.def(
      "calibrate_thresholds",
      [thresholds](const mac::Chips& chips, const mac::RunOptions& options,
                   const std::vector<double>& limits, const Inputs& inputs, std::int64_t samples,
                   std::uint64_t seed, int threads) {
        return thresholds(chips.front(), options, limits, inputs, samples, seed, threads);
      },
      py::arg("array"), py::arg("options"), py::arg("limits"), py::arg("inputs"),
      py::arg("samples"), py::arg("seed") = 1, py::arg("threads") = 1, thresholds_doc);
  m.def("default_loss_constraints", &mac::DefaultLossConstraints, py::arg("candidates"),
        "The default loss limits of the threshold search: 1e-5 x 10^i.");
  m.def(
      "stream_seed",
      [](std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
        return mac::StreamSeed(seed, a, b, c);
      },
      py::arg("seed"), py::arg("a"), py::arg("b") = 0, py::arg("c") = 0,
      "The seed of stream (seed, a, b, c), as the model derives its streams (e.g. layer l of a "
      "network on chip seed s has chip seed stream_seed(s, l)).");
}

}  // namespace cimchar::python
