#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "core/error.h"
#include "lut/hdf5.h"
#include "lut/store.h"

// Store: reading and validating a run file.

namespace cimchar::lut {
namespace {

herr_t CollectLink(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

std::vector<std::string> LinkNames(const h5::File& file, hid_t group, bool recursive) {
  std::vector<std::string> names;
  if (recursive) {
    file.Check(H5Lvisit(group, H5_INDEX_NAME, H5_ITER_INC, CollectLink, &names), "listing links");
  } else {
    hsize_t index = 0;
    file.Check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, CollectLink, &names),
               "listing links");
  }
  return names;
}

Axis ReadAxis(const h5::File& file, hid_t axes_group, const std::string& name) {
  const std::string where = "axis /axes/" + name;
  const h5::Hid ds = file.OpenDataset(axes_group, name);
  if (!file.HasAttr(ds.get(), "units")) {
    file.Fail(where + " has no 'units' attribute");
  }
  const std::string units = file.ReadStringAttr(ds.get(), "units", where);
  const std::string kind = file.ReadStringAttr(ds.get(), "kind", where);
  if (file.Dims(ds.get(), where).size() != 1) {
    file.Fail(where + " is not one-dimensional");
  }
  try {
    if (kind == "numeric") {
      if (units.empty()) {
        file.Fail(where + " is numeric but its 'units' attribute is empty");
      }
      return Axis::Numeric(name, units, file.ReadDoubles(ds.get(), where));
    }
    if (kind == "categorical") {
      if (!units.empty()) {
        file.Fail(where + " is categorical but has units '" + units + "'");
      }
      return Axis::Categorical(name, file.ReadStrings(ds.get(), where));
    }
  } catch (const UsageError& e) {
    file.Fail(where + " is invalid: " + e.what());
  }
  file.Fail(where + " has an unknown kind '" + kind + "' (expected numeric or categorical)");
}

}  // namespace

Store Store::Open(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(path.string() + ": no such run file");
  }
  std::lock_guard<std::mutex> lock(h5::Hdf5Mutex());
  const h5::File file = h5::File::OpenReadOnly(path.string());
  Store store;
  store.path_ = path;
  const h5::Hid root = file.OpenGroup(file.id(), "/");
  const hid_t r = root.get();
  const std::string top = "the file";
  if (!file.HasAttr(r, "schema_version")) {
    file.Fail("not a cimchar run file (no 'schema_version' attribute)");
  }
  const int64_t version = file.ReadIntAttr(r, "schema_version", top);
  if (version != kSchemaVersion) {
    file.Fail("schema version " + std::to_string(version) + " is not supported (this cimchar " +
              "reads version " + std::to_string(kSchemaVersion) +
              "); read it with the cimchar that wrote it or regenerate it");
  }
  store.complete_ = file.ReadIntAttr(r, "complete", top) == 1;

  Provenance& p = store.provenance_;
  p.recipe_text = file.ReadStringAttr(r, "recipe", top);
  p.master_seed = file.ReadU64Attr(r, "master_seed", top);
  const auto input_files = file.ReadStringsAttr(r, "input_files", top);
  const auto input_hashes = file.ReadStringsAttr(r, "input_sha256", top);
  if (input_files.size() != input_hashes.size()) {
    file.Fail("'input_files' and 'input_sha256' have different lengths");
  }
  for (std::size_t i = 0; i < input_files.size(); ++i) {
    p.input_sha256[input_files[i]] = input_hashes[i];
  }
  p.ngspice_version = file.ReadStringAttr(r, "ngspice_version", top);
  p.cimchar_version = file.ReadStringAttr(r, "cimchar_version", top);
  p.cimchar_commit = file.ReadStringAttr(r, "cimchar_commit", top);
  p.created_utc = file.ReadStringAttr(r, "created_utc", top);
  if (file.HasAttr(r, "producer")) {
    p.producer = file.ReadStringAttr(r, "producer", top);
  }

  // Axes.
  const h5::Hid axes_group = file.OpenGroup(r, "axes");
  for (const auto& name : LinkNames(file, axes_group.get(), false)) {
    store.axes_.push_back(ReadAxis(file, axes_group.get(), name));
  }
  auto find_axis = [&store](const std::string& name) -> const Axis* {
    for (const auto& axis : store.axes_) {
      if (axis.name() == name) {
        return &axis;
      }
    }
    return nullptr;
  };
  RunSpec& spec = store.spec_;
  for (const auto& name : file.ReadStringsAttr(r, "grid_axes", top)) {
    const Axis* axis = find_axis(name);
    if (axis == nullptr) {
      file.Fail("the grid axis '" + name + "' is missing from /axes");
    }
    spec.grid.push_back(*axis);
  }
  spec.samples_per_point = file.ReadU64Attr(r, "samples_per_point", top);
  if (file.HasAttr(r, "shard_count")) {  // files written before shards are whole runs
    spec.shard.index = file.ReadU64Attr(r, "shard_index", top);
    spec.shard.count = file.ReadU64Attr(r, "shard_count", top);
  }

  // Samples.
  const h5::Hid samples = file.OpenGroup(r, "samples");
  const h5::Hid values_ds = file.OpenDataset(samples.get(), "values");
  const auto columns = file.ReadStringsAttr(values_ds.get(), "columns", "/samples/values");
  if (!file.HasAttr(values_ds.get(), "units")) {
    file.Fail("/samples/values has no 'units' attribute");
  }
  const auto units = file.ReadStringsAttr(values_ds.get(), "units", "/samples/values");
  if (columns.size() != units.size()) {
    file.Fail("/samples/values has " + std::to_string(columns.size()) + " columns but " +
              std::to_string(units.size()) + " units");
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (units[c].empty()) {
      file.Fail("column '" + columns[c] + "' of /samples/values has empty units");
    }
    spec.columns.push_back({.name = columns[c], .units = units[c]});
  }
  try {
    spec.Validate();
  } catch (const UsageError& e) {
    file.Fail(std::string("the run definition is invalid: ") + e.what());
  }
  const auto grid_point =
      file.ReadU64s(file.OpenDataset(samples.get(), "grid_point").get(), "/samples/grid_point");
  const auto sample =
      file.ReadU64s(file.OpenDataset(samples.get(), "sample").get(), "/samples/sample");
  const auto status =
      file.ReadU8s(file.OpenDataset(samples.get(), "status").get(), "/samples/status");
  const auto values = file.ReadDoubles(values_ds.get(), "/samples/values");
  const std::size_t n = grid_point.size();
  const std::size_t nc = columns.size();
  const auto dims = file.Dims(values_ds.get(), "/samples/values");
  if (sample.size() != n || status.size() != n || dims.size() != 2 || dims[0] != n ||
      dims[1] != nc) {
    file.Fail("the datasets in /samples have inconsistent lengths");
  }
  const h5::Hid failures = file.OpenGroup(r, "failures");
  const auto mask = file.ReadU8s(file.OpenDataset(failures.get(), "mask").get(), "/failures/mask");
  const auto failed_rows =
      file.ReadU64s(file.OpenDataset(failures.get(), "record").get(), "/failures/record");
  const auto reasons =
      file.ReadStrings(file.OpenDataset(failures.get(), "reason").get(), "/failures/reason");
  if (mask != status) {
    file.Fail("/failures/mask disagrees with /samples/status");
  }
  if (failed_rows.size() != reasons.size()) {
    file.Fail("/failures/record and /failures/reason have different lengths");
  }
  std::size_t next_failure = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Record rec;
    rec.grid_point = grid_point[i];
    rec.sample = sample[i];
    if (status[i] > 1) {
      file.Fail("/samples/status[" + std::to_string(i) + "] is not 0 (ok) or 1 (failed)");
    }
    rec.status = static_cast<SampleStatus>(status[i]);
    rec.values.assign(values.begin() + static_cast<long>(i * nc),
                      values.begin() + static_cast<long>((i + 1) * nc));
    if (rec.status == SampleStatus::kFailed) {
      if (next_failure >= failed_rows.size() || failed_rows[next_failure] != i) {
        file.Fail("/failures/record does not list the failed row " + std::to_string(i));
      }
      rec.reason = reasons[next_failure++];
    }
    if (rec.grid_point >= spec.GridPointCount() || rec.sample >= spec.samples_per_point) {
      file.Fail("/samples row " + std::to_string(i) + " is outside the grid");
    }
    if (!spec.Holds({rec.grid_point, rec.sample})) {
      file.Fail("/samples row " + std::to_string(i) + " is not in the file's shard " +
                spec.shard.Name());
    }
    if (i > 0 &&
        !(SampleKey{grid_point[i - 1], sample[i - 1]} < SampleKey{rec.grid_point, rec.sample})) {
      file.Fail("/samples is not sorted by (grid_point, sample) at row " + std::to_string(i));
    }
    if (rec.status == SampleStatus::kOk) {
      for (std::size_t c = 0; c < nc; ++c) {
        if (!std::isfinite(rec.values[c])) {
          file.Fail("/samples/values has a non-finite " + columns[c] + " in the ok row " +
                    std::to_string(i) + " (" + spec.DescribeGridPoint(rec.grid_point) +
                    ", sample " + std::to_string(rec.sample) + ")");
        }
      }
    }
    store.records_.push_back(std::move(rec));
  }
  if (next_failure != failed_rows.size()) {
    file.Fail("/failures/record lists rows that did not fail");
  }
  if (file.ReadU64Attr(r, "samples_done", top) != n) {
    file.Fail("'samples_done' disagrees with the number of rows in /samples");
  }
  if (store.complete_ && n != spec.ShardSampleCount()) {
    file.Fail("the file says it is complete but holds " + std::to_string(n) + " of " +
              std::to_string(spec.ShardSampleCount()) + " samples");
  }

  // Quantities.
  const h5::Hid quantities = file.OpenGroup(r, "quantities");
  for (const auto& link : LinkNames(file, quantities.get(), true)) {
    const std::size_t slash = link.rfind('/');
    if (slash == std::string::npos) {
      continue;
    }
    const std::string leaf = link.substr(slash + 1);
    std::optional<Statistic> statistic;
    for (const Statistic s :
         {Statistic::kMean, Statistic::kStaticSigma, Statistic::kDynamicSigma}) {
      if (leaf == StatisticName(s)) {
        statistic = s;
      }
    }
    if (!statistic) {
      continue;
    }
    const std::string quantity = link.substr(0, slash);
    const std::string where = "/quantities/" + link;
    const h5::Hid ds = file.OpenDataset(quantities.get(), link);
    const auto axis_names = file.ReadStringsAttr(ds.get(), "axes", where);
    if (!file.HasAttr(ds.get(), "units")) {
      file.Fail(where + " has no 'units' attribute");
    }
    const std::string table_units = file.ReadStringAttr(ds.get(), "units", where);
    if (table_units.empty()) {
      file.Fail(where + " has empty units");
    }
    const bool missing_allowed = file.HasAttr(ds.get(), "missing_allowed") &&
                                 file.ReadIntAttr(ds.get(), "missing_allowed", where) == 1;
    std::vector<Axis> table_axes;
    for (const auto& name : axis_names) {
      const Axis* axis = find_axis(name);
      if (axis == nullptr) {
        file.Fail(where + " is indexed by the axis '" + name + "', which is missing from /axes");
      }
      table_axes.push_back(*axis);
    }
    const auto table_dims = file.Dims(ds.get(), where);
    bool shape_ok = table_dims.size() == table_axes.size();
    for (std::size_t a = 0; shape_ok && a < table_axes.size(); ++a) {
      shape_ok = table_dims[a] == table_axes[a].size();
    }
    if (!shape_ok) {
      file.Fail(where + " does not have the shape of its axes");
    }
    auto data = file.ReadDoubles(ds.get(), where);
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (std::isinf(data[i]) || (std::isnan(data[i]) && !missing_allowed)) {
        std::string at;
        std::size_t rest = i;
        std::vector<std::size_t> index(table_axes.size());
        for (std::size_t a = table_axes.size(); a-- > 0;) {
          index[a] = rest % table_axes[a].size();
          rest /= table_axes[a].size();
        }
        for (std::size_t a = 0; a < table_axes.size(); ++a) {
          at += (a ? ", " : "") + table_axes[a].name() + " = " + table_axes[a].Describe(index[a]);
        }
        file.Fail(where + " holds " + (std::isnan(data[i]) ? "NaN" : "an infinite value") + " at " +
                  (at.empty() ? "its only point" : at) +
                  (std::isnan(data[i]) ? " and does not allow missing values" : ""));
      }
    }
    try {
      store.tables_.push_back({.statistic = *statistic,
                               .table = Table(quantity, table_units, std::move(table_axes),
                                              std::move(data), missing_allowed)});
    } catch (const UsageError& e) {
      file.Fail(where + " is invalid: " + e.what());
    }
  }
  return store;
}

std::vector<QuantityInfo> Store::Quantities() const {
  std::vector<QuantityInfo> out;
  for (const auto& qt : tables_) {
    QuantityInfo info{.quantity = qt.table.quantity(),
                      .statistic = qt.statistic,
                      .axes = {},
                      .shape = qt.table.shape(),
                      .units = qt.table.units()};
    for (const auto& axis : qt.table.axes()) {
      info.axes.push_back(axis.name());
    }
    out.push_back(std::move(info));
  }
  return out;
}

FailureSummary Store::Failures() const {
  FailureSummary summary;
  for (const auto& rec : records_) {
    if (rec.status == SampleStatus::kFailed) {
      ++summary.failed;
      ++summary.by_reason[rec.reason];
    }
  }
  return summary;
}

const Table& Store::ReadTable(std::string_view quantity, Statistic statistic) const {
  for (const auto& qt : tables_) {
    if (qt.table.quantity() == quantity && qt.statistic == statistic) {
      return qt.table;
    }
  }
  throw Error(path_.string() + ": has no table /quantities/" + std::string(quantity) + "/" +
              StatisticName(statistic) +
              (!spec_.shard.whole()
                   ? " (it holds shard " + spec_.shard.Name() +
                         " of a run: merge the shards with `cimchar merge` to get the tables)"
               : complete_ ? ""
                           : " (the run is not finished: resume it to get its tables)"));
}

const Table& Store::ReadTable(std::string_view quantity,
                              Statistic statistic,
                              const TableExpectation& expected) const {
  const Table& table = ReadTable(quantity, statistic);
  const std::string where =
      path_.string() + ": /quantities/" + std::string(quantity) + "/" + StatisticName(statistic);
  if (table.units() != expected.units) {
    throw Error(where + " has units '" + table.units() + "', expected '" + expected.units + "'");
  }
  const auto& axes = table.axes();
  for (std::size_t a = 0; a < expected.axes.size(); ++a) {
    const auto& want = expected.axes[a];
    if (a >= axes.size() || axes[a].name() != want.name) {
      throw Error(where + " lacks the axis '" + want.name + "' at position " + std::to_string(a) +
                  " (its axes are in another order or the axis is missing)");
    }
    if (axes[a].units() != want.units) {
      throw Error(where + ": axis '" + want.name + "' has units '" + axes[a].units() +
                  "', expected '" + want.units + "'");
    }
  }
  if (axes.size() != expected.axes.size()) {
    throw Error(where + " has " + std::to_string(axes.size()) + " axes, expected " +
                std::to_string(expected.axes.size()));
  }
  return table;
}

}  // namespace cimchar::lut
