#include "lut/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <thread>

#include "core/build_info.h"
#include "core/error.h"
#include "lut/hdf5.h"
#include "lut/journal.h"

namespace cimchar::lut {
namespace {

constexpr const char* kStatisticNames[] = {"mean", "static_sigma", "dynamic_sigma"};

std::string ErrnoText() { return std::strerror(errno); }

std::string NowUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

void WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(path + ": cannot write: " + ErrnoText());
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void SyncPath(const std::filesystem::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(path.string() + ": cannot open to sync it: " + ErrnoText());
  }
  const int rc = ::fsync(fd);
  const std::string err = rc != 0 ? ErrnoText() : "";
  ::close(fd);
  if (rc != 0) {
    throw Error(path.string() + ": fsync failed: " + err);
  }
}

std::filesystem::path ParentOf(const std::filesystem::path& path) {
  const auto parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

std::filesystem::path WithSuffix(const std::filesystem::path& path, const char* suffix) {
  std::filesystem::path out = path;
  out += suffix;
  return out;
}

// Checks one record against the spec. Throws UsageError.
void CheckRecord(const RunSpec& spec, const Record& record) {
  if (record.grid_point >= spec.GridPointCount()) {
    throw UsageError("record for grid point " + std::to_string(record.grid_point) +
                     ", but the grid has " + std::to_string(spec.GridPointCount()) + " points");
  }
  if (record.sample >= spec.samples_per_point) {
    throw UsageError("record for sample " + std::to_string(record.sample) + ", but the run has " +
                     std::to_string(spec.samples_per_point) + " samples per grid point");
  }
  const std::string where = "record (" + spec.DescribeGridPoint(record.grid_point) + ", sample " +
                            std::to_string(record.sample) + ")";
  if (!spec.Holds({record.grid_point, record.sample})) {
    throw UsageError(where + " is not in shard " + spec.shard.Name() + " of the run");
  }
  if (record.status == SampleStatus::kOk) {
    if (record.values.size() != spec.columns.size()) {
      throw UsageError(where + " has " + std::to_string(record.values.size()) +
                       " values, the run measures " + std::to_string(spec.columns.size()));
    }
    for (std::size_t c = 0; c < record.values.size(); ++c) {
      if (!std::isfinite(record.values[c])) {
        throw UsageError(where + " has a non-finite " + spec.columns[c].name +
                         "; record the sample as failed with a reason instead");
      }
    }
  } else if (record.status == SampleStatus::kFailed) {
    if (record.reason.empty()) {
      throw UsageError(where + " failed without a reason");
    }
    if (!record.values.empty() && record.values.size() != spec.columns.size()) {
      throw UsageError(where + " has " + std::to_string(record.values.size()) +
                       " values, the run measures " + std::to_string(spec.columns.size()));
    }
  } else {
    throw UsageError(where + " has an unknown status");
  }
}

// Writes the whole run file to F.tmp, fsyncs it and renames it over F.
void WriteRunFile(const std::filesystem::path& out,
                  const RunSpec& spec,
                  const Provenance& provenance,
                  const std::vector<const Record*>& records,
                  const std::vector<QuantityTable>& tables,
                  bool complete) {
  // Every axis: the grid's, then those only tables use; equal names must be equal axes.
  std::map<std::string, const Axis*> axes;
  for (const auto& axis : spec.grid) {
    axes[axis.name()] = &axis;
  }
  std::set<std::pair<std::string, Statistic>> seen;
  for (const auto& qt : tables) {
    for (const auto& part :
         {std::string("mean"), std::string("static_sigma"), std::string("dynamic_sigma")}) {
      const std::string& q = qt.table.quantity();
      if (q == part || q.ends_with("/" + part) || q.starts_with(part + "/") ||
          q.find("/" + part + "/") != std::string::npos) {
        throw UsageError("quantity name '" + q + "' uses the reserved part '" + part + "'");
      }
    }
    if (!seen.insert({qt.table.quantity(), qt.statistic}).second) {
      throw UsageError("two tables for " + qt.table.quantity() + "/" + StatisticName(qt.statistic));
    }
    for (const auto& axis : qt.table.axes()) {
      const auto [it, inserted] = axes.emplace(axis.name(), &axis);
      if (!inserted && !(*it->second == axis)) {
        throw UsageError("table '" + qt.table.quantity() + "' has an axis '" + axis.name() +
                         "' that differs from another axis of that name in the run");
      }
    }
  }

  const std::filesystem::path tmp = WithSuffix(out, ".tmp");
  {
    std::lock_guard<std::mutex> lock(h5::Hdf5Mutex());
    h5::File file = h5::File::Create(tmp.string());
    const h5::Hid root = file.OpenGroup(file.id(), "/");
    const hid_t r = root.get();
    file.WriteAttr(r, "schema_version", kSchemaVersion);
    file.WriteAttr(r, "complete", int64_t{complete ? 1 : 0});
    file.WriteAttr(r, "recipe", provenance.recipe_text);
    file.WriteAttrU64(r, "master_seed", provenance.master_seed);
    std::vector<std::string> input_files;
    std::vector<std::string> input_hashes;
    for (const auto& [name, hash] : provenance.input_sha256) {
      input_files.push_back(name);
      input_hashes.push_back(hash);
    }
    file.WriteAttr(r, "input_files", input_files);
    file.WriteAttr(r, "input_sha256", input_hashes);
    file.WriteAttr(r, "ngspice_version", provenance.ngspice_version);
    file.WriteAttr(r, "cimchar_version", provenance.cimchar_version);
    file.WriteAttr(r, "cimchar_commit", provenance.cimchar_commit);
    file.WriteAttr(r, "created_utc", provenance.created_utc);
    std::vector<std::string> grid_names;
    for (const auto& axis : spec.grid) {
      grid_names.push_back(axis.name());
    }
    file.WriteAttr(r, "grid_axes", grid_names);
    file.WriteAttrU64(r, "samples_per_point", spec.samples_per_point);
    file.WriteAttrU64(r, "samples_done", records.size());
    file.WriteAttrU64(r, "samples_total", spec.ShardSampleCount());
    file.WriteAttrU64(r, "shard_index", spec.shard.index);
    file.WriteAttrU64(r, "shard_count", spec.shard.count);
    file.WriteAttr(r, "producer", provenance.producer);

    const h5::Hid axes_group = file.CreateGroup(r, "axes");
    for (const auto& [name, axis] : axes) {
      h5::Hid ds = axis->numeric()
                       ? file.WriteDoubles(axes_group.get(), name, {axis->size()}, axis->values())
                       : file.WriteStrings(axes_group.get(), name, axis->labels());
      file.WriteAttr(ds.get(), "kind", std::string(axis->numeric() ? "numeric" : "categorical"));
      file.WriteAttr(ds.get(), "units", axis->units());
    }

    const std::size_t n = records.size();
    const std::size_t c = spec.columns.size();
    std::vector<uint64_t> grid_point(n);
    std::vector<uint64_t> sample(n);
    std::vector<uint8_t> status(n);
    std::vector<double> values(n * c, std::numeric_limits<double>::quiet_NaN());
    std::vector<uint64_t> failed_rows;
    std::vector<std::string> reasons;
    for (std::size_t i = 0; i < n; ++i) {
      const Record& rec = *records[i];
      grid_point[i] = rec.grid_point;
      sample[i] = rec.sample;
      status[i] = static_cast<uint8_t>(rec.status);
      std::copy(rec.values.begin(), rec.values.end(), values.begin() + static_cast<long>(i * c));
      if (rec.status == SampleStatus::kFailed) {
        failed_rows.push_back(i);
        reasons.push_back(rec.reason);
      }
    }
    const h5::Hid samples = file.CreateGroup(r, "samples");
    file.WriteU64s(samples.get(), "grid_point", grid_point);
    file.WriteU64s(samples.get(), "sample", sample);
    file.WriteU8s(samples.get(), "status", status);
    const h5::Hid values_ds = file.WriteDoubles(samples.get(), "values", {n, c}, values);
    std::vector<std::string> column_names;
    std::vector<std::string> column_units;
    for (const auto& column : spec.columns) {
      column_names.push_back(column.name);
      column_units.push_back(column.units);
    }
    file.WriteAttr(values_ds.get(), "columns", column_names);
    file.WriteAttr(values_ds.get(), "units", column_units);

    const h5::Hid failures = file.CreateGroup(r, "failures");
    file.WriteU8s(failures.get(), "mask", status);
    file.WriteU64s(failures.get(), "record", failed_rows);
    file.WriteStrings(failures.get(), "reason", reasons);

    const h5::Hid quantities = file.CreateGroup(r, "quantities");
    for (const auto& qt : tables) {
      const Table& t = qt.table;
      std::vector<hsize_t> dims;
      std::vector<std::string> axis_names;
      for (const auto& axis : t.axes()) {
        dims.push_back(axis.size());
        axis_names.push_back(axis.name());
      }
      const h5::Hid ds = file.WriteDoubles(
          quantities.get(), t.quantity() + "/" + StatisticName(qt.statistic), dims, t.values());
      file.WriteAttr(ds.get(), "axes", axis_names);
      file.WriteAttr(ds.get(), "units", t.units());
      file.WriteAttr(ds.get(), "missing_allowed", int64_t{t.missing_allowed() ? 1 : 0});
    }
    file.Close();
  }
  SyncPath(tmp, false);
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    throw Error(out.string() + ": cannot rename " + tmp.string() + " into place: " + ErrnoText());
  }
  SyncPath(ParentOf(out), true);
}

}  // namespace

std::string RunDifference(const RunSpec& a,
                          const Provenance& pa,
                          const std::string& a_label,
                          const RunSpec& b,
                          const Provenance& pb,
                          const std::string& b_label) {
  auto both = [&](const std::string& x, const std::string& y) {
    return " (" + x + " " + a_label + ", " + y + " " + b_label + ")";
  };
  if (a.grid != b.grid) {
    return "the grid axes";
  }
  if (a.samples_per_point != b.samples_per_point) {
    return "the number of samples per grid point" +
           both(std::to_string(a.samples_per_point), std::to_string(b.samples_per_point));
  }
  if (a.columns != b.columns) {
    return "the measured columns";
  }
  if (a.shard != b.shard) {
    return "the shard" + both(a.shard.Name(), b.shard.Name());
  }
  if (pa.master_seed != pb.master_seed) {
    return "the master seed" + both(std::to_string(pa.master_seed), std::to_string(pb.master_seed));
  }
  if (pa.recipe_text != pb.recipe_text) {
    std::istringstream la(pa.recipe_text);
    std::istringstream lb(pb.recipe_text);
    std::string x;
    std::string y;
    for (;;) {
      const bool more_a = static_cast<bool>(std::getline(la, x));
      const bool more_b = static_cast<bool>(std::getline(lb, y));
      if (!more_a || !more_b || x != y) {
        return "the recipe text" + both(more_a ? "'" + x + "'" : "no more lines",
                                        more_b ? "'" + y + "'" : "no more lines");
      }
    }
  }
  if (pa.input_sha256 != pb.input_sha256) {
    for (const auto& [file, hash] : pa.input_sha256) {
      const auto it = pb.input_sha256.find(file);
      if (it == pb.input_sha256.end() || it->second != hash) {
        return "the netlist/model file " + file +
               (it == pb.input_sha256.end() ? " (used " + a_label + " only)"
                                            : " (its SHA-256 differs)");
      }
    }
    return "the netlist/model files (" + b_label + " uses more)";
  }
  if (pa.ngspice_version != pb.ngspice_version) {
    return "the ngspice version" + both(pa.ngspice_version, pb.ngspice_version);
  }
  if (pa.cimchar_version != pb.cimchar_version || pa.cimchar_commit != pb.cimchar_commit) {
    return "the cimchar version or commit" + both(pa.cimchar_version + " " + pa.cimchar_commit,
                                                  pb.cimchar_version + " " + pb.cimchar_commit);
  }
  if (pa.producer != pb.producer) {
    return "the command that writes the run" +
           both("'" + pa.producer + "'", "'" + pb.producer + "'");
  }
  return "";
}

namespace {
// The difference between a journal (a) and the run being started now (b).
std::string FirstDifference(const RunSpec& a,
                            const Provenance& pa,
                            const RunSpec& b,
                            const Provenance& pb) {
  return RunDifference(a, pa, "in the journal", b, pb, "now");
}
}  // namespace

const char* StatisticName(Statistic s) { return kStatisticNames[static_cast<int>(s)]; }

// --- RunSpec ----------------------------------------------------------------------------------

void RunSpec::Validate() const {
  std::set<std::string_view> names;
  for (const auto& axis : grid) {
    if (!names.insert(axis.name()).second) {
      throw UsageError("the run repeats the grid axis '" + axis.name() + "'");
    }
  }
  if (samples_per_point == 0) {
    throw UsageError("the run has zero samples per grid point; give at least one");
  }
  std::set<std::string_view> columns_seen;
  for (const auto& column : columns) {
    CheckName(column.name, "column");
    if (column.units.empty()) {
      throw UsageError("column '" + column.name + "' has no units (use \"1\" if none)");
    }
    if (!columns_seen.insert(column.name).second) {
      throw UsageError("the run repeats the column '" + column.name + "'");
    }
  }
  constexpr uint64_t kMax = uint64_t{1} << 63;
  uint64_t count = samples_per_point;
  for (const auto& axis : grid) {
    if (count > kMax / axis.size()) {
      throw UsageError("the run sweeps more than 2^63 samples");
    }
    count *= axis.size();
  }
  if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw UsageError("shard " + shard.Name() + " is not K/N with 1 <= K <= N");
  }
  if (shard.count > count) {
    throw UsageError("shard " + shard.Name() + ": the run has only " + std::to_string(count) +
                     " samples, so at most " + std::to_string(count) + " shards");
  }
}

uint64_t RunSpec::ShardSampleCount() const {
  const uint64_t all = SampleCount();
  const uint64_t first = shard.index - 1;
  return all > first ? (all - first + shard.count - 1) / shard.count : 0;
}

uint64_t RunSpec::GridPointCount() const {
  uint64_t count = 1;
  for (const auto& axis : grid) {
    count *= axis.size();
  }
  return count;
}

std::vector<std::size_t> RunSpec::GridIndex(uint64_t grid_point) const {
  if (grid_point >= GridPointCount()) {
    throw UsageError("grid point " + std::to_string(grid_point) + " is out of range (" +
                     std::to_string(GridPointCount()) + " points)");
  }
  std::vector<std::size_t> index(grid.size());
  for (std::size_t a = grid.size(); a-- > 0;) {
    index[a] = grid_point % grid[a].size();
    grid_point /= grid[a].size();
  }
  return index;
}

uint64_t RunSpec::GridPoint(const std::vector<std::size_t>& index) const {
  if (index.size() != grid.size()) {
    throw UsageError("a grid index needs " + std::to_string(grid.size()) + " entries, got " +
                     std::to_string(index.size()));
  }
  uint64_t flat = 0;
  for (std::size_t a = 0; a < grid.size(); ++a) {
    if (index[a] >= grid[a].size()) {
      throw UsageError("index " + std::to_string(index[a]) + " is out of range for grid axis '" +
                       grid[a].name() + "'");
    }
    flat = flat * grid[a].size() + index[a];
  }
  return flat;
}

std::string RunSpec::DescribeGridPoint(uint64_t grid_point) const {
  const auto index = GridIndex(grid_point);
  std::string text;
  for (std::size_t a = 0; a < grid.size(); ++a) {
    text += (a ? ", " : "") + grid[a].name() + " = " + grid[a].Describe(index[a]);
  }
  return text.empty() ? "the single grid point" : text;
}

bool Record::operator==(const Record& other) const {
  return grid_point == other.grid_point && sample == other.sample && status == other.status &&
         reason == other.reason && values.size() == other.values.size() &&
         (values.empty() ||
          std::memcmp(values.data(), other.values.data(), values.size() * sizeof(double)) == 0);
}

// --- journal parts --------------------------------------------------------------------------

namespace detail {

// One open journal part file.
struct JournalFile {
  std::filesystem::path path;
  int fd = -1;
  JournalFile(std::filesystem::path p, int f) : path(std::move(p)), fd(f) {}
  ~JournalFile() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;
  void Sync() const {
    if (::fdatasync(fd) != 0) {
      throw Error(path.string() + ": fdatasync failed: " + ErrnoText());
    }
  }
  void Lock() const {
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      throw UsageError(path.string() +
                       ": another process is writing this run (the journal is locked)");
    }
  }
  void Write(std::string_view bytes) const { WriteAll(fd, bytes, path.string()); }
  void CutAt(uint64_t valid_bytes) const {
    if (::ftruncate(fd, static_cast<off_t>(valid_bytes)) != 0) {
      throw Error(path.string() + ": cannot cut the torn tail: " + ErrnoText());
    }
  }
};

}  // namespace detail

std::filesystem::path JournalPartPath(const std::filesystem::path& out, unsigned part) {
  return part == 0 ? WithSuffix(out, ".journal")
                   : WithSuffix(out, (".journal." + std::to_string(part)).c_str());
}

std::vector<unsigned> JournalParts(const std::filesystem::path& out) {
  const std::string base = out.filename().string() + ".journal";
  std::vector<unsigned> parts;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ParentOf(out), ec)) {
    const std::string name = entry.path().filename().string();
    if (name == base) {
      parts.push_back(0);
    } else if (name.size() > base.size() + 1 && name.starts_with(base + ".")) {
      const std::string digits = name.substr(base.size() + 1);
      if (digits.size() <= 9 && digits.front() != '0' &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        parts.push_back(static_cast<unsigned>(std::stoul(digits)));
      }
    }
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

namespace {

// The bytes of `path` from `offset` to its end. Failures: Error naming the file.
std::string ReadFrom(const std::filesystem::path& path, uint64_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(path.string() + ": cannot read the journal: " + ErrnoText());
  }
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    throw Error(path.string() + ": cannot read the journal");
  }
  return buffer.str();
}

std::string HeaderBytes(const RunSpec& spec, const Provenance& provenance) {
  std::string bytes(journal::kMagic);
  bytes += journal::Frame(journal::EncodeHeader(spec, provenance));
  return bytes;
}

// Creates a new journal part holding the run header and takes its lock.
std::unique_ptr<detail::JournalFile> CreatePart(const std::filesystem::path& path,
                                                const std::string& header) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      throw UsageError(path.string() +
                       " exists: an interrupted run left it. Resume that run (--resume) or "
                       "delete the journal to start over");
    }
    throw Error(path.string() + ": cannot create the journal: " + ErrnoText());
  }
  auto file = std::make_unique<detail::JournalFile>(path, fd);
  file->Lock();
  file->Write(header);
  file->Sync();
  SyncPath(ParentOf(path), true);
  return file;
}

void FillBuildProvenance(Provenance& provenance) {
  if (provenance.cimchar_version.empty()) {
    provenance.cimchar_version = core::kVersion;
  }
  if (provenance.cimchar_commit.empty()) {
    provenance.cimchar_commit = core::kGitCommit;
  }
}

void FillRecordValues(const RunSpec& spec, Record& record) {
  if (record.status == SampleStatus::kFailed && record.values.empty()) {
    record.values.assign(spec.columns.size(), std::numeric_limits<double>::quiet_NaN());
  }
}

}  // namespace

// --- RunWriter --------------------------------------------------------------------------------

// What the RunWriter has read of another process's journal part.
struct RunWriter::PartTail {
  std::filesystem::path path;
  uint64_t offset = 0;  // bytes consumed (magic, header and whole record frames)
  bool header_read = false;
};

RunWriter::RunWriter(std::filesystem::path out,
                     RunSpec spec,
                     Provenance provenance,
                     WriterOptions options)
    : out_(std::move(out)),
      spec_(std::move(spec)),
      provenance_(std::move(provenance)),
      options_(options),
      last_snapshot_(std::chrono::steady_clock::now()) {}

RunWriter::~RunWriter() {
  if (journal_ && journal_->fd >= 0) {
    ::fdatasync(journal_->fd);  // best effort; Append already wrote every record
  }
}

std::unique_ptr<RunWriter> RunWriter::Create(const std::filesystem::path& out,
                                             RunSpec spec,
                                             Provenance provenance,
                                             WriterOptions options) {
  spec.Validate();
  FillBuildProvenance(provenance);
  if (provenance.created_utc.empty()) {
    provenance.created_utc = NowUtc();
  }
  for (const unsigned part : JournalParts(out)) {
    throw UsageError(JournalPartPath(out, part).string() +
                     " exists: an interrupted run left it. Resume that run (--resume) or delete "
                     "the journal (" +
                     out.string() + ".journal*) to start over");
  }
  std::unique_ptr<RunWriter> writer(
      new RunWriter(out, std::move(spec), std::move(provenance), options));
  writer->journal_ =
      CreatePart(writer->journal_path(), HeaderBytes(writer->spec_, writer->provenance_));
  writer->SnapshotLocked();
  return writer;
}

std::unique_ptr<RunWriter> RunWriter::Resume(const std::filesystem::path& out,
                                             RunSpec spec,
                                             Provenance provenance,
                                             WriterOptions options) {
  spec.Validate();
  FillBuildProvenance(provenance);
  const std::filesystem::path jpath = JournalPartPath(out, 0);
  const int fd = ::open(jpath.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      throw UsageError(jpath.string() + " does not exist: there is no interrupted run to resume" +
                       " for " + out.string() + "; run without --resume");
    }
    throw Error(jpath.string() + ": cannot open the journal: " + ErrnoText());
  }
  auto j = std::make_unique<detail::JournalFile>(jpath, fd);
  j->Lock();
  journal::Parsed parsed = journal::Parse(ReadFrom(jpath, 0), jpath.string());
  if (!parsed.has_header) {
    throw UsageError(jpath.string() +
                     " holds no complete run header: the run was killed while starting. Delete "
                     "the journal and start it again without --resume");
  }
  const std::string diff = FirstDifference(parsed.spec, parsed.provenance, spec, provenance);
  if (!diff.empty()) {
    throw UsageError(jpath.string() + " belongs to a different run: " + diff +
                     " changed. Resume with the same recipe and inputs, or delete the journal "
                     "to start over");
  }
  provenance.created_utc = parsed.provenance.created_utc;
  if (parsed.dropped_bytes > 0) {
    j->CutAt(parsed.valid_bytes);
  }
  std::unique_ptr<RunWriter> writer(
      new RunWriter(out, std::move(spec), std::move(provenance), options));
  writer->journal_ = std::move(j);
  writer->dropped_bytes_ = parsed.dropped_bytes;
  for (auto& record : parsed.records) {
    try {
      CheckRecord(writer->spec_, record);
    } catch (const UsageError& e) {
      throw Error(jpath.string() + ": holds an invalid record: " + e.what());
    }
    writer->AddLocked(std::move(record));  // a duplicate keeps the first
  }
  // The other processes' parts: none may still be written to.
  for (const unsigned part : JournalParts(out)) {
    if (part == 0) {
      continue;
    }
    const std::filesystem::path ppath = JournalPartPath(out, part);
    const int pfd = ::open(ppath.c_str(), O_RDONLY | O_CLOEXEC);
    if (pfd < 0) {
      throw Error(ppath.string() + ": cannot open the journal: " + ErrnoText());
    }
    detail::JournalFile probe(ppath, pfd);
    probe.Lock();
    writer->parts_.emplace(part, PartTail{.path = ppath});
  }
  writer->RefreshLocked();
  for (const auto& [part, tail] : writer->parts_) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(tail.path, ec);
    if (!ec && size > tail.offset) {
      writer->dropped_bytes_ += size - tail.offset;
    }
  }
  writer->journal_->Sync();
  writer->SnapshotLocked();
  return writer;
}

bool RunWriter::AddLocked(Record record) {
  const SampleKey key{record.grid_point, record.sample};
  if (records_.contains(key)) {
    return false;
  }
  if (record.status == SampleStatus::kFailed) {
    ++failed_;
  }
  records_.emplace(key, std::move(record));
  return true;
}

void RunWriter::Append(Record record) {
  std::lock_guard<std::mutex> lock(mutex_);
  AppendLocked(std::move(record));
}

void RunWriter::AppendLocked(Record record) {
  if (!journal_) {
    throw UsageError(out_.string() + ": the run is finalized and takes no more records");
  }
  CheckRecord(spec_, record);
  const SampleKey key{record.grid_point, record.sample};
  if (records_.contains(key)) {
    throw UsageError("sample " + std::to_string(record.sample) + " at " +
                     spec_.DescribeGridPoint(record.grid_point) + " is already recorded");
  }
  FillRecordValues(spec_, record);
  journal_->Write(journal::Frame(journal::EncodeRecord(record)));
  AddLocked(std::move(record));
  ++since_snapshot_;
  if (++unsynced_ >= std::max<uint64_t>(options_.sync_every_records, 1)) {
    journal_->Sync();
    unsynced_ = 0;
  }
  const bool by_count =
      options_.snapshot_every_records > 0 && since_snapshot_ >= options_.snapshot_every_records;
  const bool by_time =
      options_.snapshot_every_s > 0 &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_snapshot_).count() >=
          options_.snapshot_every_s;
  if (by_count || by_time) {
    SnapshotLocked();
  }
}

uint64_t RunWriter::Refresh() {
  std::lock_guard<std::mutex> lock(mutex_);
  return RefreshLocked();
}

uint64_t RunWriter::RefreshLocked() {
  for (const unsigned part : JournalParts(out_)) {
    if (part != 0 && !parts_.contains(part)) {
      parts_.emplace(part, PartTail{.path = JournalPartPath(out_, part)});
    }
  }
  uint64_t added = 0;
  for (auto& [part, tail] : parts_) {
    std::error_code ec;
    if (!std::filesystem::exists(tail.path, ec)) {
      continue;
    }
    const std::string bytes = ReadFrom(tail.path, tail.offset);
    std::vector<Record> records;
    if (!tail.header_read) {
      journal::Parsed parsed = journal::Parse(bytes, tail.path.string());
      if (!parsed.has_header) {
        continue;  // being created, or torn while created: no records yet
      }
      const std::string diff = FirstDifference(parsed.spec, parsed.provenance, spec_, provenance_);
      if (!diff.empty()) {
        throw UsageError(tail.path.string() + " belongs to a different run: " + diff +
                         " changed. Delete the journal parts of the other run (" + out_.string() +
                         ".journal*) or write this run to another file");
      }
      tail.header_read = true;
      tail.offset = parsed.valid_bytes;
      records = std::move(parsed.records);
    } else {
      journal::Records tail_records = journal::ParseRecords(bytes, tail.offset, tail.path.string());
      tail.offset += tail_records.valid_bytes;
      records = std::move(tail_records.records);
    }
    for (auto& record : records) {
      try {
        CheckRecord(spec_, record);
      } catch (const UsageError& e) {
        throw Error(tail.path.string() + ": holds an invalid record: " + e.what());
      }
      added += AddLocked(std::move(record)) ? 1 : 0;
    }
  }
  return added;
}

bool RunWriter::IsDone(uint64_t grid_point, uint64_t sample) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_.contains(SampleKey{grid_point, sample});
}

std::vector<SampleKey> RunWriter::Pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<SampleKey> pending;
  const uint64_t all = spec_.SampleCount();
  for (uint64_t flat = spec_.shard.index - 1; flat < all; flat += spec_.shard.count) {
    const SampleKey key = spec_.KeyAt(flat);
    if (!records_.contains(key)) {
      pending.push_back(key);
    }
  }
  return pending;
}

uint64_t RunWriter::done_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_.size();
}

uint64_t RunWriter::failed_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failed_;
}

std::vector<Record> RunWriter::Records() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Record> out;
  out.reserve(records_.size());
  for (const auto& [key, record] : records_) {
    out.push_back(record);
  }
  return out;
}

void RunWriter::Snapshot() {
  std::lock_guard<std::mutex> lock(mutex_);
  SnapshotLocked();
}

void RunWriter::SnapshotIfDue() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (options_.snapshot_every_s > 0 &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_snapshot_).count() >=
          options_.snapshot_every_s) {
    SnapshotLocked();
  }
}

void RunWriter::SnapshotLocked() {
  if (!journal_) {
    return;  // finalized: the complete file stays
  }
  journal_->Sync();
  unsynced_ = 0;
  RefreshLocked();
  std::vector<const Record*> sorted;
  sorted.reserve(records_.size());
  for (const auto& [key, record] : records_) {
    sorted.push_back(&record);
  }
  WriteRunFile(out_, spec_, provenance_, sorted, {}, false);
  since_snapshot_ = 0;
  last_snapshot_ = std::chrono::steady_clock::now();
}

void RunWriter::Finalize(const std::vector<QuantityTable>& tables) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!journal_) {
    throw UsageError(out_.string() + ": the run is already finalized");
  }
  RefreshLocked();
  if (records_.size() != spec_.ShardSampleCount()) {
    throw UsageError(out_.string() + ": cannot finalize with " +
                     std::to_string(spec_.ShardSampleCount() - records_.size()) +
                     " samples still pending");
  }
  journal_->Sync();
  std::vector<const Record*> sorted;
  sorted.reserve(records_.size());
  for (const auto& [key, record] : records_) {
    sorted.push_back(&record);
  }
  WriteRunFile(out_, spec_, provenance_, sorted, tables, true);
  journal_.reset();
  for (const unsigned part : JournalParts(out_)) {
    const std::filesystem::path path = JournalPartPath(out_, part);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      throw Error(path.string() + ": cannot delete the finished journal: " + ErrnoText());
    }
  }
  SyncPath(ParentOf(out_), true);
}

// --- JournalPartWriter ------------------------------------------------------------------------

std::unique_ptr<JournalPartWriter> JournalPartWriter::Open(const std::filesystem::path& out,
                                                           unsigned part,
                                                           RunSpec spec,
                                                           Provenance provenance,
                                                           WriterOptions options) {
  if (part == 0) {
    throw UsageError("journal part 0 of " + out.string() + " belongs to the run's RunWriter");
  }
  spec.Validate();
  FillBuildProvenance(provenance);
  if (provenance.created_utc.empty()) {
    provenance.created_utc = NowUtc();
  }
  // The run's first part must be there and hold the same run.
  const std::filesystem::path first = JournalPartPath(out, 0);
  const auto give_up = std::chrono::steady_clock::now() +
                       std::chrono::duration<double>(std::max(0.0, options.first_part_wait_s));
  std::error_code ec;
  while (!std::filesystem::exists(first, ec) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!std::filesystem::exists(first, ec)) {
    throw UsageError(first.string() +
                     " does not exist here: the process that owns the run creates it before the "
                     "others start; every process of a run must see the output folder (on "
                     "several machines, put it on a file system they all share)");
  }
  const journal::Parsed owner = journal::Parse(ReadFrom(first, 0), first.string());
  if (owner.has_header) {
    const std::string diff = RunDifference(owner.spec, owner.provenance, "in " + first.string(),
                                           spec, provenance, "here");
    if (!diff.empty()) {
      throw UsageError("this process would run another run than " + first.string() + ": " + diff +
                       " differs. Every process of a run needs the same inputs and "
                       "the same cimchar");
    }
  }
  const std::filesystem::path path = JournalPartPath(out, part);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(path.string() + ": cannot open the journal: " + ErrnoText());
  }
  std::unique_ptr<JournalPartWriter> writer(new JournalPartWriter());
  writer->spec_ = std::move(spec);
  writer->options_ = options;
  writer->journal_ = std::make_unique<detail::JournalFile>(path, fd);
  const detail::JournalFile& file = *writer->journal_;
  file.Lock();
  const journal::Parsed parsed = journal::Parse(ReadFrom(path, 0), path.string());
  if (!parsed.has_header) {
    // New, or torn while it was created (then it holds no record): write the header afresh.
    file.CutAt(0);
    file.Write(HeaderBytes(writer->spec_, provenance));
  } else {
    const std::string diff =
        FirstDifference(parsed.spec, parsed.provenance, writer->spec_, provenance);
    if (!diff.empty()) {
      throw UsageError(path.string() + " belongs to a different run: " + diff +
                       " changed. Resume with the same recipe and inputs, or delete the journal (" +
                       out.string() + ".journal*) to start over");
    }
    if (parsed.dropped_bytes > 0) {
      file.CutAt(parsed.valid_bytes);
    }
  }
  file.Sync();
  SyncPath(ParentOf(path), true);
  return writer;
}

JournalPartWriter::~JournalPartWriter() {
  if (journal_ && journal_->fd >= 0) {
    ::fdatasync(journal_->fd);  // best effort; Append already wrote every record
  }
}

void JournalPartWriter::Append(Record record) {
  CheckRecord(spec_, record);
  FillRecordValues(spec_, record);
  journal_->Write(journal::Frame(journal::EncodeRecord(record)));
  if (++unsynced_ >= std::max<uint64_t>(options_.sync_every_records, 1)) {
    journal_->Sync();
    unsynced_ = 0;
  }
}

void JournalPartWriter::Sync() {
  journal_->Sync();
  unsynced_ = 0;
}

const std::filesystem::path& JournalPartWriter::path() const { return journal_->path; }

// --- WriteCompleteRun -------------------------------------------------------------------------

void WriteCompleteRun(const std::filesystem::path& out,
                      const RunSpec& spec,
                      const Provenance& provenance,
                      const std::vector<Record>& records,
                      const std::vector<QuantityTable>& tables) {
  spec.Validate();
  std::vector<const Record*> sorted;
  sorted.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    CheckRecord(spec, records[i]);
    if (i > 0 && !(SampleKey{records[i - 1].grid_point, records[i - 1].sample} <
                   SampleKey{records[i].grid_point, records[i].sample})) {
      throw UsageError(out.string() + ": the records are not sorted and unique at " +
                       spec.DescribeGridPoint(records[i].grid_point) + ", sample " +
                       std::to_string(records[i].sample));
    }
    sorted.push_back(&records[i]);
  }
  if (records.size() != spec.ShardSampleCount()) {
    throw UsageError(out.string() + ": a complete run needs " +
                     std::to_string(spec.ShardSampleCount()) + " samples, got " +
                     std::to_string(records.size()));
  }
  WriteRunFile(out, spec, provenance, sorted, tables, true);
}

}  // namespace cimchar::lut
