#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// Labelled grey-scale image sets in the IDX format of MNIST and Fashion-MNIST (the Debian
// package dataset-fashion-mnist installs them, gzip-compressed, in kFashionMnistDir).

namespace cimchar::network {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct ImageSet {
  int height = 0;
  int width = 0;
  std::vector<std::uint8_t> pixels;  // count x height x width, row-major
  std::vector<std::uint8_t> labels;  // count
  std::string source;                // "<images file>[first, first + count)"

  std::int64_t Count() const { return static_cast<std::int64_t>(labels.size()); }
  const std::uint8_t* Image(std::int64_t n) const {
    return pixels.data() + static_cast<std::size_t>(n) * static_cast<std::size_t>(height) * width;
  }
};

// Images [first, first + count) of an IDX image file and its label file (plain or .gz).
// count < 0 means "to the end". Failures: UsageError naming the file when it is missing (with
// the Debian package that provides Fashion-MNIST), not IDX, of another element type, truncated,
// when the two files disagree in count, or the range is outside the set.
// Ownership: returns a value. Thread-safety: pure.
ImageSet ReadIdxImages(const std::filesystem::path& images,
                       const std::filesystem::path& labels,
                       std::int64_t first = 0,
                       std::int64_t count = -1);

// A Fashion-MNIST split from `dir`: "train" (train-*-ubyte.gz) or "test" (t10k-*-ubyte.gz).
// Failures: as ReadIdxImages; UsageError for another split name.
ImageSet ReadFashionMnist(const std::filesystem::path& dir,
                          const std::string& split,
                          std::int64_t first = 0,
                          std::int64_t count = -1);

}  // namespace cimchar::network
