#include "exporters/formats/accelergy.h"

#include <cstdint>
#include <set>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/formats/common.h"
#include "exporters/formats/formats.h"

namespace cimchar::exporters::formats {

namespace {

constexpr double kJoulesToPicojoules = 1e12;

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

}  // namespace

ExportFormat AccelergyFormat() {
  return {.name = "accelergy",
          .help =
              "ERT.yaml (pJ per action; components dmult, adder_tree, precharge, wordline, din,\n"
              "leakage, analog_line, dac, adc, nq, ose, accumulator, mac, mac_bda<B>; actions\n"
              "read/compute for Timeloop, and for exact pricing the data-dependent actions:\n"
              "dmult w0/w1_a0/w1_a1, adder_tree evaluate (code = inputs at 1), precharge\n"
              "row_cycle/lblb, wordline dwl/awl, accumulator accumulate/toggle, analog_line\n"
              "row_on/row_off and dac drive (code = DAC code)),\n"
              "ART.yaml (no area: an empty table Timeloop accepts), action_counts.yaml (the\n"
              "reference run: Accelergy's estimate of it is the model's energy),\n"
              "accelergy.meta.json (units, what each action is, provenance).",
          .input = ExportInput::kModel,
          .render = RenderAccelergy};
}

}  // namespace cimchar::exporters::formats

namespace cimchar::exporters {

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

}  // namespace cimchar::exporters
