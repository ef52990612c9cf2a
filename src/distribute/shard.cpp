#include "distribute/shard.h"

#include <charconv>

#include "core/error.h"

namespace cimchar::distribute {

lut::Shard ParseShard(const std::string& text) {
  const auto slash = text.find('/');
  lut::Shard shard;
  auto number = [&](std::string_view part, uint64_t& out) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && end == part.data() + part.size() && !part.empty();
  };
  const std::string_view all(text);
  if (slash == std::string::npos || !number(all.substr(0, slash), shard.index) ||
      !number(all.substr(slash + 1), shard.count) || shard.index < 1 || shard.index > shard.count) {
    throw UsageError("--shard '" + text +
                     "' is not K/N with 1 <= K <= N (e.g. --shard 2/8 for the second of 8)");
  }
  return shard;
}

std::vector<lut::SampleKey> Deal(const std::vector<lut::SampleKey>& pending, int rank, int ranks) {
  std::vector<lut::SampleKey> mine;
  const auto step = static_cast<std::size_t>(ranks);
  for (std::size_t j = static_cast<std::size_t>(rank); j < pending.size(); j += step) {
    mine.push_back(pending[j]);
  }
  return mine;
}

}  // namespace cimchar::distribute
