#pragma once

// Internal to cimchar_lut: the two-level HDF5 layer. Level one is a checked thin call per HDF5 C
// function that throws cimchar::Error with the file path and HDF5's own error stack as text;
// level two is Hid, a value-semantic RAII handle for hid_t. HDF5's automatic error printing is
// switched off once per process, so its messages reach users only through these errors.
// Thread-safety: the serial HDF5 library is not thread-safe; callers hold Hdf5Mutex() around
// every use of this header.

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace cimchar::lut::h5 {

// The process-wide lock serialising HDF5 calls.
std::mutex& Hdf5Mutex();

// A reference-counted HDF5 identifier: copies share the object (H5Iinc_ref), the last one closes
// it (H5Idec_ref). Default-constructed handles are empty.
class Hid {
 public:
  Hid() = default;
  explicit Hid(hid_t id) : id_(id) {}  // takes ownership of one reference
  Hid(const Hid& other);
  Hid(Hid&& other) noexcept;
  Hid& operator=(Hid other) noexcept;
  ~Hid();
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// A file being read or written, with the path every error names.
class File {
 public:
  // Failures: Error naming the path ("not an HDF5 file, or truncated or corrupt" on open).
  static File Create(const std::string& path);
  static File OpenReadOnly(const std::string& path);
  // Flushes and closes. Failures: Error naming the path.
  void Close();

  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }

  // Throws Error("<path>: <what>: <HDF5 error stack>") when status < 0; returns status otherwise.
  int64_t Check(int64_t status, const std::string& what) const;
  // Throws Error("<path>: <what>") (what must say what is wrong).
  [[noreturn]] void Fail(const std::string& what) const;

  // Objects ------------------------------------------------------------------------------------
  bool Exists(hid_t loc, const std::string& path) const;      // every component checked
  Hid CreateGroup(hid_t loc, const std::string& path) const;  // intermediate groups created
  Hid OpenGroup(hid_t loc, const std::string& path) const;
  Hid OpenDataset(hid_t loc, const std::string& path) const;

  // Attributes (scalar or 1-d) ---------------------------------------------------------------
  bool HasAttr(hid_t obj, const std::string& name) const;
  void WriteAttr(hid_t obj, const std::string& name, const std::string& value) const;
  void WriteAttr(hid_t obj, const std::string& name, const std::vector<std::string>& values) const;
  void WriteAttr(hid_t obj, const std::string& name, int64_t value) const;
  void WriteAttrU64(hid_t obj, const std::string& name, uint64_t value) const;
  std::string ReadStringAttr(hid_t obj, const std::string& name, const std::string& where) const;
  std::vector<std::string> ReadStringsAttr(hid_t obj,
                                           const std::string& name,
                                           const std::string& where) const;
  int64_t ReadIntAttr(hid_t obj, const std::string& name, const std::string& where) const;
  uint64_t ReadU64Attr(hid_t obj, const std::string& name, const std::string& where) const;

  // Datasets (dims in row-major order) -------------------------------------------------------
  Hid WriteDoubles(hid_t loc,
                   const std::string& name,
                   const std::vector<hsize_t>& dims,
                   const std::vector<double>& data) const;
  Hid WriteU64s(hid_t loc, const std::string& name, const std::vector<uint64_t>& data) const;
  Hid WriteU8s(hid_t loc, const std::string& name, const std::vector<uint8_t>& data) const;
  Hid WriteStrings(hid_t loc, const std::string& name, const std::vector<std::string>& data) const;

  std::vector<hsize_t> Dims(hid_t dataset, const std::string& where) const;
  std::vector<double> ReadDoubles(hid_t dataset, const std::string& where) const;
  std::vector<uint64_t> ReadU64s(hid_t dataset, const std::string& where) const;
  std::vector<uint8_t> ReadU8s(hid_t dataset, const std::string& where) const;
  std::vector<std::string> ReadStrings(hid_t dataset, const std::string& where) const;
  bool IsStringDataset(hid_t dataset) const;

 private:
  File(std::string path, Hid file) : path_(std::move(path)), file_(std::move(file)) {}
  std::string path_;
  Hid file_;
  bool writing_ = false;
};

}  // namespace cimchar::lut::h5
