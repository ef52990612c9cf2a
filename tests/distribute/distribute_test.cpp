// The distribution layer without ngspice and without MPI: shard and rank dealing, shards of a
// characterization (fake engine and bench) merged into the file of one process, and the merges
// that must be refused. The real-ngspice and mpirun runs are in distribute_spice_test and
// distribute_mpi_test.
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "characterize/fake_bench.h"
#include "characterize/run.h"
#include "core/error.h"
#include "distribute/comm.h"
#include "distribute/merge.h"
#include "distribute/shard.h"
#include "lut/raw_datasets.h"
#include "lut/store.h"

namespace cimchar::distribute {
namespace {

namespace fs = std::filesystem;
using characterize::testing::FakeBench;
using characterize::testing::FakeEngine;
using characterize::testing::TestRecipe;
using lut::testing::RawDatasets;

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no exception";
}

fs::path TempDir() {
  static const fs::path dir = [] {
    fs::path d =
        fs::temp_directory_path() / ("cimchar_distribute_test_" + std::to_string(getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

class RemoveTempDirWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed()) {
      std::error_code ec;
      fs::remove_all(TempDir(), ec);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanUp =
    ::testing::AddGlobalTestEnvironment(new RemoveTempDirWhenPassed);

// Runs the fake characterization (2 supplies x 3 codes x 12 samples) into `out`.
characterize::RunSummary RunFake(const fs::path& out,
                                 lut::Shard shard = {},
                                 const characterize::Recipe& recipe = TestRecipe()) {
  characterize::RunOptions o;
  o.jobs = 2;
  o.out = out;
  o.progress = false;
  o.shard = shard;
  o.engine = [] { return std::make_unique<FakeEngine>(0); };
  o.bench = std::make_shared<FakeBench>();
  return characterize::RunCharacterization(recipe, o);
}

// The fake bench's tables, as `cimchar merge` computes a real bench's.
std::map<std::string, Finisher> FakeFinisher() {
  return {{characterize::kProducer, [](const lut::RunSpec& spec, const lut::Provenance&,
                                       const std::vector<lut::Record>& records) {
             return characterize::RunTables(TestRecipe(), FakeBench(), spec, records);
           }}};
}

const fs::path& WholeRun() {
  static const fs::path whole = [] {
    const fs::path p = TempDir() / "whole.h5";
    RunFake(p);
    return p;
  }();
  return whole;
}

TEST(Shard, ParsesKOfNAndRefusesTheRest) {
  EXPECT_EQ(ParseShard("2/8"), (lut::Shard{.index = 2, .count = 8}));
  EXPECT_EQ(ParseShard("1/1"), lut::Shard{});
  for (const std::string bad : {"0/3", "4/3", "3", "a/b", "2/", "/2", "1/0", "1/3x", "-1/3"}) {
    const std::string e = ErrorOf([&] { ParseShard(bad); });
    EXPECT_NE(e.find("--shard '" + bad + "' is not K/N"), std::string::npos) << e;
  }
}

TEST(Shard, RanksGetDisjointInterleavedShares) {
  std::vector<lut::SampleKey> pending;
  for (uint64_t i = 0; i < 10; ++i) {
    pending.push_back({i / 4, i % 4});
  }
  EXPECT_EQ(Deal(pending, 1, 3), (std::vector<lut::SampleKey>{pending[1], pending[4], pending[7]}));
  std::set<lut::SampleKey> all;
  std::size_t dealt = 0;
  for (int rank = 0; rank < 4; ++rank) {
    const auto mine = Deal(pending, rank, 4);
    dealt += mine.size();
    all.insert(mine.begin(), mine.end());
    EXPECT_GE(mine.size(), 2u);  // 10 over 4 ranks: 3, 3, 2, 2
    EXPECT_LE(mine.size(), 3u);
  }
  EXPECT_EQ(dealt, pending.size());
  EXPECT_EQ(all.size(), pending.size());
  EXPECT_TRUE(Deal(pending, 0, 1) == pending);
}

TEST(Launch, ACimcharWithoutMpiRefusesSeveralRanks) {
  EXPECT_NO_THROW(CheckLaunch({}, false));
  EXPECT_NO_THROW(CheckLaunch({.by_mpi = true, .rank = 0, .size = 1}, false));
  EXPECT_NO_THROW(CheckLaunch({.by_mpi = true, .rank = 0, .size = 0}, false));  // size unknown
  EXPECT_NO_THROW(CheckLaunch({.by_mpi = true, .rank = 1, .size = 4}, true));
  const std::string e = ErrorOf([] { CheckLaunch({.by_mpi = true, .rank = 1, .size = 4}, false); });
  EXPECT_NE(e.find("rank 1 of 4"), std::string::npos) << e;
  EXPECT_NE(e.find("built without MPI"), std::string::npos) << e;
  EXPECT_NE(e.find("libopenmpi-dev"), std::string::npos) << e;
}

TEST(Merge, ShardsGiveTheFileOfOneProcess) {
  std::vector<fs::path> shards;
  std::set<lut::SampleKey> seen;
  for (uint64_t k = 1; k <= 3; ++k) {
    const fs::path p = TempDir() / ("shard" + std::to_string(k) + ".h5");
    const characterize::RunSummary s = RunFake(p, {.index = k, .count = 3});
    EXPECT_EQ(s.samples_total, 24u);  // 72 samples / 3
    EXPECT_EQ(s.samples_run, 24u);
    const lut::Store store = lut::Store::Open(p);
    EXPECT_TRUE(store.complete());
    EXPECT_EQ(store.spec().shard, (lut::Shard{.index = k, .count = 3}));
    EXPECT_TRUE(store.Quantities().empty());
    for (const auto& r : store.records()) {
      EXPECT_TRUE(seen.insert({r.grid_point, r.sample}).second);
    }
    shards.push_back(p);
  }
  EXPECT_EQ(seen.size(), 72u);
  // Any order of the files.
  const fs::path merged = TempDir() / "merged.h5";
  const MergeSummary m = MergeShards(merged, {shards[2], shards[0], shards[1]}, FakeFinisher());
  EXPECT_EQ(m.files, 3u);
  EXPECT_EQ(m.samples, 72u);
  EXPECT_GT(m.failed, 0u);  // the fake's crashing samples
  EXPECT_EQ(RawDatasets(merged), RawDatasets(WholeRun()));
  const lut::Store a = lut::Store::Open(merged);
  const lut::Store b = lut::Store::Open(WholeRun());
  EXPECT_EQ(a.spec(), b.spec());
  EXPECT_EQ(a.provenance().recipe_text, b.provenance().recipe_text);
  EXPECT_EQ(a.provenance().input_sha256, b.provenance().input_sha256);
  EXPECT_EQ(a.provenance().producer, "characterize");
  EXPECT_FALSE(a.Quantities().empty());
}

TEST(Merge, ShardsOfDifferentSplitsThatCoverTheRunOnceMergeToo) {
  std::vector<fs::path> files;
  for (const lut::Shard shard :
       {lut::Shard{.index = 1, .count = 2}, lut::Shard{.index = 2, .count = 4},
        lut::Shard{.index = 4, .count = 4}}) {
    files.push_back(TempDir() / ("split_" + std::to_string(shard.index) + "of" +
                                 std::to_string(shard.count) + ".h5"));
    RunFake(files.back(), shard);
  }
  const fs::path merged = TempDir() / "split_merged.h5";
  MergeShards(merged, files, FakeFinisher());
  EXPECT_EQ(RawDatasets(merged), RawDatasets(WholeRun()));
}

TEST(Merge, RefusesFilesThatAreNotExactlyOneRun) {
  std::vector<fs::path> s(4);
  for (uint64_t k = 1; k <= 3; ++k) {
    s[k] = TempDir() / ("r" + std::to_string(k) + ".h5");
    RunFake(s[k], {.index = k, .count = 3});
  }
  const fs::path out = TempDir() / "refused.h5";
  struct Case {
    std::string name;
    std::vector<fs::path> files;
    std::vector<std::string> expect;
  };
  // A shard of the same recipe with another seed.
  characterize::Recipe other = TestRecipe();
  other.seed = 12;
  other.effective["seed"] = "12";
  const fs::path other_seed = TempDir() / "other_seed.h5";
  RunFake(other_seed, {.index = 2, .count = 3}, other);
  // Shard 2/3 interrupted: a snapshot holding 5 of its 24 samples, its journal next to it.
  const lut::Store full = lut::Store::Open(s[2]);
  const fs::path unfinished = TempDir() / "unfinished.h5";
  {
    auto writer = lut::RunWriter::Create(unfinished, full.spec(), full.provenance());
    for (std::size_t i = 0; i < 5; ++i) {
      writer->Append(full.records()[i]);
    }
    writer->Snapshot();
  }
  const std::vector<Case> cases = {
      {"missing",
       {s[1], s[3]},
       {"24 of the run's 72 samples are in none", "no file holds shard 2/3",
        "missing: (corner = tt, vdd = 0.6 V, temp = 27 degC, code = 0 1, "
        "sample 1)"}},
      {"unfinished",
       {s[1], unfinished, s[3]},
       {"19 of the run's 72", "unfinished.h5 (shard 2/3) is unfinished (5 of 24 samples)",
        "--resume"}},
      {"overlap", {s[1], s[2], s[3], s[2]}, {"overlap: 24 samples", "shard 2/3", "Give each"}},
      {"whole and shard", {WholeRun(), s[1]}, {"overlap", "whole.h5 (shard 1/1)"}},
      {"other run",
       {s[1], other_seed, s[3]},
       {"are not shards of the same run", "the master seed (11 in", "12 in"}},
      {"out is a shard", {s[1], s[2], s[3], out}, {}},
  };
  for (const auto& c : cases) {
    std::vector<fs::path> files = c.files;
    fs::path target = out;
    if (c.name == "out is a shard") {
      target = s[1];
      files = {s[1], s[2], s[3]};
    }
    const std::string e = ErrorOf([&] { MergeShards(target, files, FakeFinisher()); });
    for (const auto& want : c.expect) {
      EXPECT_NE(e.find(want), std::string::npos) << c.name << ": expected '" << want << "' in\n"
                                                 << e;
    }
    if (c.name == "out is a shard") {
      EXPECT_NE(e.find("is also one of the shards"), std::string::npos) << e;
    }
    EXPECT_FALSE(fs::exists(out)) << c.name << ": an output was written";
  }
  // A producer this cimchar does not merge, and an output with a journal.
  const std::string unknown = ErrorOf([&] { MergeShards(out, {s[1], s[2], s[3]}, {}); });
  EXPECT_NE(unknown.find("cannot merge"), std::string::npos) << unknown;
  const std::string journal = ErrorOf([&] {
    MergeShards(unfinished, {s[1], s[2], s[3]}, FakeFinisher());
  });
  EXPECT_NE(journal.find("unfinished.h5.journal exists"), std::string::npos) << journal;
}

TEST(Merge, ResumingAShardUsesItsOwnJournal) {
  // A shard run, stopped and resumed with the same --shard, then refused with another one.
  const fs::path p = TempDir() / "resumed_shard.h5";
  const lut::Shard shard{.index = 3, .count = 3};
  RunFake(p, shard);
  const lut::Store done = lut::Store::Open(p);
  {
    auto writer =
        lut::RunWriter::Create(TempDir() / "partial_shard.h5", done.spec(), done.provenance());
    writer->Append(done.records()[0]);
  }
  characterize::RunOptions o;
  o.jobs = 1;
  o.out = TempDir() / "partial_shard.h5";
  o.progress = false;
  o.resume = true;
  o.shard = {.index = 2, .count = 3};
  o.engine = [] { return std::make_unique<FakeEngine>(0); };
  o.bench = std::make_shared<FakeBench>();
  const std::string e = ErrorOf([&] { characterize::RunCharacterization(TestRecipe(), o); });
  EXPECT_NE(e.find("the shard (3/3 in the journal, 2/3 now)"), std::string::npos) << e;
  o.shard = shard;
  const characterize::RunSummary s = characterize::RunCharacterization(TestRecipe(), o);
  EXPECT_EQ(s.samples_resumed, 1u);
  EXPECT_EQ(s.samples_run, 23u);
  EXPECT_EQ(RawDatasets(o.out), RawDatasets(p));
}

}  // namespace
}  // namespace cimchar::distribute
