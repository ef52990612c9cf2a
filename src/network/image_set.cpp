#include "network/image_set.h"

#include <fstream>
#include <sstream>

#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include "core/error.h"

namespace cimchar::network {

namespace {

// The whole (decompressed) contents of an IDX file.
std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UsageError(path.string() +
                     ": cannot open the file (Fashion-MNIST comes with the Debian package "
                     "dataset-fashion-mnist: apt-get install dataset-fashion-mnist)");
  }
  std::ostringstream out;
  try {
    if (path.extension() == ".gz") {
      boost::iostreams::filtering_istream gz;
      gz.push(boost::iostreams::gzip_decompressor());
      gz.push(in);
      boost::iostreams::copy(gz, out);
    } else {
      out << in.rdbuf();
    }
  } catch (const std::exception& e) {
    throw UsageError(path.string() + ": cannot decompress (" + e.what() + ")");
  }
  return out.str();
}

struct Idx {
  std::vector<std::int64_t> dims;
  std::string data;  // the whole file; values start at `offset`
  std::size_t offset = 0;
};

Idx ParseIdx(const std::filesystem::path& path) {
  Idx idx;
  idx.data = ReadAll(path);
  const auto* b = reinterpret_cast<const unsigned char*>(idx.data.data());
  if (idx.data.size() < 4 || b[0] != 0 || b[1] != 0) {
    throw UsageError(path.string() + ": not an IDX file (bad magic number)");
  }
  if (b[2] != 0x08) {
    throw UsageError(path.string() + ": IDX element type 0x" + std::to_string(b[2]) +
                     " is not unsigned byte (0x08)");
  }
  const int ndim = b[3];
  if (ndim < 1 || idx.data.size() < 4 + 4 * static_cast<std::size_t>(ndim)) {
    throw UsageError(path.string() + ": truncated IDX header");
  }
  std::int64_t total = 1;
  for (int d = 0; d < ndim; ++d) {
    const unsigned char* p = b + 4 + 4 * d;
    const std::int64_t n =
        (static_cast<std::int64_t>(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    idx.dims.push_back(n);
    total *= n;
  }
  idx.offset = 4 + 4 * static_cast<std::size_t>(ndim);
  if (idx.data.size() < idx.offset + static_cast<std::size_t>(total)) {
    throw UsageError(path.string() + ": truncated: the header announces " + std::to_string(total) +
                     " values, the file holds " + std::to_string(idx.data.size() - idx.offset));
  }
  return idx;
}

}  // namespace

ImageSet ReadIdxImages(const std::filesystem::path& images,
                       const std::filesystem::path& labels,
                       std::int64_t first,
                       std::int64_t count) {
  const Idx im = ParseIdx(images);
  const Idx lb = ParseIdx(labels);
  if (im.dims.size() != 3) {
    throw UsageError(images.string() + ": expected images (count x height x width), got " +
                     std::to_string(im.dims.size()) + " dimensions");
  }
  if (lb.dims.size() != 1 || lb.dims[0] != im.dims[0]) {
    throw UsageError(labels.string() + ": expected " + std::to_string(im.dims[0]) + " labels for " +
                     images.string());
  }
  const std::int64_t total = im.dims[0];
  if (count < 0) {
    count = total - first;
  }
  if (first < 0 || count < 0 || first + count > total) {
    throw UsageError(images.string() + ": images [" + std::to_string(first) + ", " +
                     std::to_string(first + count) + ") are outside the set of " +
                     std::to_string(total));
  }
  ImageSet set;
  set.height = static_cast<int>(im.dims[1]);
  set.width = static_cast<int>(im.dims[2]);
  const auto size = static_cast<std::size_t>(set.height) * static_cast<std::size_t>(set.width);
  const auto begin = im.data.begin() + static_cast<std::ptrdiff_t>(im.offset + first * size);
  set.pixels.assign(begin, begin + static_cast<std::ptrdiff_t>(count * size));
  const auto lbegin = lb.data.begin() + static_cast<std::ptrdiff_t>(lb.offset + first);
  set.labels.assign(lbegin, lbegin + static_cast<std::ptrdiff_t>(count));
  set.source =
      images.string() + "[" + std::to_string(first) + ", " + std::to_string(first + count) + ")";
  return set;
}

ImageSet ReadFashionMnist(const std::filesystem::path& dir,
                          const std::string& split,
                          std::int64_t first,
                          std::int64_t count) {
  std::string prefix;
  if (split == "train") {
    prefix = "train";
  } else if (split == "test") {
    prefix = "t10k";
  } else {
    throw UsageError("unknown Fashion-MNIST split '" + split + "': expected train or test");
  }
  return ReadIdxImages(dir / (prefix + "-images-idx3-ubyte.gz"),
                       dir / (prefix + "-labels-idx1-ubyte.gz"), first, count);
}

}  // namespace cimchar::network
