#include "distribute/merge.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/error.h"

namespace cimchar::distribute {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

constexpr std::size_t kSamplesNamed = 5;  // how many missing or overlapping samples to name

std::string Describe(const lut::RunSpec& spec, std::uint64_t flat) {
  const lut::SampleKey key = spec.KeyAt(flat);
  return "(" + spec.DescribeGridPoint(key.grid_point) + ", sample " + std::to_string(key.sample) +
         ")";
}

bool SamePath(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
}

}  // namespace

MergeSummary MergeShards(const std::filesystem::path& out,
                         const std::vector<std::filesystem::path>& shards,
                         const std::map<std::string, Finisher>& finishers) {
  if (shards.empty()) {
    throw UsageError("no shard files to merge");
  }
  for (const auto& shard : shards) {
    if (SamePath(shard, out)) {
      throw UsageError("the output " + out.string() + " is also one of the shards; write the " +
                       "merged run to another file");
    }
  }
  if (!lut::JournalParts(out).empty()) {
    throw UsageError(lut::JournalPartPath(out, lut::JournalParts(out).front()).string() +
                     " exists: a run writing " + out.string() +
                     " was interrupted; resume it, delete its journal or merge into another file");
  }
  MergeSummary summary;
  summary.files = shards.size();

  // Read every shard; all must be the same run.
  auto t = Clock::now();
  std::vector<lut::Store> stores;
  for (const auto& path : shards) {
    stores.push_back(lut::Store::Open(path));
  }
  lut::RunSpec spec = stores.front().spec();
  spec.shard = {};
  lut::Provenance provenance = stores.front().provenance();
  for (std::size_t i = 1; i < stores.size(); ++i) {
    lut::RunSpec other = stores[i].spec();
    other.shard = {};
    const std::string diff =
        lut::RunDifference(spec, provenance, "in " + shards.front().string(), other,
                           stores[i].provenance(), "in " + shards[i].string());
    if (!diff.empty()) {
      throw UsageError(shards.front().string() + " and " + shards[i].string() +
                       " are not shards of the same run: " + diff + " differs");
    }
    provenance.created_utc = std::min(provenance.created_utc, stores[i].provenance().created_utc);
  }
  const auto finisher = finishers.find(provenance.producer);
  if (finisher == finishers.end()) {
    std::string known;
    for (const auto& [name, f] : finishers) {
      known += (known.empty() ? "" : ", ") + name;
    }
    throw UsageError(shards.front().string() + " was written by '" + provenance.producer +
                     "', whose runs this cimchar cannot merge (it merges: " + known + ")");
  }

  // Each sample exactly once.
  const std::uint64_t total = spec.SampleCount();
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> owner(total, kNone);
  std::vector<std::uint64_t> overlaps;
  std::size_t overlap_a = 0;
  std::size_t overlap_b = 0;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    for (const auto& record : stores[i].records()) {
      const std::uint64_t flat = spec.Flat({record.grid_point, record.sample});
      if (owner[flat] != kNone) {
        if (overlaps.empty()) {
          overlap_a = owner[flat];
          overlap_b = i;
        }
        overlaps.push_back(flat);
      } else {
        owner[flat] = i;
      }
    }
  }
  if (!overlaps.empty()) {
    std::string named;
    for (std::size_t k = 0; k < std::min(kSamplesNamed, overlaps.size()); ++k) {
      named += (k ? ", " : "") + Describe(spec, overlaps[k]);
    }
    throw UsageError("the shards overlap: " + std::to_string(overlaps.size()) +
                     " samples are in more than one file, e.g. in both " +
                     shards[overlap_a].string() + " (shard " +
                     stores[overlap_a].spec().shard.Name() + ") and " + shards[overlap_b].string() +
                     " (shard " + stores[overlap_b].spec().shard.Name() + "): " + named +
                     ". Give each shard once");
  }
  std::vector<std::uint64_t> missing;
  for (std::uint64_t flat = 0; flat < total; ++flat) {
    if (owner[flat] == kNone) {
      missing.push_back(flat);
    }
  }
  if (!missing.empty()) {
    // Which shards of the split the files use are absent, and which given ones are unfinished.
    std::string why;
    const std::uint64_t n = stores.front().spec().shard.count;
    const bool one_split = std::all_of(stores.begin(), stores.end(), [&](const lut::Store& s) {
      return s.spec().shard.count == n;
    });
    if (one_split) {
      std::set<std::uint64_t> given;
      for (const auto& s : stores) {
        given.insert(s.spec().shard.index);
      }
      std::string absent;
      for (std::uint64_t k = 1; k <= n; ++k) {
        if (!given.contains(k)) {
          absent += (absent.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(n);
        }
      }
      if (!absent.empty()) {
        why += "no file holds shard" +
               std::string(absent.find(',') != std::string::npos ? "s " : " ") + absent;
      }
    }
    for (std::size_t i = 0; i < stores.size(); ++i) {
      if (stores[i].records().size() < stores[i].spec().ShardSampleCount()) {
        why += (why.empty() ? "" : "; ") + shards[i].string() + " (shard " +
               stores[i].spec().shard.Name() + ") is unfinished (" +
               std::to_string(stores[i].records().size()) + " of " +
               std::to_string(stores[i].spec().ShardSampleCount()) +
               " samples): resume it with --resume";
      }
    }
    std::string named;
    for (std::size_t k = 0; k < std::min(kSamplesNamed, missing.size()); ++k) {
      named += (k ? ", " : "") + Describe(spec, missing[k]);
    }
    throw UsageError(std::to_string(missing.size()) + " of the run's " + std::to_string(total) +
                     " samples are in none of the files" + (why.empty() ? "" : " (" + why + ")") +
                     "; missing: " + named + (missing.size() > kSamplesNamed ? ", ..." : ""));
  }
  std::vector<lut::Record> records;
  records.reserve(total);
  std::vector<std::size_t> next(stores.size(), 0);
  for (std::uint64_t flat = 0; flat < total; ++flat) {
    const std::size_t i = owner[flat];
    records.push_back(stores[i].records()[next[i]++]);
    summary.failed += records.back().status == lut::SampleStatus::kFailed ? 1 : 0;
  }
  summary.samples = records.size();
  summary.read_s = Since(t);

  t = Clock::now();
  const std::vector<lut::QuantityTable> tables = finisher->second(spec, provenance, records);
  summary.finish_s = Since(t);
  t = Clock::now();
  lut::WriteCompleteRun(out, spec, provenance, records, tables);
  summary.write_s = Since(t);
  return summary;
}

}  // namespace cimchar::distribute
