#pragma once

// The HDF5 file of one characterization run, written crash-safely and resumably.
//
// File layout (schema version kSchemaVersion; all numbers SI, every numeric object has `units`):
//   /                         attributes: schema_version (int64), complete (int64: 0 snapshot,
//                             1 finished), recipe (string: the effective recipe text),
//                             master_seed (uint64), input_files / input_sha256 (parallel string
//                             arrays: every netlist and model file used, relative to the
//                             project home when inside it (core::ProvenancePath), and its
//                             SHA-256),
//                             ngspice_version, cimchar_version, cimchar_commit, created_utc,
//                             grid_axes (string array: the sweep axes, in grid-point order),
//                             samples_per_point (uint64), samples_done, samples_total (uint64:
//                             the samples this file holds when complete), shard_index,
//                             shard_count (uint64: the file holds shard K/N; 1/1 for a whole
//                             run), producer (the cimchar command that wrote it)
//   /axes/<name>              numeric axis: float64[n], attrs kind="numeric", units
//                             categorical axis: string[n] labels, attrs kind="categorical",
//                             units=""
//   /samples/grid_point       uint64[r]  flat row-major index over grid_axes
//   /samples/sample           uint64[r]  Monte Carlo sample index within the grid point
//   /samples/status           uint8[r]   0 ok, 1 failed
//   /samples/values           float64[r][c], attrs columns, units (string[c] each); a failed
//                             sample's values are whatever it recorded (NaN when unknown)
//   /failures/mask            uint8[r]   1 where the sample failed (parallel to /samples)
//   /failures/record          uint64[f]  row in /samples of each failed sample
//   /failures/reason          string[f]  why it failed
//   /quantities/<q>/<stat>    float64 over the axes in attr `axes` (string array, ordered),
//                             attrs units, missing_allowed (int64; NaN is refused unless 1);
//                             <q> may contain '/', <stat> is mean | static_sigma | dynamic_sigma
// Records in /samples are sorted by (grid_point, sample), so the file does not depend on the
// order in which samples finished.
//
// Crash safety: HDF5 1.10 files are not safe to kill mid-write, so the output F is only ever
// replaced by rename(2) of a complete temporary file (F.tmp, fsync'ed). Finished samples go first
// to an append-only journal F.journal (one CRC-checked record per sample, written at once and
// fsync'ed in batches); snapshots of the journal's content are renamed into F periodically. A
// SIGKILL at any moment leaves F readable (the previous snapshot) and the journal holding every
// sample that finished, but possibly a torn last record, which resume ignores. Finalize writes F
// with complete=1 and deletes the journal.
//
// Several processes (MPI ranks) may write one run: the RunWriter appends to part 0, F.journal,
// and every other process appends its own part F.journal.<n> through a JournalPartWriter, on a
// file system all of them see. The RunWriter reads the other parts (Resume, Refresh, every
// snapshot, Finalize), so F always holds every part's records, and Finalize deletes them all.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lut/axis.h"
#include "lut/table.h"

namespace cimchar::lut {

inline constexpr int64_t kSchemaVersion = 1;

// Where a run's results came from. Stored as root attributes.
struct Provenance {
  std::string recipe_text{};                          // the effective recipe, as run
  uint64_t master_seed = 0;                           //
  std::map<std::string, std::string> input_sha256{};  // netlist/model file -> Sha256File() digest
  std::string ngspice_version{};                      //
  std::string cimchar_version{};  // empty: filled from core/build_info.h on create
  std::string cimchar_commit{};   // empty: filled from core/build_info.h on create
  std::string created_utc{};  // empty: filled on create ("2024-05-01T12:00:00Z"); kept on resume
  // The cimchar command that wrote the run ("characterize"); says how to finish merged shards.
  std::string producer{};
  bool operator==(const Provenance&) const = default;
};

// A measured value of every sample: a column of /samples/values.
struct Column {
  std::string name{};   // CheckName rules, e.g. "t_settle_s", "code3_v"
  std::string units{};  // SI, "1" if dimensionless
  bool operator==(const Column&) const = default;
};

struct SampleKey {
  uint64_t grid_point = 0;
  uint64_t sample = 0;
  auto operator<=>(const SampleKey&) const = default;
};

// The part of a run's samples one file holds. Samples are numbered by their flat index
// grid_point * samples_per_point + sample; shard K of N holds those whose flat index is K - 1
// modulo N, so every shard gets its share of every grid point. 1/1 is the whole run.
struct Shard {
  uint64_t index = 1;  // K, from 1
  uint64_t count = 1;  // N
  bool whole() const { return count == 1; }
  bool Holds(uint64_t flat) const { return flat % count == index - 1; }
  std::string Name() const { return std::to_string(index) + "/" + std::to_string(count); }
  bool operator==(const Shard&) const = default;
};

// What a run sweeps: grid points are the row-major product of `grid` (last axis fastest), each
// simulated with samples 0 .. samples_per_point-1, each sample measuring `columns`. A file (and
// its journal) holds the samples of `shard` only.
struct RunSpec {
  std::vector<Axis> grid{};
  uint64_t samples_per_point = 1;
  std::vector<Column> columns{};
  Shard shard{};
  bool operator==(const RunSpec&) const = default;

  // Failures: UsageError on repeated axis or column names, zero samples, a sweep of more than
  // 2^63 samples, or a shard that is not 1 <= K <= N <= samples. Thread-safety: const.
  void Validate() const;
  // Grid points (1 for an empty grid) and samples in the whole sweep. Failures: none.
  // Thread-safe.
  uint64_t GridPointCount() const;
  uint64_t SampleCount() const { return GridPointCount() * samples_per_point; }
  // Samples of `shard` (SampleCount() for the whole run). Failures: none. Thread-safe.
  uint64_t ShardSampleCount() const;
  // Flat index of a sample and back; whether the shard holds a sample. Failures: none (no range
  // check). Thread-safe.
  uint64_t Flat(const SampleKey& key) const {
    return key.grid_point * samples_per_point + key.sample;
  }
  SampleKey KeyAt(uint64_t flat) const {
    return {flat / samples_per_point, flat % samples_per_point};
  }
  bool Holds(const SampleKey& key) const { return shard.Holds(Flat(key)); }
  // The per-axis indices of a flat grid point, and back. Failures: UsageError when out of range.
  // Thread-safety: const.
  std::vector<std::size_t> GridIndex(uint64_t grid_point) const;
  uint64_t GridPoint(const std::vector<std::size_t>& index) const;
  // "corner = tt, vdd = 0.9 V" for messages. Failures: as GridIndex.
  std::string DescribeGridPoint(uint64_t grid_point) const;
};

enum class SampleStatus : uint8_t { kOk = 0, kFailed = 1 };

// One finished sample. An ok record carries one finite value per column; a failed one carries a
// reason and values (NaN where nothing was measured; empty means all NaN).
struct Record {
  uint64_t grid_point = 0;
  uint64_t sample = 0;
  SampleStatus status = SampleStatus::kOk;
  std::vector<double> values{};
  std::string reason{};
  bool operator==(const Record& other) const;  // bitwise on values
};

// The statistic a quantity dataset holds.
enum class Statistic { kMean, kStaticSigma, kDynamicSigma };
// "mean", "static_sigma", "dynamic_sigma": the dataset name. Failures: none. Thread-safe.
const char* StatisticName(Statistic s);

// A table destined for /quantities/<table.quantity()>/<StatisticName(statistic)>.
struct QuantityTable {
  Statistic statistic = Statistic::kMean;
  Table table;
};

struct WriterOptions {
  uint64_t sync_every_records = 16;     // fsync the journal after this many appends
  uint64_t snapshot_every_records = 0;  // 0: no count trigger
  double snapshot_every_s = 60.0;       // 0: no time trigger
  // JournalPartWriter: how long the run's F.journal may take to become visible (a shared file
  // system may show a new file late).
  double first_part_wait_s = 10.0;
};

// Names the first field in which two runs differ ("the master seed (42 in a.h5, 43 in b.h5)"),
// created_utc excepted, or returns "" when they are the same run. Failures: none. Thread-safe.
std::string RunDifference(const RunSpec& a,
                          const Provenance& pa,
                          const std::string& a_label,
                          const RunSpec& b,
                          const Provenance& pb,
                          const std::string& b_label);

// Journal part `part` of the run writing `out`: F.journal for part 0, F.journal.<part> otherwise.
// Failures: none. Thread-safe.
std::filesystem::path JournalPartPath(const std::filesystem::path& out, unsigned part);
// The parts of `out`'s journal that exist, sorted. Failures: none (an unreadable folder lists
// none). Thread-safe.
std::vector<unsigned> JournalParts(const std::filesystem::path& out);

namespace detail {
struct JournalFile;
}

// Writes one run. Records may arrive in any order; the files never depend on that order.
// Ownership: holds journal part 0 open (and locked against a second writer) until destroyed.
// Thread-safety: Append, IsDone, Pending, Refresh, Snapshot, Records and counters may be called
// from any thread (one internal mutex); Finalize must not race with Append.
class RunWriter {
 public:
  // Starts a fresh run writing `out` (an existing F is replaced at the first snapshot, which is
  // taken immediately, so F is readable from now on).
  // Failures: UsageError on an invalid spec or when a journal part of F exists (an interrupted
  // run: resume it or delete its journal); Error on I/O failures, naming the file.
  static std::unique_ptr<RunWriter> Create(const std::filesystem::path& out,
                                           RunSpec spec,
                                           Provenance provenance,
                                           WriterOptions options = {});

  // Continues an interrupted run from its journal parts: the finished samples of every part are
  // loaded (a torn last record is dropped and reported by dropped_journal_bytes()); ask
  // IsDone()/Pending() what is left. The spec (shard included) and provenance must equal the
  // journal's (created_utc excepted, which is kept).
  // Failures: UsageError when there is no F.journal, a part belongs to a different run (names the
  // part and the field that differs) or another process holds a part; Error on I/O failures or
  // a journal that is not one, naming the file.
  static std::unique_ptr<RunWriter> Resume(const std::filesystem::path& out,
                                           RunSpec spec,
                                           Provenance provenance,
                                           WriterOptions options = {});

  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  // Records one finished sample durably (journal write now, fsync per sync_every_records), and
  // snapshots when an options trigger fires.
  // Failures: UsageError on a grid point/sample out of range or outside the shard, a sample
  // already recorded, a wrong number of values, a non-finite value in an ok record, or an empty
  // reason in a failed one; Error on I/O failures (the record is then not recorded).
  void Append(Record record);

  // Reads the records other processes appended to their journal parts since the last look.
  // Returns how many were new. Failures: Error when a part cannot be read or belongs to another
  // run, naming it. Thread-safe.
  uint64_t Refresh();

  // Whether (grid point, sample) is recorded (ok or failed). Failures: none. Thread-safe.
  bool IsDone(uint64_t grid_point, uint64_t sample) const;
  // Every (grid point, sample) of the shard not yet recorded, sorted: the work left.
  // Failures: none. Thread-safe. Ownership: returns a copy.
  std::vector<SampleKey> Pending() const;
  // Counters for progress reports (samples of the shard). Failures: none. Thread-safe.
  uint64_t done_count() const;
  uint64_t failed_count() const;
  uint64_t total_count() const { return spec_.ShardSampleCount(); }
  // Bytes of a torn journal tail dropped by Resume (0 otherwise), worth a log line.
  uint64_t dropped_journal_bytes() const { return dropped_bytes_; }
  // The run definition and paths; immutable after construction, safe from any thread.
  const RunSpec& spec() const { return spec_; }
  const Provenance& provenance() const { return provenance_; }
  const std::filesystem::path& path() const { return out_; }
  std::filesystem::path journal_path() const { return JournalPartPath(out_, 0); }

  // The records so far, sorted by (grid point, sample): the input of ReduceSamples.
  // Failures: none. Thread-safe. Ownership: returns a copy.
  std::vector<Record> Records() const;

  // fsyncs the journal, reads the other parts (Refresh) and atomically replaces F with the
  // records so far (complete = 0). Failures: Error naming the file.
  void Snapshot();
  // Snapshot() when options.snapshot_every_s has passed since the last one. Failures: as
  // Snapshot.
  void SnapshotIfDue();

  // Reads the other parts, writes the final F (complete = 1) with the records and `tables`,
  // then deletes every journal part.
  // Failures: UsageError when samples of the shard are pending, a table's axis clashes with a
  // grid axis of the same name, or two tables share a (quantity, statistic); Error on I/O
  // failures (the journal is then kept, so the run can still be resumed).
  void Finalize(const std::vector<QuantityTable>& tables);

 private:
  struct PartTail;
  RunWriter(std::filesystem::path out, RunSpec spec, Provenance provenance, WriterOptions options);
  void AppendLocked(Record record);
  bool AddLocked(Record record);  // false: the sample was recorded already
  uint64_t RefreshLocked();
  void SnapshotLocked();

  std::filesystem::path out_;
  RunSpec spec_;
  Provenance provenance_;
  WriterOptions options_;
  std::unique_ptr<detail::JournalFile> journal_;
  std::map<unsigned, PartTail> parts_;  // the other processes' parts read so far
  std::map<SampleKey, Record> records_;
  uint64_t failed_ = 0;
  uint64_t unsynced_ = 0;
  uint64_t since_snapshot_ = 0;
  uint64_t dropped_bytes_ = 0;
  std::chrono::steady_clock::time_point last_snapshot_;
  mutable std::mutex mutex_;
};

// Appends the records one process finishes to its own journal part of a run whose part 0 a
// RunWriter owns (one MPI rank of a distributed run). Ownership: holds the part open and locked
// until destroyed. Thread-safety: none (one thread per writer).
class JournalPartWriter {
 public:
  // Opens part `part` (>= 1) of the run writing `out`: checks that F.journal (part 0, created by
  // the RunWriter) exists and holds this very run, then creates the part with the run header,
  // or, when it exists (a resumed run), checks that it belongs to this run and cuts a torn last
  // record.
  // Failures: UsageError on part 0, an invalid spec, no F.journal after
  // options.first_part_wait_s (the output folder is not shared with the RunWriter's process),
  // a run that differs from F.journal's or from the part's (names the field), or a part another
  // process holds; Error on I/O failures, naming the file.
  static std::unique_ptr<JournalPartWriter> Open(const std::filesystem::path& out,
                                                 unsigned part,
                                                 RunSpec spec,
                                                 Provenance provenance,
                                                 WriterOptions options = {});
  ~JournalPartWriter();
  JournalPartWriter(const JournalPartWriter&) = delete;
  JournalPartWriter& operator=(const JournalPartWriter&) = delete;

  // Records one finished sample (write now, fsync per options.sync_every_records).
  // Failures: as RunWriter::Append (duplicates across parts are not checked here).
  void Append(Record record);
  // fsyncs the part. Failures: Error naming the file.
  void Sync();
  const std::filesystem::path& path() const;

 private:
  JournalPartWriter() = default;
  RunSpec spec_;
  WriterOptions options_;
  std::unique_ptr<detail::JournalFile> journal_;
  uint64_t unsynced_ = 0;
};

// Writes a complete run file (complete = 1) holding `records` (every sample of spec.shard,
// sorted by key) and `tables`, atomically (F.tmp renamed over F). What RunWriter::Finalize
// writes, for tools that assemble a run from other files (merging shards).
// Failures: UsageError when records are missing, duplicated, unsorted or outside the shard, or
// on the table problems Finalize refuses; Error on I/O failures, naming the file.
void WriteCompleteRun(const std::filesystem::path& out,
                      const RunSpec& spec,
                      const Provenance& provenance,
                      const std::vector<Record>& records,
                      const std::vector<QuantityTable>& tables);

// What a caller expects of a table it reads, checked by Store::ReadTable.
struct AxisExpectation {
  std::string name{};
  std::string units{};  // "" for a categorical axis
};
struct TableExpectation {
  std::string units{};
  std::vector<AxisExpectation> axes{};  // in order
};

// One quantity dataset as listed by Store::Quantities().
struct QuantityInfo {
  std::string quantity{};
  Statistic statistic = Statistic::kMean;
  std::vector<std::string> axes{};
  std::vector<std::size_t> shape{};
  std::string units{};
};

struct FailureSummary {
  uint64_t failed = 0;
  std::map<std::string, uint64_t> by_reason{};
};

// A run file read into memory and validated. Immutable value; safe to share between threads.
class Store {
 public:
  // Reads and validates `path`: schema version, provenance attributes, axes (units, increasing,
  // finite), samples (consistent lengths, sorted, in range, finite ok values), failures and every
  // quantity (axes present in /axes, shape, units, no NaN unless missing_allowed).
  // Failures: Error naming the file and what is wrong (missing file, not HDF5, truncated or
  // corrupt, wrong schema version, missing axis, missing units, NaN...). Thread-safety: may be
  // called from any thread (HDF5 access is serialised).
  static Store Open(const std::filesystem::path& path);

  // Accessors: no failures; the Store is immutable, so they are safe from any thread.
  const std::filesystem::path& path() const { return path_; }
  // False for a snapshot of an unfinished run (no tables yet; resume it to finish).
  bool complete() const { return complete_; }
  const Provenance& provenance() const { return provenance_; }
  const RunSpec& spec() const { return spec_; }
  // Every axis in /axes (grid axes and table-only axes), sorted by name.
  const std::vector<Axis>& axes() const { return axes_; }
  const std::vector<Record>& records() const { return records_; }
  // Every quantity dataset (name, statistic, axes, shape, units), in file order. For inspect.
  std::vector<QuantityInfo> Quantities() const;
  // Failed samples, counted by reason. For inspect.
  FailureSummary Failures() const;

  // The table of one quantity statistic.
  // Failures: Error naming the file when it has no such table.
  const Table& ReadTable(std::string_view quantity, Statistic statistic) const;
  // As above, and checks units and axes (names, order, units) against `expected`.
  // Failures: Error naming the file, the table and the mismatch.
  const Table& ReadTable(std::string_view quantity,
                         Statistic statistic,
                         const TableExpectation& expected) const;

 private:
  std::filesystem::path path_;
  bool complete_ = false;
  Provenance provenance_;
  RunSpec spec_;
  std::vector<Axis> axes_;
  std::vector<Record> records_;
  std::vector<QuantityTable> tables_;
};

// The SHA-256 of a file's bytes as 64 lowercase hex digits, for Provenance::input_sha256.
// Failures: Error naming the file when it cannot be read. Thread-safety: pure.
std::string Sha256File(const std::filesystem::path& path);
// The SHA-256 of `bytes`, hex. Failures: none. Thread-safety: pure.
std::string Sha256Hex(std::string_view bytes);

}  // namespace cimchar::lut
