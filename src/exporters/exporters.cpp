#include "exporters/exporters.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>

#include "core/error.h"
#include "exporters/document.h"

namespace cimchar::exporters {

namespace {

constexpr double kJoulesToPicojoules = 1e12;
constexpr double kPercent = 100.0;
// ASiM's ADC resolution is chosen so that its rounding of an exact (digital) 1-bit column count
// stays below this many counts: its digital cycles then carry no error of their own.
constexpr double kAsimDigitalRoundingCounts = 1e-3;
// cimchar's SAR ADC has no amplifier after its CDAC: an open-loop gain this large makes
// CrossSim's finite-gain term 1/(1 + 1/(A beta)) differ from 1 by 1e-10.
constexpr double kCrossSimGainDb = 200.0;

struct FormatEntry {
  ExportFormat format;
  const char* name;
};
constexpr FormatEntry kFormats[] = {
    {ExportFormat::kAccelergy, "accelergy"}, {ExportFormat::kNeuroSim, "neurosim"},
    {ExportFormat::kAihwkit, "aihwkit"},     {ExportFormat::kAsim, "asim"},
    {ExportFormat::kCrossSim, "crosssim"},   {ExportFormat::kCsv, "csv"},
    {ExportFormat::kJson, "json"},
};

[[noreturn]] void Missing(const std::string& format, const std::string& what) {
  throw UsageError("cannot export to " + format + ": the model lacks " + what +
                   " (characterize the missing table, or choose another format)");
}

void RequireFinite(const std::string& format, const std::string& field, double value) {
  if (!std::isfinite(value)) {
    throw UsageError("cannot export to " + format + ": " + field + " is not finite (" +
                     std::to_string(value) + ")");
  }
}

std::string Tree(bool dirty) { return dirty ? "dirty" : "clean"; }

Document SourceDoc(const calib::TableSource& t, bool with_recipe) {
  Document d;
  d.Set("role", t.role);
  d.Set("file", t.file.string());
  d.Set("file_sha256", t.sha256);
  d.Set("cimchar_commit", t.cimchar_commit);
  d.Set("tree", Tree(IsDirtyCommit(t.cimchar_commit)));
  d.Set("cimchar_version", t.cimchar_version);
  d.Set("ngspice_version", t.ngspice_version);
  d.Set("master_seed", std::to_string(t.master_seed));
  d.Set("samples_per_point", static_cast<std::int64_t>(t.samples_per_point));
  d.Set("created_utc", t.created_utc);
  if (with_recipe) {
    d.Set("recipe", t.recipe_text);
  }
  return d;
}

Document ProvenanceDoc(const Provenance& p) {
  Document d;
  d.Set("cimchar_version", p.cimchar_version);
  d.Set("cimchar_commit", p.cimchar_commit);
  d.Set("tree", Tree(p.cimchar_dirty));
  d.Set("tree_rule",
        "dirty: a tracked file differed from the commit when the binary was built (git status "
        "--porcelain --untracked-files=no, checked at every build); the commit is then suffixed "
        "-dirty and the figures may not be reproducible from it");
  d.Set("origin", p.origin);
  Document tables = Document::MakeArray();
  for (const auto& t : p.tables) {
    tables.Push(SourceDoc(t, /*with_recipe=*/true));
  }
  d.Set("tables", std::move(tables));
  Document notes = Document::MakeArray();
  for (const auto& n : p.notes) {
    notes.Push(n);
  }
  d.Set("macro_notes", std::move(notes));
  return d;
}

Document OperatingPointDoc(const OperatingPoint& p) {
  Document d;
  d.Set("corner", p.corner);
  d.Set("vdd_v", p.vdd_v);
  d.Set("temp_c", p.temp_c);
  return d;
}

Document MacroDoc(const mac::MacShape& s) {
  Document d;
  d.Set("rows", s.rows);
  d.Set("columns", s.columns);
  d.Set("dac_bits", s.dac_bits);
  d.Set("analog_window", s.analog_window);
  d.Set("adc_bits", s.adc_bits);
  d.Set("activation_bits", s.activation_bits);
  d.Set("weight_bits", s.weight_bits);
  d.Set("signed_weights", s.signed_weights);
  return d;
}

Document NotDerived(const ExportModel& model, const std::string& prefix = "") {
  Document d = Document::MakeObject();
  for (const auto& [key, why] : model.not_derived) {
    if (prefix.empty() || key.rfind(prefix, 0) == 0) {
      d.Set(key, why);
    }
  }
  return d;
}

// The header every JSON file of a consumer export shares.
Document Header(const ExportModel& model,
                const std::string& consumer,
                const std::string& followed) {
  Document d;
  d.Set("consumer", consumer);
  d.Set("consumer_code_followed", followed);
  d.Set("generator", "cimchar export");
  d.Set("operating_point", OperatingPointDoc(model.operating_point));
  d.Set("macro", MacroDoc(model.shape));
  d.Set("provenance", ProvenanceDoc(model.provenance));
  return d;
}

// Checks shared by the consumer formats: provenance, a finite operating point, the model views.
void CheckModel(const std::string& format, const ExportModel& model) {
  if (model.provenance.tables.empty() && model.provenance.origin != "analytic") {
    Missing(format, "the provenance of its tables");
  }
  if (model.provenance.cimchar_commit.empty()) {
    Missing(format, "the exporting binary's commit");
  }
  RequireFinite(format, "operating_point.vdd_v", model.operating_point.vdd_v);
  RequireFinite(format, "operating_point.temp_c", model.operating_point.temp_c);
  const OpTransfer& op = model.op;
  const std::size_t transitions = (std::size_t{1} << model.shape.adc_bits) - 1;
  if (op.transitions.size() != transitions || op.levels.size() != transitions + 1 ||
      op.dynamic_sigma.size() != transitions || op.static_sigma.size() != transitions) {
    Missing(format, "the model's op transfer (transitions, levels and sigmas per code)");
  }
  if (!(op.lsb > 0.0) || !(op.full_scale > 0.0)) {
    Missing(format, "a positive op LSB and full scale");
  }
  if (op.codes_by_count.size() != static_cast<std::size_t>(op.full_scale) + 1) {
    Missing(format, "the model's noiseless code for every count (op.codes_by_count)");
  }
}

double Square(double x) { return x * x; }

// A quantity per transition as a JSON array.
Document PerTransition(const std::vector<double>& v, double scale) {
  Document d = Document::MakeArray();
  for (double x : v) {
    d.Push(x * scale);
  }
  return d;
}

// ---------------------------------------------------------------- accelergy

Document ActionDoc(const PricedAction& a) {
  Document action;
  action.Set("name", a.action);
  if (a.code.has_value()) {
    action.Set("arguments", Document().Set("code", *a.code));
  } else {
    action.Set("arguments", nullptr);
  }
  action.Set("energy", a.energy_j * kJoulesToPicojoules);
  return action;
}

std::string Comment(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += "# " + l + "\n";
  }
  return out;
}

std::vector<report::PendingFile> RenderAccelergy(const ExportModel& model) {
  const std::string format = "accelergy";
  CheckModel(format, model);
  if (model.components.empty()) {
    Missing(format, "per-action energies (model.components)");
  }
  const std::string prefix = model.macro_name.empty() ? "macro" : model.macro_name;
  Document tables = Document::MakeArray();
  Document components = Document::MakeArray();
  std::set<std::string> names;
  for (const Component& c : model.components) {
    if (c.name.empty() || !names.insert(c.name).second) {
      throw UsageError("cannot export to accelergy: component name '" + c.name +
                       "' is empty or given twice");
    }
    Document actions = Document::MakeArray();
    Document described = Document::MakeArray();
    for (const PricedAction& a : c.actions) {
      RequireFinite(format, c.name + "." + a.action + " energy", a.energy_j);
      if (a.energy_j < 0.0) {
        throw UsageError("cannot export to accelergy: " + c.name + "." + a.action +
                         " has a negative energy (" + std::to_string(a.energy_j) + " J)");
      }
      actions.Push(ActionDoc(a));
    }
    tables.Push(Document().Set("name", prefix + "." + c.name).Set("actions", std::move(actions)));
    components.Push(Document()
                        .Set("name", prefix + "." + c.name)
                        .Set("read_is", c.unit)
                        .Set("energy_from", c.how));
  }
  Document ert;
  ert.Set("ERT", Document().Set("version", 0.4).Set("tables", std::move(tables)));
  Document art;
  art.Set("ART", Document().Set("version", 0.4).Set("tables", Document::MakeArray()));

  const ReferenceRun& ref = model.Reference();
  Document meta = Header(model, "Accelergy / Timeloop / CiMLoop",
                         "Accelergy 0.4: raw_inputs_2_dicts.py RawInputs2Dicts.ERT_input_parser "
                         "and action_counts_input_parser, ERT_generator.py ERT_dict_to_obj and "
                         "ComponentERTEntry.get_action_energy, energy_calculator.py "
                         "EnergyCalculator; Timeloop: src/model/topology.cpp "
                         "Topology::Specs::ParseAccelergyERT and ParseAccelergyART, "
                         "include/model/topology.hpp arithmeticOperationMappings and "
                         "storageOperationMappings");
  meta.Set("files",
           Document()
               .Set("ERT.yaml",
                    "energy per action, pJ: give it to Accelergy (top key ERT) or "
                    "Timeloop")
               .Set("ART.yaml", "areas for Timeloop: an empty table list (no area derived)")
               .Set("action_counts.yaml",
                    "Accelergy action counts of the model's reference run (below): Accelergy's "
                    "energy estimate of it is the model's energy"));
  meta.Set("energy_units", "pJ per action");
  meta.Set("components", std::move(components));
  meta.Set("actions",
           Document()
               .Set("read",
                    "one action as the component's read_is says; for analog_line and dac "
                    "the mean over the reference run (their energy depends on the data)")
               .Set("compute", "the same energy as read, under Timeloop's arithmetic action name")
               .Set("write, update, leak", "0: the model charges nothing for them")
               .Set("row_off", "analog_line, per row with W = 0 in one analog op")
               .Set("row_on",
                    "analog_line, per row with W = 1 in one analog op; argument code = "
                    "the DAC code the row applies (integer, every code listed)")
               .Set("drive",
                    "dac, per row and analog cycle; argument code = the DAC code "
                    "(integer, every code listed)"));
  meta.Set("arguments",
           "row_on and drive must be counted with their code argument: for an action count "
           "without arguments Accelergy takes the first row of that action (code 0). Every "
           "other action has one row and no arguments. Timeloop keeps, per action name, the "
           "largest energy of its rows and maps only read/write/update/leak (storage) and "
           "compute (arithmetic): it uses read and compute, which have a single row.");
  meta.Set("timeloop",
           "name an architecture level after a component (the part after '" + prefix +
               ".'): e.g. an arithmetic level 'mac' or 'mac_bda8' takes compute = energy per "
               "multi-bit MAC; a storage level 'adc' takes read = one conversion");
  Document blocks = Document::MakeObject();
  for (const auto& [name, joules] : ref.energy.Blocks()) {
    blocks.Set(name, joules * kJoulesToPicojoules);
  }
  meta.Set("reference_run", Document()
                                .Set("mode", "hcim")
                                .Set("b_da", ref.boundary)
                                .Set("inputs", "uniform random activations and weights")
                                .Set("vectors", ref.vectors)
                                .Set("seed", std::to_string(ref.seed))
                                .Set("macs", ref.counts.macs)
                                .Set("model_energy_pj", ref.energy.total_j * kJoulesToPicojoules)
                                .Set("model_energy_by_block_pj", std::move(blocks))
                                .Set("action_counts_file", "action_counts.yaml"));
  Document per_mac = Document::MakeObject();
  for (const ReferenceRun& r : model.reference_runs) {
    per_mac.Set(std::to_string(r.boundary), r.energy.per_mac_j * kJoulesToPicojoules);
  }
  meta.Set("energy_per_mac_pj_by_b_da", std::move(per_mac));
  meta.Set("area",
           "not derived: cimchar characterizes netlists, not layouts. ART.yaml is the table "
           "Timeloop reads (ParseAccelergyART) with no entry, so Timeloop keeps its own area "
           "model; Accelergy itself reads no ART file (its input top keys are architecture, "
           "compound_components, action_counts, ERT, variables)");
  meta.Set("not_derived", NotDerived(model));

  const std::vector<std::string> pointer = {
      "written by cimchar export; provenance, units and the meaning of each action:",
      "accelergy.meta.json next to this file"};
  std::vector<std::string> art_comment = pointer;
  art_comment.insert(art_comment.begin(),
                     "no area: cimchar characterizes netlists, not layouts (Timeloop keeps its "
                     "own area model for every level)");
  return {{"ERT.yaml", Comment(pointer) + ert.ToYaml()},
          {"ART.yaml", Comment(art_comment) + art.ToYaml()},
          {"action_counts.yaml", Comment(pointer) + AccelergyActionCounts(ref.counts, model)},
          {"accelergy.meta.json", meta.ToJson()}};
}

// ---------------------------------------------------------------- neurosim

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

// ---------------------------------------------------------------- aihwkit

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

// ---------------------------------------------------------------- asim

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

// ---------------------------------------------------------------- crosssim

// The model's transitions in CrossSim's ADC units (y = u / (2^n - 1)).
std::vector<double> CrossSimTransitions(const ExportModel& model) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  std::vector<double> y;
  for (double t : model.op.transitions) {
    y.push_back(t / digit_top);
  }
  return y;
}

// Fraction of the counts 0 .. full scale whose code under `code_of(y)` differs from the model's
// noiseless code.
template <typename CodeOf>
double RampMismatch(const ExportModel& model, CodeOf code_of) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  const auto& codes = model.op.codes_by_count;
  std::int64_t differ = 0;
  for (std::size_t u = 0; u < codes.size(); ++u) {
    differ += code_of(static_cast<double>(u) / digit_top) != codes[u] ? 1 : 0;
  }
  return static_cast<double>(differ) / static_cast<double>(codes.size());
}

// The same over the model's noiseless random patterns.
template <typename CodeOf>
double PatternMismatch(const ExportModel& model, CodeOf code_of) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  std::int64_t differ = 0;
  for (const auto& [u, code] : model.noiseless_patterns) {
    differ += code_of(static_cast<double>(u) / digit_top) != code ? 1 : 0;
  }
  return model.noiseless_patterns.empty()
             ? 0.0
             : static_cast<double>(differ) / static_cast<double>(model.noiseless_patterns.size());
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
  const int codes = 1 << s.adc_bits;
  const std::vector<double> y = CrossSimTransitions(model);
  const double lsb = op.lsb / digit_top;

  // SarADC: the step whose transitions j x step give the fewest ramp codes that differ from
  // the model's (searched over 0.5 .. 1.5 LSB; the closest to the LSB among equals).
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
  Document sar;
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
  meta.Set("files",
           Document()
               .Set("crosssim.json",
                    "CrossSimParameters.from_json input with the SAR ADC: the model's converter "
                    "with its comparator offset, transitions approximated (below)")
               .Set("crosssim_quantizer.json",
                    "the same with CrossSim's QuantizerADC: the model's end-point transfer "
                    "(any offset), no converter mismatch"));
  meta.Set("units", Document()
                        .Set("adc_input",
                             "y = sum over rows of w x: one row with weight at full scale and "
                             "input at the top DAC code = 1 (CrossSim's own ADC units: its MAX "
                             "range is the row count)")
                        .Set("input", "x = activation digit / " + FormatReal(digit_top) + ", the " +
                                          std::to_string(s.analog_window) +
                                          "-bit QuantizerDAC over inputs mapped to [0, 1]"));
  meta.Set(
      "settings_explained",
      Document()
          .Set("SarADC bits", std::to_string(s.adc_bits + 1) +
                                  ": CrossSim's SAR ADC is bipolar (+-Vref, Vref = max |range|); "
                                  "the model's " +
                                  std::to_string(s.adc_bits) +
                                  "-bit unipolar transfer is its upper half: subtract " +
                                  std::to_string(codes) + " from its code")
          .Set("SarADC calibrated_range", "[0, 2^b x step]: transitions at j x step")
          .Set("sigma_comparator", "the model's comparator offset sigma over Vref")
          .Set("gain_db", "cimchar's SAR has no amplifier after its CDAC: " +
                              FormatReal(kCrossSimGainDb) + " dB makes the gain term negligible")
          .Set("split_cdac", "false: a binary-weighted CDAC, as cimchar's")
          .Set("group_size", "1: one SAR ADC per column")
          .Set("QuantizerADC calibrated_range",
               "[first transition - LSB/2, that + (2^b - 1) LSB]: its rounding thresholds are "
               "the model's end-point transitions, its levels the codes' centres")
          .Set("core",
               "rows_max = the macro's rows (inputs per core), cols_max = its "
               "columns; inputs mapped to [0, 1] for the unsigned DAC"));
  meta.Set(
      "approximations",
      Document()
          .Set("SarADC",
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
                        PatternMismatch(model, [&](double v) { return SarCode(v, step, codes); })))
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
  meta.Set(
      "not_representable",
      Document()
          .Set("transition_deviations",
               Document()
                   .Set("sigma_lsb", OpTransfer::Rms(op.transition_own_sigma) / op.lsb)
                   .Set("why",
                        "each transition's own static deviation (beyond the "
                        "comparator offset) is measured as a whole, not split into "
                        "CDAC capacitor mismatch: sigma_capacitor stays 0"))
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
  return {{"crosssim.json", CrossSimParams(model, sar).ToJson()},
          {"crosssim_quantizer.json", CrossSimParams(model, quantizer).ToJson()},
          {"crosssim.meta.json", meta.ToJson()}};
}

// ---------------------------------------------------------------- tables

std::size_t CheckTable(const std::string& format, const TableView& t) {
  if (t.quantity.empty()) {
    Missing(format, "a quantity name for every table");
  }
  std::size_t size = 1;
  for (const auto& axis : t.axes) {
    if (axis.name.empty()) {
      Missing(format, "a name for every axis of table " + t.quantity);
    }
    if (!axis.values.empty() && !axis.labels.empty()) {
      throw UsageError("cannot export to " + format + ": axis " + axis.name + " of table " +
                       t.quantity + " has both values and labels");
    }
    for (const double v : axis.values) {
      RequireFinite(format, "axis " + axis.name + " of table " + t.quantity, v);
    }
    size *= axis.Size();
  }
  if (t.data.size() != size) {
    throw UsageError("cannot export to " + format + ": table " + t.quantity + " has " +
                     std::to_string(t.data.size()) + " values but its axes give " +
                     std::to_string(size));
  }
  if (t.source.file.empty() || t.source.sha256.empty()) {
    Missing(format, "the source file and SHA-256 of table " + t.quantity);
  }
  return size;
}

Document AxisDoc(const TableAxis& axis) {
  Document d;
  d.Set("name", axis.name);
  d.Set("units", axis.units);
  if (axis.labels.empty()) {
    d.Set("values", Document::Reals(axis.values));
  } else {
    Document labels = Document::MakeArray();
    for (const auto& l : axis.labels) {
      labels.Push(l);
    }
    d.Set("labels", std::move(labels));
  }
  return d;
}

Document TableDoc(const TableView& t, bool with_data) {
  Document d;
  d.Set("quantity", t.quantity);
  d.Set("units", t.units);
  d.Set("units_in_file", t.file_units);
  if (!t.description.empty()) {
    d.Set("description", t.description);
  }
  d.Set("source", SourceDoc(t.source, /*with_recipe=*/false));
  Document axes = Document::MakeArray();
  Document shape = Document::MakeArray();
  for (const auto& axis : t.axes) {
    axes.Push(AxisDoc(axis));
    shape.Push(static_cast<std::int64_t>(axis.Size()));
  }
  d.Set("axes", std::move(axes));
  d.Set("shape", std::move(shape));
  if (with_data) {
    d.Set("order", "row-major, last axis fastest; null = no value (failed sample)");
    Document data = Document::MakeArray();
    for (const double v : t.data) {
      data.Push(std::isfinite(v) ? Document(v) : Document());
    }
    d.Set("data", std::move(data));
  }
  return d;
}

// The grid points the tables hold: every value of each grid axis over all tables.
Document GridDoc(const std::vector<TableView>& tables) {
  std::set<std::string> corners;
  std::map<std::string, std::set<double>> numeric;
  for (const auto& t : tables) {
    for (const auto& a : t.axes) {
      if (a.name == "corner") {
        corners.insert(a.labels.begin(), a.labels.end());
      } else if (a.name == "vdd" || a.name == "temp") {
        numeric[a.name].insert(a.values.begin(), a.values.end());
      }
    }
  }
  Document d;
  Document c = Document::MakeArray();
  for (const auto& x : corners) {
    c.Push(x);
  }
  d.Set("corner", std::move(c));
  d.Set("vdd_v", Document::Reals({numeric["vdd"].begin(), numeric["vdd"].end()}));
  d.Set("temp_c", Document::Reals({numeric["temp"].begin(), numeric["temp"].end()}));
  d.Set("meaning",
        "the tables hold every characterized grid point (each table's corner, vdd and temp "
        "axes); nothing is interpolated");
  return d;
}

Document TablesHeader(const ExportModel& model, const std::string& consumer) {
  Document d;
  d.Set("consumer", consumer);
  d.Set("generator", "cimchar export");
  d.Set("grid", GridDoc(model.tables));
  d.Set("provenance", ProvenanceDoc(model.provenance));
  return d;
}

void CheckTables(const std::string& format, const ExportModel& model) {
  if (model.provenance.cimchar_commit.empty()) {
    Missing(format, "the exporting binary's commit");
  }
  if (model.tables.empty()) {
    Missing(format, "tables (model.tables)");
  }
}

std::vector<report::PendingFile> RenderJson(const ExportModel& model) {
  const std::string format = "json";
  CheckTables(format, model);
  Document tables = Document::MakeArray();
  for (const auto& t : model.tables) {
    CheckTable(format, t);
    tables.Push(TableDoc(t, /*with_data=*/true));
  }
  Document d = TablesHeader(model, "any JSON reader");
  d.Set("tables", std::move(tables));
  return {{"tables.json", d.ToJson()}};
}

std::string Column(const std::string& name, const std::string& units) {
  return name + " [" + units + "]";
}

// A CSV field: quoted when it holds a separator, quote or line break.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    return text;
  }
  std::string out = "\"";
  for (const char c : text) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

std::string SafeFileStem(const std::string& quantity) {
  std::string out;
  for (const char c : quantity) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') {
    out = "_" + out;
  }
  return out;
}

std::vector<report::PendingFile> RenderCsv(const ExportModel& model) {
  const std::string format = "csv";
  CheckTables(format, model);
  std::vector<report::PendingFile> files;
  std::set<std::string> names;
  Document index = Document::MakeArray();
  for (const auto& t : model.tables) {
    const std::size_t size = CheckTable(format, t);
    const std::string file = SafeFileStem(t.quantity) + ".csv";
    if (!names.insert(file).second) {
      throw UsageError("cannot export to csv: two tables map to the file name " + file);
    }
    std::string csv;
    for (const auto& axis : t.axes) {
      csv += CsvField(Column(axis.name, axis.units)) + ",";
    }
    csv += CsvField(Column(t.quantity, t.units)) + "\n";
    std::vector<std::size_t> index_of(t.axes.size(), 0);
    for (std::size_t flat = 0; flat < size; ++flat) {
      std::size_t rest = flat;
      for (std::size_t a = t.axes.size(); a-- > 0;) {
        index_of[a] = rest % t.axes[a].Size();
        rest /= t.axes[a].Size();
      }
      for (std::size_t a = 0; a < t.axes.size(); ++a) {
        const auto& axis = t.axes[a];
        csv += (axis.labels.empty() ? FormatReal(axis.values[index_of[a]])
                                    : CsvField(axis.labels[index_of[a]])) +
               ",";
      }
      csv += (std::isfinite(t.data[flat]) ? FormatReal(t.data[flat]) : std::string()) + "\n";
    }
    files.push_back({file, csv});
    Document entry = TableDoc(t, /*with_data=*/false);
    entry.Set("file", file);
    index.Push(std::move(entry));
  }
  Document meta = TablesHeader(model, "any CSV reader");
  meta.Set("layout",
           "one row per table cell: axis columns then the value; header 'name [units]'; "
           "an empty value means no value (failed sample)");
  meta.Set("tables", std::move(index));
  files.push_back({"tables.meta.json", meta.ToJson()});
  return files;
}

}  // namespace

std::string AccelergyActionCounts(const mac::ActionCounts& counts, const ExportModel& model) {
  const std::string prefix = model.macro_name.empty() ? "macro" : model.macro_name;
  const std::int64_t rows = model.shape.rows;
  const auto count = [](const std::string& action, std::int64_t n) {
    return Document().Set("name", action).Set("counts", n);
  };
  const auto one = [&](const std::string& component, std::int64_t n) {
    return Document()
        .Set("name", prefix + "." + component)
        .Set("action_counts", Document::MakeArray().Push(count("read", n)));
  };
  const auto named = [&](const std::string& component,
                         const std::vector<std::pair<std::string, std::int64_t>>& actions) {
    Document list = Document::MakeArray();
    for (const auto& [action, n] : actions) {
      list.Push(count(action, n));
    }
    return Document().Set("name", prefix + "." + component).Set("action_counts", std::move(list));
  };
  Document local = Document::MakeArray();
  // The digital side by its activity, as mac::ComputeEnergy prices it.
  std::int64_t ones = 0;
  Document tree = Document::MakeArray();
  for (std::size_t n = 0; n < counts.tree_ones.size(); ++n) {
    if (counts.tree_ones[n] != 0) {
      ones += counts.tree_ones[n] * static_cast<std::int64_t>(n);
      tree.Push(Document()
                    .Set("name", "evaluate")
                    .Set("arguments", Document().Set("code", static_cast<std::int64_t>(n)))
                    .Set("counts", counts.tree_ones[n]));
    }
  }
  if (tree.AsArray().empty()) {
    tree.Push(count("read", 0));
  }
  local.Push(named("dmult", {{"w0", counts.digital_cycles * rows - counts.digital_w1_rows},
                             {"w1_a0", counts.digital_w1_rows - ones},
                             {"w1_a1", ones}}));
  local.Push(Document().Set("name", prefix + ".adder_tree").Set("action_counts", std::move(tree)));
  local.Push(named("precharge",
                   {{"row_cycle", counts.array_cycles * rows}, {"lblb", counts.digital_w1_rows}}));
  local.Push(named("wordline", {{"dwl", counts.digital_array_cycles * rows},
                                {"awl", counts.dac_cycles * rows}}));
  local.Push(one("din", counts.din_toggles));
  local.Push(one("leakage", counts.array_cycles));
  std::int64_t rows_on = 0;
  Document line = Document::MakeArray();
  for (std::size_t d = 0; d < counts.op_code_rows.size(); ++d) {
    rows_on += counts.op_code_rows[d];
  }
  line.Push(count("row_off", counts.analog_ops * rows - rows_on));
  for (std::size_t d = 0; d < counts.op_code_rows.size(); ++d) {
    if (counts.op_code_rows[d] != 0) {
      line.Push(Document()
                    .Set("name", "row_on")
                    .Set("arguments", Document().Set("code", static_cast<std::int64_t>(d)))
                    .Set("counts", counts.op_code_rows[d]));
    }
  }
  local.Push(Document().Set("name", prefix + ".analog_line").Set("action_counts", std::move(line)));
  Document dac = Document::MakeArray();
  for (std::size_t d = 0; d < counts.dac_code_rows.size(); ++d) {
    if (counts.dac_code_rows[d] != 0) {
      dac.Push(Document()
                   .Set("name", "drive")
                   .Set("arguments", Document().Set("code", static_cast<std::int64_t>(d)))
                   .Set("counts", counts.dac_code_rows[d]));
    }
  }
  if (dac.AsArray().empty()) {
    dac.Push(count("read", 0));
  }
  local.Push(Document().Set("name", prefix + ".dac").Set("action_counts", std::move(dac)));
  local.Push(one("adc", counts.adc_conversions));
  local.Push(one("nq", counts.nq_ops));
  local.Push(one("ose", counts.ose_evals));
  local.Push(named("accumulator",
                   {{"accumulate", counts.accumulations}, {"toggle", counts.accumulator_toggles}}));
  Document doc;
  doc.Set("action_counts", Document().Set("version", 0.4).Set("local", std::move(local)));
  return doc.ToYaml();
}

std::vector<std::string> ExportFormatNames() {
  std::vector<std::string> names;
  for (const auto& f : kFormats) {
    names.emplace_back(f.name);
  }
  return names;
}

std::string ExportFormatName(ExportFormat format) {
  for (const auto& f : kFormats) {
    if (f.format == format) {
      return f.name;
    }
  }
  throw Error("internal: unnamed export format");
}

ExportFormat ParseExportFormat(const std::string& name) {
  std::string known;
  for (const auto& f : kFormats) {
    if (name == f.name) {
      return f.format;
    }
    known += known.empty() ? f.name : std::string(", ") + f.name;
  }
  throw UsageError("unknown export format \"" + name + "\"; known formats: " + known);
}

std::vector<report::PendingFile> RenderExport(ExportFormat format, const ExportModel& model) {
  switch (format) {
    case ExportFormat::kAccelergy:
      return RenderAccelergy(model);
    case ExportFormat::kNeuroSim:
      return RenderNeuroSim(model);
    case ExportFormat::kAihwkit:
      return RenderAihwkit(model);
    case ExportFormat::kAsim:
      return RenderAsim(model);
    case ExportFormat::kCrossSim:
      return RenderCrossSim(model);
    case ExportFormat::kCsv:
      return RenderCsv(model);
    case ExportFormat::kJson:
      return RenderJson(model);
  }
  throw Error("internal: unhandled export format");
}

std::vector<std::filesystem::path> WriteExport(ExportFormat format,
                                               const ExportModel& model,
                                               const std::filesystem::path& out_dir) {
  std::vector<report::PendingFile> files = RenderExport(format, model);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir)) {
    throw Error("cannot write the " + ExportFormatName(format) + " export to " + out_dir.string() +
                ": " + (ec ? ec.message() : std::string("it exists and is not a folder")));
  }
  std::vector<std::filesystem::path> written;
  for (auto& f : files) {
    f.path = out_dir / f.path;
    written.push_back(f.path);
  }
  report::WriteFilesAtomically(files);
  return written;
}

}  // namespace cimchar::exporters
