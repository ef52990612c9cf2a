#include "lut/hdf5.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/error.h"

namespace cimchar::lut::h5 {
namespace {

// Collects the descriptions of HDF5's current error stack, innermost last, and clears it.
herr_t CollectError(unsigned /*n*/, const H5E_error2_t* err, void* client) {
  auto* lines = static_cast<std::vector<std::string>*>(client);
  if (err != nullptr && err->desc != nullptr && err->desc[0] != '\0') {
    std::string line = err->desc;
    if (std::find(lines->begin(), lines->end(), line) == lines->end()) {
      lines->push_back(std::move(line));
    }
  }
  return 0;
}

std::string TakeErrorStack() {
  std::vector<std::string> lines;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, CollectError, &lines);
  H5Eclear2(H5E_DEFAULT);
  if (lines.empty()) {
    return "no detail from HDF5";
  }
  // The innermost entries say what actually went wrong; keep the last three.
  const std::size_t first = lines.size() > 3 ? lines.size() - 3 : 0;
  std::string text;
  for (std::size_t i = first; i < lines.size(); ++i) {
    text += (text.empty() ? "" : "; ") + lines[i];
  }
  return text;
}

Hid VlenStringType() {
  Hid type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

Hid Space1d(hsize_t n) { return Hid(H5Screate_simple(1, &n, nullptr)); }

hssize_t ElementCount(hid_t space) { return H5Sget_simple_extent_npoints(space); }

}  // namespace

std::mutex& Hdf5Mutex() {
  static std::mutex mutex;
  static std::once_flag once;
  std::call_once(once, [] {
    H5open();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  });
  return mutex;
}

Hid::Hid(const Hid& other) : id_(other.id_) {
  if (id_ >= 0) {
    H5Iinc_ref(id_);
  }
}

Hid::Hid(Hid&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}

Hid& Hid::operator=(Hid other) noexcept {
  std::swap(id_, other.id_);
  return *this;
}

Hid::~Hid() {
  if (id_ >= 0) {
    H5Idec_ref(id_);
  }
}

File File::Create(const std::string& path) {
  // The 1.8 file format checksums all metadata (readable by any HDF5 >= 1.8, h5py included).
  const Hid fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18);
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) {
    throw Error(path + ": cannot create the HDF5 file (" + TakeErrorStack() +
                "); check that the folder exists and is writable");
  }
  File file(path, Hid(id));
  file.writing_ = true;
  return file;
}

File File::OpenReadOnly(const std::string& path) {
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 == 0) {
    H5Eclear2(H5E_DEFAULT);
    throw Error(path + ": not an HDF5 file (no HDF5 signature found); is it the right file?");
  }
  if (is_hdf5 < 0) {
    throw Error(path + ": cannot open: truncated or corrupt (" + TakeErrorStack() + ")");
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    throw Error(path + ": cannot open: truncated or corrupt (" + TakeErrorStack() + ")");
  }
  return File(path, Hid(id));
}

void File::Close() {
  if (file_.valid()) {
    Check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flushing the file");
    file_ = Hid();
  }
}

int64_t File::Check(int64_t status, const std::string& what) const {
  if (status < 0) {
    throw Error(path_ + ": " + what + " failed (" + TakeErrorStack() +
                (writing_ ? ")" : "); the file is corrupt"));
  }
  return status;
}

void File::Fail(const std::string& what) const { throw Error(path_ + ": " + what); }

bool File::Exists(hid_t loc, const std::string& path) const {
  std::size_t pos = path.starts_with('/') ? 1 : 0;
  while (pos <= path.size()) {
    const std::size_t slash = path.find('/', pos);
    const std::string partial = path.substr(0, slash);
    if (!partial.empty() && partial != "/") {
      const htri_t exists = H5Lexists(loc, partial.c_str(), H5P_DEFAULT);
      Check(exists, "looking up " + partial);
      if (exists == 0) {
        return false;
      }
    }
    if (slash == std::string::npos) {
      break;
    }
    pos = slash + 1;
  }
  return true;
}

Hid File::CreateGroup(hid_t loc, const std::string& path) const {
  Hid lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  Hid gcpl(H5Pcreate(H5P_GROUP_CREATE));
  H5Pset_obj_track_times(gcpl.get(), 0);
  return Hid(static_cast<hid_t>(Check(
      H5Gcreate2(loc, path.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT), "creating " + path)));
}

Hid File::OpenGroup(hid_t loc, const std::string& path) const {
  if (!Exists(loc, path)) {
    Fail("the group " + path + " is missing");
  }
  return Hid(static_cast<hid_t>(
      Check(H5Gopen2(loc, path.c_str(), H5P_DEFAULT), "opening the group " + path)));
}

Hid File::OpenDataset(hid_t loc, const std::string& path) const {
  if (!Exists(loc, path)) {
    Fail("the dataset " + path + " is missing");
  }
  return Hid(static_cast<hid_t>(
      Check(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), "opening the dataset " + path)));
}

bool File::HasAttr(hid_t obj, const std::string& name) const {
  return Check(H5Aexists(obj, name.c_str()), "looking up the attribute " + name) > 0;
}

void File::WriteAttr(hid_t obj, const std::string& name, const std::string& value) const {
  const Hid type = VlenStringType();
  const Hid space(H5Screate(H5S_SCALAR));
  const Hid attr(static_cast<hid_t>(
      Check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "creating the attribute " + name)));
  const char* text = value.c_str();
  Check(H5Awrite(attr.get(), type.get(), &text), "writing the attribute " + name);
}

void File::WriteAttr(hid_t obj,
                     const std::string& name,
                     const std::vector<std::string>& values) const {
  const Hid type = VlenStringType();
  const Hid space = Space1d(values.size());
  const Hid attr(static_cast<hid_t>(
      Check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "creating the attribute " + name)));
  std::vector<const char*> texts;
  for (const auto& v : values) {
    texts.push_back(v.c_str());
  }
  if (!texts.empty()) {
    Check(H5Awrite(attr.get(), type.get(), texts.data()), "writing the attribute " + name);
  }
}

void File::WriteAttr(hid_t obj, const std::string& name, int64_t value) const {
  const Hid space(H5Screate(H5S_SCALAR));
  const Hid attr(static_cast<hid_t>(
      Check(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "creating the attribute " + name)));
  Check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), "writing the attribute " + name);
}

void File::WriteAttrU64(hid_t obj, const std::string& name, uint64_t value) const {
  const Hid space(H5Screate(H5S_SCALAR));
  const Hid attr(static_cast<hid_t>(
      Check(H5Acreate2(obj, name.c_str(), H5T_STD_U64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "creating the attribute " + name)));
  Check(H5Awrite(attr.get(), H5T_NATIVE_UINT64, &value), "writing the attribute " + name);
}

std::vector<std::string> File::ReadStringsAttr(hid_t obj,
                                               const std::string& name,
                                               const std::string& where) const {
  const std::string what = "the attribute '" + name + "' of " + where;
  if (!HasAttr(obj, name)) {
    Fail(what + " is missing");
  }
  const Hid attr(
      static_cast<hid_t>(Check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "opening " + what)));
  const Hid ftype(static_cast<hid_t>(Check(H5Aget_type(attr.get()), "typing " + what)));
  if (H5Tget_class(ftype.get()) != H5T_STRING) {
    Fail(what + " is not a string");
  }
  const Hid space(static_cast<hid_t>(Check(H5Aget_space(attr.get()), "sizing " + what)));
  const auto n = static_cast<std::size_t>(Check(ElementCount(space.get()), "sizing " + what));
  std::vector<std::string> out;
  if (n == 0) {
    return out;
  }
  if (Check(H5Tis_variable_str(ftype.get()), "typing " + what) > 0) {
    const Hid mtype = VlenStringType();
    std::vector<char*> texts(n, nullptr);
    Check(H5Aread(attr.get(), mtype.get(), texts.data()), "reading " + what);
    for (char* t : texts) {
      out.emplace_back(t != nullptr ? t : "");
    }
    H5Dvlen_reclaim(mtype.get(), space.get(), H5P_DEFAULT, texts.data());
  } else {
    const std::size_t size = H5Tget_size(ftype.get());
    const Hid mtype(H5Tcopy(H5T_C_S1));
    H5Tset_size(mtype.get(), size);
    std::vector<char> buffer(n * size, '\0');
    Check(H5Aread(attr.get(), mtype.get(), buffer.data()), "reading " + what);
    for (std::size_t i = 0; i < n; ++i) {
      const char* begin = buffer.data() + i * size;
      out.emplace_back(begin, strnlen(begin, size));
    }
  }
  return out;
}

std::string File::ReadStringAttr(hid_t obj,
                                 const std::string& name,
                                 const std::string& where) const {
  auto values = ReadStringsAttr(obj, name, where);
  if (values.size() != 1) {
    Fail("the attribute '" + name + "' of " + where + " should hold one string, it holds " +
         std::to_string(values.size()));
  }
  return std::move(values.front());
}

int64_t File::ReadIntAttr(hid_t obj, const std::string& name, const std::string& where) const {
  const std::string what = "the attribute '" + name + "' of " + where;
  if (!HasAttr(obj, name)) {
    Fail(what + " is missing");
  }
  const Hid attr(
      static_cast<hid_t>(Check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "opening " + what)));
  const Hid ftype(static_cast<hid_t>(Check(H5Aget_type(attr.get()), "typing " + what)));
  const Hid space(static_cast<hid_t>(Check(H5Aget_space(attr.get()), "sizing " + what)));
  if (H5Tget_class(ftype.get()) != H5T_INTEGER || ElementCount(space.get()) != 1) {
    Fail(what + " is not one integer");
  }
  int64_t value = 0;
  Check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), "reading " + what);
  return value;
}

uint64_t File::ReadU64Attr(hid_t obj, const std::string& name, const std::string& where) const {
  const std::string what = "the attribute '" + name + "' of " + where;
  if (!HasAttr(obj, name)) {
    Fail(what + " is missing");
  }
  const Hid attr(
      static_cast<hid_t>(Check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "opening " + what)));
  const Hid ftype(static_cast<hid_t>(Check(H5Aget_type(attr.get()), "typing " + what)));
  const Hid space(static_cast<hid_t>(Check(H5Aget_space(attr.get()), "sizing " + what)));
  if (H5Tget_class(ftype.get()) != H5T_INTEGER || ElementCount(space.get()) != 1) {
    Fail(what + " is not one integer");
  }
  uint64_t value = 0;
  Check(H5Aread(attr.get(), H5T_NATIVE_UINT64, &value), "reading " + what);
  return value;
}

namespace {

template <typename T>
Hid WriteDataset(const File& file,
                 hid_t loc,
                 const std::string& name,
                 hid_t file_type,
                 hid_t mem_type,
                 const std::vector<hsize_t>& dims,
                 const T* data) {
  Hid lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_obj_track_times(dcpl.get(), 0);
  hsize_t count = 1;
  for (const hsize_t d : dims) {
    count *= d;
  }
  // One chunk with a Fletcher-32 checksum, so corrupted data is an error instead of wrong
  // numbers (HDF5 checksums metadata only). Chunks are limited to 4 GiB.
  constexpr hsize_t kMaxChunkBytes = hsize_t{1} << 30;
  if (!dims.empty() && count > 0 && count * H5Tget_size(mem_type) <= kMaxChunkBytes &&
      H5Tis_variable_str(file_type) == 0) {
    file.Check(H5Pset_chunk(dcpl.get(), static_cast<int>(dims.size()), dims.data()),
               "chunking " + name);
    file.Check(H5Pset_fletcher32(dcpl.get()), "checksumming " + name);
  }
  const Hid space(static_cast<hid_t>(
      dims.empty() ? H5Screate(H5S_SCALAR)
                   : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr)));
  const Hid dataset(static_cast<hid_t>(file.Check(
      H5Dcreate2(loc, name.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
      "creating the dataset " + name)));
  if (count > 0) {
    file.Check(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
               "writing the dataset " + name);
  }
  return dataset;
}

}  // namespace

Hid File::WriteDoubles(hid_t loc,
                       const std::string& name,
                       const std::vector<hsize_t>& dims,
                       const std::vector<double>& data) const {
  return WriteDataset(*this, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, data.data());
}

Hid File::WriteU64s(hid_t loc, const std::string& name, const std::vector<uint64_t>& data) const {
  return WriteDataset(*this, loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, {data.size()},
                      data.data());
}

Hid File::WriteU8s(hid_t loc, const std::string& name, const std::vector<uint8_t>& data) const {
  return WriteDataset(*this, loc, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, {data.size()}, data.data());
}

Hid File::WriteStrings(hid_t loc,
                       const std::string& name,
                       const std::vector<std::string>& data) const {
  std::vector<const char*> texts;
  for (const auto& d : data) {
    texts.push_back(d.c_str());
  }
  const Hid type = VlenStringType();
  return WriteDataset(*this, loc, name, type.get(), type.get(), {data.size()}, texts.data());
}

std::vector<hsize_t> File::Dims(hid_t dataset, const std::string& where) const {
  const Hid space(static_cast<hid_t>(Check(H5Dget_space(dataset), "sizing " + where)));
  const int rank = static_cast<int>(Check(H5Sget_simple_extent_ndims(space.get()), where));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) {
    Check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "sizing " + where);
  }
  return dims;
}

namespace {

template <typename T>
std::vector<T> ReadNumbers(
    const File& file, hid_t dataset, const std::string& where, H5T_class_t want, hid_t mem_type) {
  const Hid ftype(static_cast<hid_t>(file.Check(H5Dget_type(dataset), "typing " + where)));
  if (H5Tget_class(ftype.get()) != want) {
    file.Fail(where + " has the wrong element type (expected " +
              (want == H5T_FLOAT ? std::string("floating point") : std::string("integer")) + ")");
  }
  const Hid space(static_cast<hid_t>(file.Check(H5Dget_space(dataset), "sizing " + where)));
  const auto n = static_cast<std::size_t>(file.Check(ElementCount(space.get()), "sizing " + where));
  std::vector<T> out(n);
  if (n > 0) {
    file.Check(H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
               "reading " + where);
  }
  return out;
}

}  // namespace

std::vector<double> File::ReadDoubles(hid_t dataset, const std::string& where) const {
  return ReadNumbers<double>(*this, dataset, where, H5T_FLOAT, H5T_NATIVE_DOUBLE);
}

std::vector<uint64_t> File::ReadU64s(hid_t dataset, const std::string& where) const {
  return ReadNumbers<uint64_t>(*this, dataset, where, H5T_INTEGER, H5T_NATIVE_UINT64);
}

std::vector<uint8_t> File::ReadU8s(hid_t dataset, const std::string& where) const {
  return ReadNumbers<uint8_t>(*this, dataset, where, H5T_INTEGER, H5T_NATIVE_UINT8);
}

bool File::IsStringDataset(hid_t dataset) const {
  const Hid ftype(static_cast<hid_t>(Check(H5Dget_type(dataset), "typing a dataset")));
  return H5Tget_class(ftype.get()) == H5T_STRING;
}

std::vector<std::string> File::ReadStrings(hid_t dataset, const std::string& where) const {
  const Hid ftype(static_cast<hid_t>(Check(H5Dget_type(dataset), "typing " + where)));
  if (H5Tget_class(ftype.get()) != H5T_STRING) {
    Fail(where + " is not a string dataset");
  }
  const Hid space(static_cast<hid_t>(Check(H5Dget_space(dataset), "sizing " + where)));
  const auto n = static_cast<std::size_t>(Check(ElementCount(space.get()), "sizing " + where));
  std::vector<std::string> out;
  if (n == 0) {
    return out;
  }
  if (Check(H5Tis_variable_str(ftype.get()), "typing " + where) > 0) {
    const Hid mtype = VlenStringType();
    std::vector<char*> texts(n, nullptr);
    Check(H5Dread(dataset, mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data()),
          "reading " + where);
    for (char* t : texts) {
      out.emplace_back(t != nullptr ? t : "");
    }
    H5Dvlen_reclaim(mtype.get(), space.get(), H5P_DEFAULT, texts.data());
  } else {
    const std::size_t size = H5Tget_size(ftype.get());
    const Hid mtype(H5Tcopy(H5T_C_S1));
    H5Tset_size(mtype.get(), size);
    std::vector<char> buffer(n * size, '\0');
    Check(H5Dread(dataset, mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
          "reading " + where);
    for (std::size_t i = 0; i < n; ++i) {
      const char* begin = buffer.data() + i * size;
      out.emplace_back(begin, strnlen(begin, size));
    }
  }
  return out;
}

}  // namespace cimchar::lut::h5
