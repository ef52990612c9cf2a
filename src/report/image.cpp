#include "report/image.h"

#include <cctype>
#include <fstream>
#include <iterator>
#include <string>

#include "core/error.h"

namespace cimchar::report {

namespace {

constexpr int kMaxPgmValue = 65535;
constexpr long kMaxPixels = 1L << 28;

class HeaderReader {
 public:
  HeaderReader(const std::string& bytes, const std::filesystem::path& path)
      : bytes_(bytes), path_(path) {}

  // Next whitespace-separated token, skipping '#' comments to the end of their line.
  std::string Token() {
    while (pos_ < bytes_.size()) {
      const char c = bytes_[pos_];
      if (c == '#') {
        while (pos_ < bytes_.size() && bytes_[pos_] != '\n') {
          ++pos_;
        }
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else {
        break;
      }
    }
    const std::size_t start = pos_;
    while (pos_ < bytes_.size() && !std::isspace(static_cast<unsigned char>(bytes_[pos_])) &&
           bytes_[pos_] != '#') {
      ++pos_;
    }
    if (start == pos_) {
      throw Error("cannot read the image " + path_.string() + ": the header ends early");
    }
    return bytes_.substr(start, pos_ - start);
  }

  long Number(const char* what, long low, long high) {
    const std::string token = Token();
    std::size_t used = 0;
    long value = -1;
    try {
      value = std::stol(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != token.size() || value < low || value > high) {
      throw Error("cannot read the image " + path_.string() + ": " + what + " \"" + token +
                  "\" is not a number in " + std::to_string(low) + ".." + std::to_string(high));
    }
    return value;
  }

  std::size_t pos() const { return pos_; }
  void Skip() { ++pos_; }

 private:
  const std::string& bytes_;
  const std::filesystem::path& path_;
  std::size_t pos_ = 0;
};

}  // namespace

GreyImage ReadPgm(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error("cannot open the image " + path.string() + " (check the path)");
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  HeaderReader header(bytes, path);
  const std::string magic = header.Token();
  if (magic != "P5" && magic != "P2") {
    throw Error("cannot read the image " + path.string() + ": not a PGM grey map (magic \"" +
                magic + "\", expected P5 or P2)");
  }
  GreyImage image;
  image.width = static_cast<int>(header.Number("width", 1, kMaxPixels));
  image.height = static_cast<int>(header.Number("height", 1, kMaxPixels));
  if (static_cast<long>(image.width) * image.height > kMaxPixels) {
    throw Error("cannot read the image " + path.string() + ": too many pixels");
  }
  image.max_value = static_cast<int>(header.Number("maxval", 1, kMaxPgmValue));
  const std::size_t count = static_cast<std::size_t>(image.width) * image.height;
  image.pixels.resize(count);
  if (magic == "P2") {
    for (std::size_t i = 0; i < count; ++i) {
      image.pixels[i] = static_cast<std::uint16_t>(header.Number("pixel", 0, image.max_value));
    }
    return image;
  }
  header.Skip();  // the single whitespace after maxval
  const std::size_t bytes_per_pixel = image.max_value > 255 ? 2 : 1;
  const std::size_t start = header.pos();
  if (start > bytes.size() || bytes.size() - start < count * bytes_per_pixel) {
    throw Error("cannot read the image " + path.string() + ": pixel data is truncated (" +
                std::to_string(bytes.size() - std::min(start, bytes.size())) + " bytes for " +
                std::to_string(count * bytes_per_pixel) + ")");
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto* p =
        reinterpret_cast<const unsigned char*>(bytes.data() + start + i * bytes_per_pixel);
    const int value = bytes_per_pixel == 2 ? (p[0] << 8) | p[1] : p[0];
    if (value > image.max_value) {
      throw Error("cannot read the image " + path.string() + ": pixel " + std::to_string(i) +
                  " exceeds maxval");
    }
    image.pixels[i] = static_cast<std::uint16_t>(value);
  }
  return image;
}

}  // namespace cimchar::report
