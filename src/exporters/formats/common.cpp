#include "exporters/formats/common.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "core/error.h"
#include "core/paths.h"
#include "exporters/exporters.h"
#include "exporters/readouts/readouts.h"

namespace cimchar::exporters::formats {

namespace {

std::string Tree(bool dirty) { return dirty ? "dirty" : "clean"; }

Document OperatingPointDoc(const OperatingPoint& p) {
  Document d;
  d.Set("corner", p.corner);
  d.Set("vdd_v", p.vdd_v);
  d.Set("temp_c", p.temp_c);
  return d;
}

Document MacroDoc(const mac::MacShape& s, const std::string& readout) {
  Document d;
  d.Set("rows", s.rows);
  d.Set("columns", s.columns);
  d.Set("dac_bits", s.dac_bits);
  d.Set("analog_window", s.analog_window);
  for (auto& [key, value] : FindReadoutExport(readout).macro_fields(s)) {
    d.Set(key, std::move(value));
  }
  d.Set("activation_bits", s.activation_bits);
  d.Set("weight_bits", s.weight_bits);
  d.Set("signed_weights", s.signed_weights);
  return d;
}

}  // namespace

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

Document SourceDoc(const calib::TableSource& t, bool with_recipe) {
  Document d;
  d.Set("role", t.role);
  d.Set("file", core::ProvenancePath(t.file));
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

Document NotDerived(const ExportModel& model, const std::string& prefix) {
  Document d = Document::MakeObject();
  for (const auto& [key, why] : model.not_derived) {
    if (prefix.empty() || key.rfind(prefix, 0) == 0) {
      d.Set(key, why);
    }
  }
  return d;
}

Document Header(const ExportModel& model,
                const std::string& consumer,
                const std::string& followed) {
  Document d;
  d.Set("consumer", consumer);
  d.Set("consumer_code_followed", followed);
  d.Set("generator", "cimchar export");
  d.Set("operating_point", OperatingPointDoc(model.operating_point));
  d.Set("macro", MacroDoc(model.shape, model.readout));
  d.Set("provenance", ProvenanceDoc(model.provenance));
  return d;
}

void CheckModel(const std::string& format, const ExportModel& model) {
  if (model.provenance.tables.empty() && model.provenance.origin != "analytic") {
    Missing(format, "the provenance of its tables");
  }
  if (model.provenance.cimchar_commit.empty()) {
    Missing(format, "the exporting binary's commit");
  }
  RequireFinite(format, "operating_point.vdd_v", model.operating_point.vdd_v);
  RequireFinite(format, "operating_point.temp_c", model.operating_point.temp_c);
  CheckReadoutFits(FindExportFormat(format), model.readout);
  if (!FindReadoutExport(model.readout).shared_thresholds) {
    return;  // no transfer shared by the columns, and the format needs none
  }
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

}  // namespace cimchar::exporters::formats
