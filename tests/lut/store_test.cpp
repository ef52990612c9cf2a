#include "lut/store.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "lut/fake_run.h"
#include "lut/raw_datasets.h"
#include "lut/reduce.h"

namespace cimchar::lut {
namespace {

namespace fs = std::filesystem;
using testing::FakeProvenance;
using testing::FakeRecord;
using testing::FakeSpec;
using testing::FakeTables;
using testing::RawDatasets;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lut_store_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path File(const std::string& name) const { return dir_ / name; }
  fs::path dir_;
};

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no exception";
}

// Appends the given (grid point, sample) pairs and finalizes.
void RunInOrder(const fs::path& out, const std::vector<SampleKey>& order) {
  const RunSpec spec = FakeSpec();
  auto writer = RunWriter::Create(out, spec, FakeProvenance(), {.snapshot_every_records = 7});
  for (const auto& key : order) {
    writer->Append(FakeRecord(spec, key.grid_point, key.sample));
  }
  writer->Finalize(FakeTables(spec, writer->Records()));
}

std::vector<SampleKey> AllKeys() {
  const RunSpec spec = FakeSpec();
  std::vector<SampleKey> keys;
  for (uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    for (uint64_t s = 0; s < spec.samples_per_point; ++s) {
      keys.push_back({g, s});
    }
  }
  return keys;
}

std::vector<SampleKey> Shuffled(uint64_t seed) {
  auto keys = AllKeys();
  std::mt19937_64 rng(seed);
  std::shuffle(keys.begin(), keys.end(), rng);
  return keys;
}

// --- round trip --------------------------------------------------------------------------------

TEST_F(StoreTest, RoundTripKeepsAxesRecordsTablesAndProvenance) {
  const fs::path out = File("run.h5");
  testing::WriteFakeRun(out);
  EXPECT_FALSE(fs::exists(File("run.h5.journal")));
  EXPECT_FALSE(fs::exists(File("run.h5.tmp")));

  const Store store = Store::Open(out);
  EXPECT_TRUE(store.complete());
  const RunSpec spec = FakeSpec();
  EXPECT_EQ(store.spec(), spec);
  Provenance expected = FakeProvenance();
  EXPECT_EQ(store.provenance().recipe_text, expected.recipe_text);
  EXPECT_EQ(store.provenance().master_seed, 42U);
  EXPECT_EQ(store.provenance().input_sha256, expected.input_sha256);
  EXPECT_EQ(store.provenance().ngspice_version, "ngspice-39");
  EXPECT_FALSE(store.provenance().cimchar_version.empty());
  EXPECT_FALSE(store.provenance().cimchar_commit.empty());
  EXPECT_EQ(store.provenance().created_utc.size(), 20U);

  ASSERT_EQ(store.records().size(), spec.SampleCount());
  for (const auto& r : store.records()) {
    EXPECT_EQ(r, FakeRecord(spec, r.grid_point, r.sample).status == SampleStatus::kOk
                     ? FakeRecord(spec, r.grid_point, r.sample)
                     : r);
  }
  const auto tables = FakeTables(spec, store.records());
  for (const auto& qt : tables) {
    EXPECT_EQ(store.ReadTable(qt.table.quantity(), qt.statistic), qt.table) << qt.table.quantity();
  }
  const auto quantities = store.Quantities();
  EXPECT_EQ(quantities.size(), tables.size());
  const Table& transition = store.ReadTable(
      "adc/transition_v", Statistic::kMean,
      {.units = "V", .axes = {{"corner", ""}, {"vdd", "V"}, {"temp", "K"}, {"code", "1"}}});
  EXPECT_EQ(transition.shape(), (std::vector<std::size_t>{2, 3, 2, 2}));
  const double v =
      transition.Lookup({{"corner", "tt"}, {"vdd", 0.95}, {"temp", 325.0}, {"code", 1.0}});
  EXPECT_NEAR(v, 0.75 * 0.95, 2e-3);

  const FailureSummary failures = store.Failures();
  EXPECT_GT(failures.failed, 0U);
  uint64_t by_reason = 0;
  for (const auto& [reason, count] : failures.by_reason) {
    by_reason += count;
  }
  EXPECT_EQ(by_reason, failures.failed);
}

TEST_F(StoreTest, ProvenanceAttributesArePresentForAnyReader) {
  const fs::path out = File("run.h5");
  testing::WriteFakeRun(out);
  const hid_t file = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  for (const char* name : {"schema_version", "complete", "recipe", "master_seed", "input_files",
                           "input_sha256", "ngspice_version", "cimchar_version", "cimchar_commit",
                           "created_utc", "grid_axes", "samples_per_point"}) {
    EXPECT_GT(H5Aexists(file, name), 0) << name;
  }
  H5Fclose(file);
}

TEST(Sha256, MatchesPublishedVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// --- schema validation ---------------------------------------------------------------------------

class StoreValidationTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    path_ = File("run.h5");
    testing::WriteFakeRun(path_);
  }
  // Applies a raw HDF5 edit to the file.
  void Edit(const std::function<void(hid_t)>& edit) {
    const hid_t file = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    edit(file);
    H5Fclose(file);
  }
  // Opens the file, expecting a cimchar::Error that names the file and contains `needle`, and
  // no HDF5 error stack printed on stderr.
  void ExpectOpenFails(const std::string& needle) {
    ::testing::internal::CaptureStderr();
    const std::string msg = ErrorOf([&] { (void)Store::Open(path_); });
    const std::string printed = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(msg.find(path_.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(printed, "");
  }
  fs::path path_;
};

TEST_F(StoreValidationTest, MissingAxis) {
  Edit([](hid_t f) { H5Ldelete(f, "/axes/temp", H5P_DEFAULT); });
  ExpectOpenFails("grid axis 'temp' is missing from /axes");
}

TEST_F(StoreValidationTest, MissingTableOnlyAxis) {
  Edit([](hid_t f) { H5Ldelete(f, "/axes/code", H5P_DEFAULT); });
  ExpectOpenFails(
      "/quantities/adc/transition_v/mean is indexed by the axis 'code', which is "
      "missing from /axes");
}

TEST_F(StoreValidationTest, MissingUnits) {
  Edit([](hid_t f) { H5Adelete_by_name(f, "/axes/vdd", "units", H5P_DEFAULT); });
  ExpectOpenFails("axis /axes/vdd has no 'units' attribute");
}

TEST_F(StoreValidationTest, WrongUnitsAgainstTheExpectation) {
  const Store store = Store::Open(path_);
  const std::string axis_units = ErrorOf([&] {
    store.ReadTable("apath/line_v", Statistic::kMean,
                    {.units = "V", .axes = {{"corner", ""}, {"vdd", "mV"}, {"temp", "K"}}});
  });
  EXPECT_NE(axis_units.find(path_.string()), std::string::npos) << axis_units;
  EXPECT_NE(axis_units.find("axis 'vdd' has units 'V', expected 'mV'"), std::string::npos)
      << axis_units;
  const std::string table_units = ErrorOf([&] {
    store.ReadTable("apath/line_v", Statistic::kMean,
                    {.units = "A", .axes = {{"corner", ""}, {"vdd", "V"}, {"temp", "K"}}});
  });
  EXPECT_NE(table_units.find("has units 'V', expected 'A'"), std::string::npos) << table_units;
  const std::string missing_axis = ErrorOf([&] {
    store.ReadTable("apath/line_v", Statistic::kMean,
                    {.units = "V", .axes = {{"corner", ""}, {"vdd", "V"}, {"rows", "1"}}});
  });
  EXPECT_NE(missing_axis.find("lacks the axis 'rows'"), std::string::npos) << missing_axis;
  EXPECT_NE(ErrorOf([&] {
              store.ReadTable("apath/nothing", Statistic::kMean);
            }).find("has no table /quantities/apath/nothing/mean"),
            std::string::npos);
}

TEST_F(StoreValidationTest, NaNInATable) {
  Edit([](hid_t f) {
    const hid_t ds = H5Dopen2(f, "/quantities/apath/line_v/mean", H5P_DEFAULT);
    std::vector<double> data(12, 0.5);
    data[7] = std::numeric_limits<double>::quiet_NaN();
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
    H5Dclose(ds);
  });
  ExpectOpenFails(
      "/quantities/apath/line_v/mean holds NaN at corner = ff, vdd = 0.9 V, "
      "temp = 350 K and does not allow missing values");
}

TEST_F(StoreValidationTest, NaNInAnOkSample) {
  Edit([](hid_t f) {
    const hid_t ds = H5Dopen2(f, "/samples/values", H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    hsize_t dims[2];
    H5Sget_simple_extent_dims(space, dims, nullptr);
    std::vector<double> data(dims[0] * dims[1]);
    H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
    data[0] = std::numeric_limits<double>::quiet_NaN();  // row 0 is an ok sample
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
    H5Sclose(space);
    H5Dclose(ds);
  });
  ExpectOpenFails("/samples/values has a non-finite line_v in the ok row 0");
}

TEST_F(StoreValidationTest, WrongSchemaVersion) {
  Edit([](hid_t f) {
    const hid_t attr = H5Aopen(f, "schema_version", H5P_DEFAULT);
    const int64_t version = 99;
    H5Awrite(attr, H5T_NATIVE_INT64, &version);
    H5Aclose(attr);
  });
  ExpectOpenFails("schema version 99 is not supported");
}

TEST_F(StoreValidationTest, NotACimcharFile) {
  const hid_t file = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(file);
  ExpectOpenFails("not a cimchar run file");
}

TEST_F(StoreValidationTest, TruncatedFile) {
  const auto size = fs::file_size(path_);
  for (const double fraction : {0.9, 0.5, 0.1}) {
    SCOPED_TRACE(fraction);
    testing::WriteFakeRun(path_ = File("run" + std::to_string(fraction) + ".h5"));
    fs::resize_file(path_, static_cast<uintmax_t>(static_cast<double>(size) * fraction));
    ExpectOpenFails("truncated or corrupt");
  }
}

TEST_F(StoreValidationTest, RandomGarbage) {
  std::mt19937 rng(7);
  std::string garbage(4096, '\0');
  for (char& c : garbage) {
    c = static_cast<char>(rng());
  }
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << garbage;
  ExpectOpenFails("not an HDF5 file (no HDF5 signature found)");
}

TEST_F(StoreValidationTest, FlippedDataBytes) {
  // Find where /samples/values lives in the file and flip one byte of it.
  haddr_t address = 0;
  hsize_t size = 0;
  Edit([&](hid_t f) {
    const hid_t ds = H5Dopen2(f, "/samples/values", H5P_DEFAULT);
    const hsize_t origin[2] = {0, 0};
    unsigned filter_mask = 0;
    ASSERT_GE(H5Dget_chunk_info_by_coord(ds, origin, &filter_mask, &address, &size), 0);
    H5Dclose(ds);
  });
  ASSERT_GT(size, 8U);
  std::fstream file(path_, std::ios::binary | std::ios::in | std::ios::out);
  file.seekg(static_cast<std::streamoff>(address + size / 2));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x10);
  file.seekp(static_cast<std::streamoff>(address + size / 2));
  file.write(&byte, 1);
  file.close();
  ExpectOpenFails("reading /samples/values failed");
}

TEST_F(StoreValidationTest, MissingFile) {
  path_ = File("absent.h5");
  ExpectOpenFails("no such run file");
}

// --- writer usage errors -----------------------------------------------------------------------

TEST_F(StoreTest, AppendRefusesBadRecords) {
  const RunSpec spec = FakeSpec();
  auto writer = RunWriter::Create(File("run.h5"), spec, FakeProvenance());
  writer->Append(FakeRecord(spec, 0, 0));
  EXPECT_THROW(writer->Append(FakeRecord(spec, 0, 0)), UsageError);   // duplicate
  EXPECT_THROW(writer->Append(FakeRecord(spec, 99, 0)), UsageError);  // grid point
  EXPECT_THROW(writer->Append(FakeRecord(spec, 0, 4)), UsageError);   // sample
  Record nan = FakeRecord(spec, 0, 1);
  nan.values[1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(writer->Append(nan), UsageError);
  Record short_record = FakeRecord(spec, 0, 1);
  short_record.values.pop_back();
  EXPECT_THROW(writer->Append(short_record), UsageError);
  EXPECT_THROW(writer->Append({.grid_point = 0, .sample = 1, .status = SampleStatus::kFailed}),
               UsageError);                        // no reason
  EXPECT_THROW(writer->Finalize({}), UsageError);  // samples pending
  EXPECT_EQ(writer->done_count(), 1U);
  EXPECT_EQ(writer->Pending().size(), spec.SampleCount() - 1);
}

TEST_F(StoreTest, RefusesToStartOverAnInterruptedRunAndToResumeAnother) {
  const RunSpec spec = FakeSpec();
  const fs::path out = File("run.h5");
  {
    auto writer = RunWriter::Create(out, spec, FakeProvenance());
    writer->Append(FakeRecord(spec, 0, 0));
    // A second writer on the same run while the first is alive is refused.
    EXPECT_THROW(RunWriter::Resume(out, spec, FakeProvenance()), UsageError);
  }
  const std::string again = ErrorOf([&] { RunWriter::Create(out, spec, FakeProvenance()); });
  EXPECT_NE(again.find("Resume that run (--resume) or delete the journal"), std::string::npos)
      << again;
  Provenance other = FakeProvenance();
  other.master_seed = 43;
  const std::string seed = ErrorOf([&] { RunWriter::Resume(out, spec, other); });
  EXPECT_NE(seed.find("belongs to a different run: the master seed (42 in the journal, 43 now)"),
            std::string::npos)
      << seed;
  const std::string none =
      ErrorOf([&] { RunWriter::Resume(File("other.h5"), spec, FakeProvenance()); });
  EXPECT_NE(none.find("there is no interrupted run to resume"), std::string::npos) << none;
}

// --- shards and journal parts --------------------------------------------------------------------

TEST_F(StoreTest, ShardHoldsEveryNthSampleAndCompletesWithoutTables) {
  RunSpec spec = FakeSpec();  // 12 grid points x 4 samples = 48
  spec.shard = {.index = 2, .count = 5};
  EXPECT_EQ(spec.ShardSampleCount(), 10U);  // flat 1, 6, ..., 46
  auto writer = RunWriter::Create(File("s.h5"), spec, FakeProvenance());
  EXPECT_EQ(writer->total_count(), 10U);
  const auto pending = writer->Pending();
  ASSERT_EQ(pending.size(), 10U);
  for (const auto& key : pending) {
    EXPECT_EQ(spec.Flat(key) % 5, 1U);
  }
  const std::string outside = ErrorOf([&] { writer->Append(FakeRecord(spec, 0, 0)); });
  EXPECT_NE(outside.find("is not in shard 2/5"), std::string::npos) << outside;
  for (const auto& key : pending) {
    writer->Append(FakeRecord(spec, key.grid_point, key.sample));
  }
  writer->Finalize({});
  const Store store = Store::Open(File("s.h5"));
  EXPECT_TRUE(store.complete());
  EXPECT_EQ(store.spec(), spec);
  EXPECT_EQ(store.records().size(), 10U);
  const std::string no_table = ErrorOf([&] { store.ReadTable("apath/line_v", Statistic::kMean); });
  EXPECT_NE(no_table.find("shard 2/5 of a run: merge the shards"), std::string::npos) << no_table;

  for (const Shard bad : {Shard{.index = 0, .count = 3}, Shard{.index = 4, .count = 3},
                          Shard{.index = 1, .count = 49}}) {
    RunSpec s = FakeSpec();
    s.shard = bad;
    EXPECT_THROW(s.Validate(), UsageError) << bad.Name();
  }
}

TEST_F(StoreTest, OtherProcessesPartsAreReadResumedAndDeleted) {
  const RunSpec spec = FakeSpec();
  const fs::path out = File("parts.h5");
  const Provenance prov = FakeProvenance();
  std::vector<SampleKey> all;
  for (uint64_t flat = 0; flat < spec.SampleCount(); ++flat) {
    all.push_back(spec.KeyAt(flat));
  }
  {
    auto root = RunWriter::Create(out, spec, prov, {.snapshot_every_s = 0});
    auto part1 = JournalPartWriter::Open(out, 1, spec, prov);
    auto part3 = JournalPartWriter::Open(out, 3, spec, prov);
    EXPECT_THROW(JournalPartWriter::Open(out, 1, spec, prov), UsageError);  // locked
    EXPECT_THROW(JournalPartWriter::Open(out, 0, spec, prov), UsageError);  // the root's
    for (std::size_t i = 0; i < 30; ++i) {
      const SampleKey& k = all[i];
      if (i % 3 == 0) {
        root->Append(FakeRecord(spec, k.grid_point, k.sample));
      } else {
        (i % 3 == 1 ? part1 : part3)->Append(FakeRecord(spec, k.grid_point, k.sample));
      }
    }
    EXPECT_EQ(root->done_count(), 10U);
    EXPECT_EQ(root->Refresh(), 20U);
    EXPECT_EQ(root->Refresh(), 0U);
    EXPECT_EQ(root->done_count(), 30U);
    root->Snapshot();
    EXPECT_EQ(Store::Open(out).records().size(), 30U);
    // A record torn by a kill at the end of part 3 is left for its writer to cut.
    std::ofstream(JournalPartPath(out, 3), std::ios::binary | std::ios::app)
        << std::string("\x40\x00\x00\x00\x12", 5);
  }
  EXPECT_EQ(JournalParts(out), (std::vector<unsigned>{0, 1, 3}));
  const std::string again = ErrorOf([&] { RunWriter::Create(out, spec, prov); });
  EXPECT_NE(again.find("Resume that run (--resume)"), std::string::npos) << again;

  // Resume (another number of processes): parts 1 and 3 are read, part 2 is new.
  auto root = RunWriter::Resume(out, spec, prov);
  EXPECT_EQ(root->done_count(), 30U);
  EXPECT_EQ(root->dropped_journal_bytes(), 5U);
  EXPECT_EQ(root->Pending().size(), spec.SampleCount() - 30);
  {
    auto part2 = JournalPartWriter::Open(out, 2, spec, prov);
    auto part3 = JournalPartWriter::Open(out, 3, spec, prov);  // cuts its torn tail
    const auto pending = root->Pending();
    for (std::size_t i = 0; i < pending.size(); ++i) {
      (i % 2 ? part2 : part3)->Append(FakeRecord(spec, pending[i].grid_point, pending[i].sample));
    }
  }
  const std::string early = ErrorOf([&] { root->Append(FakeRecord(spec, all[0].grid_point, 0)); });
  EXPECT_NE(early.find("already recorded"), std::string::npos) << early;
  root->Finalize(FakeTables(spec, [&] {
    root->Refresh();
    return root->Records();
  }()));
  EXPECT_TRUE(JournalParts(out).empty());

  // Same datasets as one writer that saw every record.
  RunInOrder(File("one.h5"), all);
  EXPECT_EQ(RawDatasets(out), RawDatasets(File("one.h5")));
}

TEST_F(StoreTest, PartsOfAnotherRunOrShardAreRefused) {
  RunSpec spec = FakeSpec();
  Provenance other = FakeProvenance();
  other.master_seed = 7;
  const fs::path foreign = File("foreign.h5");
  {
    auto writer = RunWriter::Create(foreign, spec, other);
    JournalPartWriter::Open(foreign, 1, spec, other);
  }
  const fs::path out = File("mixed.h5");
  auto root = RunWriter::Create(out, spec, FakeProvenance());
  // A process that would run another run than F.journal's is refused before it writes.
  const std::string rank = ErrorOf([&] { JournalPartWriter::Open(out, 2, spec, other); });
  EXPECT_NE(rank.find("would run another run than"), std::string::npos) << rank;
  EXPECT_NE(rank.find("the master seed (42 in"), std::string::npos) << rank;
  EXPECT_FALSE(fs::exists(JournalPartPath(out, 2)));
  // A part of another run found next to the run is refused when read or reopened.
  fs::copy_file(JournalPartPath(foreign, 1), JournalPartPath(out, 1));
  const std::string seed = ErrorOf([&] { root->Refresh(); });
  EXPECT_NE(seed.find(".journal.1 belongs to a different run: the master seed"), std::string::npos)
      << seed;
  const std::string reopen =
      ErrorOf([&] { JournalPartWriter::Open(out, 1, spec, FakeProvenance()); });
  EXPECT_NE(reopen.find("belongs to a different run: the master seed"), std::string::npos)
      << reopen;
  fs::remove(JournalPartPath(out, 1));
  root.reset();
  spec.shard = {.index = 1, .count = 2};
  const std::string shard = ErrorOf([&] { RunWriter::Resume(out, spec, FakeProvenance()); });
  EXPECT_NE(shard.find("the shard (1/1 in the journal, 1/2 now)"), std::string::npos) << shard;
  // Without the run's F.journal (an output folder the process cannot see) nothing is written.
  const std::string unseen = ErrorOf([&] {
    JournalPartWriter::Open(File("nowhere.h5"), 1, spec, FakeProvenance(),
                            {.first_part_wait_s = 0});
  });
  EXPECT_NE(unseen.find("does not exist here"), std::string::npos) << unseen;
  EXPECT_FALSE(fs::exists(JournalPartPath(File("nowhere.h5"), 1)));
}

TEST_F(StoreTest, WriteCompleteRunEqualsFinalize) {
  const RunSpec spec = FakeSpec();
  std::vector<Record> records;
  for (uint64_t flat = 0; flat < spec.SampleCount(); ++flat) {
    const SampleKey k = spec.KeyAt(flat);
    records.push_back(FakeRecord(spec, k.grid_point, k.sample));
    if (records.back().status == SampleStatus::kFailed) {
      records.back().values.assign(spec.columns.size(), std::numeric_limits<double>::quiet_NaN());
    }
  }
  WriteCompleteRun(File("direct.h5"), spec, FakeProvenance(), records, FakeTables(spec, records));
  std::vector<SampleKey> order;
  for (const auto& r : records) {
    order.push_back({r.grid_point, r.sample});
  }
  RunInOrder(File("written.h5"), order);
  EXPECT_EQ(RawDatasets(File("direct.h5")), RawDatasets(File("written.h5")));
  records.pop_back();
  EXPECT_THROW(WriteCompleteRun(File("short.h5"), spec, FakeProvenance(), records, {}), UsageError);
  std::swap(records[0], records[1]);
  EXPECT_THROW(WriteCompleteRun(File("unsorted.h5"), spec, FakeProvenance(), records, {}),
               UsageError);
}

// --- determinism -------------------------------------------------------------------------------

TEST_F(StoreTest, CompletionOrderDoesNotChangeTheDatasets) {
  RunInOrder(File("in_order.h5"), AllKeys());
  RunInOrder(File("shuffled_a.h5"), Shuffled(1));
  RunInOrder(File("shuffled_b.h5"), Shuffled(2));
  const auto reference = RawDatasets(File("in_order.h5"));
  EXPECT_GT(reference.size(), 10U);
  EXPECT_EQ(RawDatasets(File("shuffled_a.h5")), reference);
  EXPECT_EQ(RawDatasets(File("shuffled_b.h5")), reference);
}

// --- crash safety --------------------------------------------------------------------------------

// Runs the fake sweep in a forked child that is SIGKILLed after `kill_after` records, checks the
// file left behind, resumes and finishes, and compares with an uninterrupted run.
void KillResumeAndCompare(const fs::path& dir, uint64_t kill_after, bool tear_journal) {
  const RunSpec spec = FakeSpec();
  const fs::path out = dir / ("killed_" + std::to_string(kill_after) + ".h5");
  const auto order = Shuffled(kill_after);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    try {
      auto writer = RunWriter::Create(out, spec, FakeProvenance(),
                                      {.sync_every_records = 3, .snapshot_every_records = 5});
      for (const auto& key : order) {
        writer->Append(FakeRecord(spec, key.grid_point, key.sample));
        const char tick = 1;
        if (::write(pipe_fds[1], &tick, 1) != 1) {
          ::_exit(3);
        }
        ::usleep(2000);
      }
      ::pause();  // never finishes on its own
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  uint64_t seen = 0;
  char tick = 0;
  while (seen < kill_after && ::read(pipe_fds[0], &tick, 1) == 1) {
    ++seen;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(pipe_fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(seen, kill_after);

  // What is on disk is a readable snapshot.
  const Store snapshot = Store::Open(out);
  EXPECT_FALSE(snapshot.complete());
  EXPECT_LE(snapshot.records().size(), spec.SampleCount());
  if (tear_journal) {  // a record torn in the middle of its write
    const std::string partial = std::string("\x40\x00\x00\x00\x12\x34", 6);
    std::ofstream(fs::path(out) += ".journal", std::ios::binary | std::ios::app) << partial;
  }

  // Resume: everything the child appended before the kill is known to be done.
  auto writer = RunWriter::Resume(out, spec, FakeProvenance());
  EXPECT_EQ(writer->dropped_journal_bytes(), tear_journal ? 6U : 0U);
  EXPECT_GE(writer->done_count(), kill_after);
  for (const auto& key : order) {
    if (&key - order.data() < static_cast<std::ptrdiff_t>(kill_after)) {
      EXPECT_TRUE(writer->IsDone(key.grid_point, key.sample));
    }
  }
  const auto pending = writer->Pending();
  EXPECT_EQ(pending.size() + writer->done_count(), spec.SampleCount());
  for (const auto& key : pending) {
    writer->Append(FakeRecord(spec, key.grid_point, key.sample));
  }
  writer->Finalize(FakeTables(spec, writer->Records()));
  writer.reset();

  const fs::path reference = dir / "uninterrupted.h5";
  if (!fs::exists(reference)) {
    RunInOrder(reference, AllKeys());
  }
  EXPECT_EQ(RawDatasets(out), RawDatasets(reference));
  Provenance resumed = Store::Open(out).provenance();
  const Provenance uninterrupted = Store::Open(reference).provenance();
  resumed.created_utc = uninterrupted.created_utc;  // each run keeps its own start date
  EXPECT_EQ(resumed, uninterrupted);
  EXPECT_FALSE(fs::exists(fs::path(out) += ".journal"));
}

TEST_F(StoreTest, KilledRunLeavesAReadableFileAndResumesToTheSameResult) {
  for (const uint64_t kill_after : {1U, 13U, 29U, 47U}) {
    SCOPED_TRACE(kill_after);
    KillResumeAndCompare(dir_, kill_after, false);
  }
}

TEST_F(StoreTest, ResumeIgnoresATornLastRecord) { KillResumeAndCompare(dir_, 20, true); }

TEST_F(StoreTest, ReductionIsIndependentOfRecordOrder) {
  const RunSpec spec = FakeSpec();
  std::vector<Record> records;
  for (const auto& key : Shuffled(5)) {
    records.push_back(FakeRecord(spec, key.grid_point, key.sample));
  }
  std::vector<Record> sorted;
  for (const auto& key : AllKeys()) {
    sorted.push_back(FakeRecord(spec, key.grid_point, key.sample));
  }
  const auto a = FakeTables(spec, records);
  const auto b = FakeTables(spec, sorted);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].table, b[i].table);
  }
}

}  // namespace
}  // namespace cimchar::lut

namespace cimchar::lut {
namespace {

// The estimators on a data set small enough to work by hand. Grid point 0 has four ok samples of
// column v, 1, 2, 4 and 7 V, and a failed one (its 100 V must not count): mean 14 / 4 = 3.5 V,
// squared deviations 6.25 + 2.25 + 0.25 + 12.25 = 21, static sigma sqrt(21 / (4 - 1)) =
// sqrt(7) = 2.6458 V (sqrt(21 / 4) = 2.2913 V would be the biased n estimator). Column w is
// 10 - v: the same sigma, mean 6.5 V. Grid point 1 has one ok sample: its mean is the sample,
// its sigma undefined (NaN). The records come in no particular order.
TEST(Reduce, MeanAndStaticSigmaAreTheHandValues) {
  const RunSpec spec{.grid = {Axis::Numeric("vdd", "V", {0.6, 1.0})},
                     .samples_per_point = 5,
                     .columns = {{.name = "v", .units = "V"}, {.name = "w", .units = "V"}}};
  const auto ok = [](std::uint64_t g, std::uint64_t s, double v) {
    return Record{.grid_point = g, .sample = s, .values = {v, 10.0 - v}};
  };
  std::vector<Record> records = {ok(0, 3, 7.0), ok(1, 2, 5.0), ok(0, 0, 1.0), ok(0, 2, 4.0),
                                 ok(0, 1, 2.0)};
  records.push_back({.grid_point = 0,
                     .sample = 4,
                     .status = SampleStatus::kFailed,
                     .values = {100.0, 100.0},
                     .reason = "no convergence"});
  records.push_back({.grid_point = 1, .sample = 0, .status = SampleStatus::kFailed});
  const Reduction one =
      ReduceSamples(spec, records, {.quantity = "q/v", .units = "V", .columns = {"v"}});
  constexpr double kTol = 1e-15;
  EXPECT_NEAR(one.mean.values()[0], 3.5, kTol);
  EXPECT_NEAR(one.static_sigma.values()[0], std::sqrt(7.0), kTol);
  EXPECT_NEAR(one.mean.values()[1], 5.0, kTol);
  EXPECT_TRUE(std::isnan(one.static_sigma.values()[1]));
  EXPECT_TRUE(one.static_sigma.missing_allowed());
  EXPECT_EQ(one.ok_samples, (std::vector<std::uint64_t>{4, 1}));
  // Two columns over a trailing axis: one value per (grid point, column), column fastest.
  const Reduction two = ReduceSamples(spec, records,
                                      {.quantity = "q/vw",
                                       .units = "V",
                                       .columns = {"v", "w"},
                                       .column_axis = Axis::Numeric("k", "1", {0, 1})});
  ASSERT_EQ(two.mean.values().size(), 4u);
  EXPECT_NEAR(two.mean.Lookup({{"vdd", 0.6}, {"k", 1.0}}), 6.5, kTol);
  EXPECT_NEAR(two.static_sigma.Lookup({{"vdd", 0.6}, {"k", 1.0}}), std::sqrt(7.0), kTol);
  EXPECT_NEAR(two.mean.Lookup({{"vdd", 1.0}, {"k", 1.0}}), 5.0, kTol);
}

// A quantity over two trailing axes (e.g. transition x previous code): the columns run
// row-major over column_axis x inner_axis, the inner axis fastest.
TEST(Reduce, ColumnsSpanTwoTrailingAxes) {
  const RunSpec spec{.grid = {Axis::Numeric("vdd", "V", {1.0})},
                     .samples_per_point = 2,
                     .columns = {{.name = "a0", .units = "V"},
                                 {.name = "a1", .units = "V"},
                                 {.name = "b0", .units = "V"},
                                 {.name = "b1", .units = "V"}}};
  const std::vector<Record> records = {{.grid_point = 0, .sample = 0, .values = {1, 2, 3, 4}},
                                       {.grid_point = 0, .sample = 1, .values = {3, 4, 5, 6}}};
  const Reduction r = ReduceSamples(spec, records,
                                    {.quantity = "adc/history_shift_v",
                                     .units = "V",
                                     .columns = {"a0", "a1", "b0", "b1"},
                                     .column_axis = Axis::Numeric("code", "1", {1, 2}),
                                     .inner_axis = Axis::Numeric("previous_code", "1", {0, 1})});
  ASSERT_EQ(r.mean.axes().size(), 3u);
  EXPECT_EQ(r.mean.axes()[1].name(), "code");
  EXPECT_EQ(r.mean.axes()[2].name(), "previous_code");
  EXPECT_DOUBLE_EQ(r.mean.Lookup({{"vdd", 1.0}, {"code", 1.0}, {"previous_code", 1.0}}), 3.0);
  EXPECT_DOUBLE_EQ(r.mean.Lookup({{"vdd", 1.0}, {"code", 2.0}, {"previous_code", 0.0}}), 4.0);
  EXPECT_THROW(ReduceSamples(spec, records,
                             {.quantity = "q",
                              .units = "V",
                              .columns = {"a0", "a1", "b0"},
                              .column_axis = Axis::Numeric("code", "1", {1, 2}),
                              .inner_axis = Axis::Numeric("previous_code", "1", {0, 1})}),
               UsageError);
  EXPECT_THROW(ReduceSamples(spec, records,
                             {.quantity = "q",
                              .units = "V",
                              .columns = {"a0", "a1"},
                              .inner_axis = Axis::Numeric("previous_code", "1", {0, 1})}),
               UsageError);
}

// Unequal trailing axes (2 x 3): shape, indexing and interpolation across both at once.
TEST(Reduce, TwoTrailingAxesOfUnequalSizeInterpolateTogether) {
  const RunSpec spec{.grid = {Axis::Numeric("vdd", "V", {1.0})},
                     .samples_per_point = 2,
                     .columns = {{.name = "a", .units = "J"},
                                 {.name = "b", .units = "J"},
                                 {.name = "c", .units = "J"},
                                 {.name = "d", .units = "J"},
                                 {.name = "e", .units = "J"},
                                 {.name = "f", .units = "J"}}};
  const std::vector<Record> records = {
      {.grid_point = 0, .sample = 0, .values = {1, 2, 3, 4, 5, 6}},
      {.grid_point = 0, .sample = 1, .values = {3, 4, 5, 6, 7, 8}}};
  const Reduction r = ReduceSamples(spec, records,
                                    {.quantity = "x/e_j",
                                     .units = "J",
                                     .columns = {"a", "b", "c", "d", "e", "f"},
                                     .column_axis = Axis::Numeric("w", "1", {0.0, 1.0}),
                                     .inner_axis = Axis::Numeric("u", "1", {0.0, 0.5, 1.0})});
  ASSERT_EQ(r.mean.shape(), (std::vector<std::size_t>{1, 2, 3}));
  const std::size_t at[] = {0, 1, 0};  // w = 1, u = 0: column d
  EXPECT_DOUBLE_EQ(r.mean.At(at), 5.0);
  EXPECT_DOUBLE_EQ(r.mean.Lookup({{"vdd", 1.0}, {"w", 0.5}, {"u", 0.25}}), (2.0 + 3.0 + 5 + 6) / 4);
}

}  // namespace
}  // namespace cimchar::lut
