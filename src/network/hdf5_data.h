#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "network/tensor.h"

namespace cimchar::lut::h5 {
class File;
}

namespace cimchar::network {

// Integer datasets and scalar attributes of an HDF5 file, through the project's checked HDF5
// layer (lut/hdf5.h): every error names the file and the object. Objects are addressed by path
// ("/", "layer0", "layer0/weights"). Thread-safety: every call holds the process-wide HDF5 lock;
// one object per thread.
class Hdf5Data {
 public:
  // Failures: UsageError naming the path when it does not exist, Error when it is not HDF5 or is
  // corrupt.
  static Hdf5Data Open(const std::filesystem::path& path);
  // Creates (truncates) a file. Failures: Error naming the path.
  static Hdf5Data Create(const std::filesystem::path& path);

  const std::string& Path() const { return path_; }
  bool Has(const std::string& object) const;
  bool HasAttr(const std::string& object, const std::string& name) const;

  // An integer dataset of any integer type (read as int64). Failures: UsageError naming the file
  // and dataset when it is missing or not integer (floating-point data: "quantize first").
  IntTensor ReadTensor(const std::string& dataset) const;
  // Scalar attributes. Failures: UsageError naming the file, object and attribute when missing or
  // of another type (ReadNumber accepts integers and floats).
  std::int64_t ReadInt(const std::string& object, const std::string& name) const;
  double ReadNumber(const std::string& object, const std::string& name) const;
  std::string ReadString(const std::string& object, const std::string& name) const;

  // Writes a dataset with element type `dtype` (int8, uint8, int16, uint16, int32, uint32,
  // int64), creating intermediate groups. Failures: UsageError for a value that does not fit;
  // Error from HDF5.
  void WriteTensor(const std::string& dataset, const IntTensor& tensor, const std::string& dtype);
  void WriteAttr(const std::string& object, const std::string& name, std::int64_t value);
  void WriteAttr(const std::string& object, const std::string& name, const std::string& value);
  // Flushes and closes. Failures: Error naming the path.
  void Close();

 private:
  std::string path_;
  std::shared_ptr<lut::h5::File> file_;
};

}  // namespace cimchar::network
