#include "network/hdf5_data.h"

#include <limits>
#include <mutex>

#include "core/error.h"
#include "lut/hdf5.h"

namespace cimchar::network {

namespace {

using lut::h5::Hid;

std::string ObjectName(const std::string& object) {
  return object.empty() || object == "/" ? "the file root" : "'" + object + "'";
}

// Opens any object (group or dataset) by path; "/" is the root group.
Hid OpenObject(const lut::h5::File& file, const std::string& object) {
  const std::string path = object.empty() ? "/" : object;
  if (path != "/" && !file.Exists(file.id(), path)) {
    throw UsageError(file.path() + ": " + ObjectName(object) + " is missing");
  }
  return Hid(static_cast<hid_t>(
      file.Check(H5Oopen(file.id(), path.c_str(), H5P_DEFAULT), "opening " + path)));
}

struct StoredType {
  const char* name;
  hid_t file_type;
  hid_t mem_type;
  std::int64_t lo;
  std::int64_t hi;
};

StoredType TypeOf(const std::string& dtype) {
  if (dtype == "int8") {
    return {"int8", H5T_STD_I8LE, H5T_NATIVE_INT8, -128, 127};
  }
  if (dtype == "uint8") {
    return {"uint8", H5T_STD_U8LE, H5T_NATIVE_UINT8, 0, 255};
  }
  if (dtype == "int16") {
    return {"int16", H5T_STD_I16LE, H5T_NATIVE_INT16, -32768, 32767};
  }
  if (dtype == "uint16") {
    return {"uint16", H5T_STD_U16LE, H5T_NATIVE_UINT16, 0, 65535};
  }
  if (dtype == "int32") {
    return {"int32", H5T_STD_I32LE, H5T_NATIVE_INT32, std::numeric_limits<std::int32_t>::min(),
            std::numeric_limits<std::int32_t>::max()};
  }
  if (dtype == "uint32") {
    return {"uint32", H5T_STD_U32LE, H5T_NATIVE_UINT32, 0,
            std::numeric_limits<std::uint32_t>::max()};
  }
  if (dtype == "int64") {
    return {"int64", H5T_STD_I64LE, H5T_NATIVE_INT64, std::numeric_limits<std::int64_t>::min(),
            std::numeric_limits<std::int64_t>::max()};
  }
  throw UsageError("unknown integer type '" + dtype +
                   "' (int8, uint8, int16, uint16, int32, uint32 or int64)");
}

std::string IntegerTypeName(hid_t type) {
  const std::size_t bytes = H5Tget_size(type);
  const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
  return std::string(is_signed ? "int" : "uint") + std::to_string(8 * bytes);
}

// The handle is released under the HDF5 lock like every other call.
std::shared_ptr<lut::h5::File> Shared(lut::h5::File file) {
  return {new lut::h5::File(std::move(file)), [](lut::h5::File* f) {
            std::lock_guard lock(lut::h5::Hdf5Mutex());
            delete f;
          }};
}

}  // namespace

Hdf5Data Hdf5Data::Open(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw UsageError(path.string() + ": no such file");
  }
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  Hdf5Data d;
  d.path_ = path.string();
  d.file_ = Shared(lut::h5::File::OpenReadOnly(path.string()));
  return d;
}

Hdf5Data Hdf5Data::Create(const std::filesystem::path& path) {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  Hdf5Data d;
  d.path_ = path.string();
  d.file_ = Shared(lut::h5::File::Create(path.string()));
  return d;
}

bool Hdf5Data::Has(const std::string& object) const {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  return object.empty() || object == "/" || file_->Exists(file_->id(), object);
}

bool Hdf5Data::HasAttr(const std::string& object, const std::string& name) const {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  if (!(object.empty() || object == "/" || file_->Exists(file_->id(), object))) {
    return false;
  }
  const Hid obj = OpenObject(*file_, object);
  return file_->HasAttr(obj.get(), name);
}

IntTensor Hdf5Data::ReadTensor(const std::string& dataset) const {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  if (!file_->Exists(file_->id(), dataset)) {
    throw UsageError(path_ + ": the dataset '" + dataset + "' is missing");
  }
  const Hid d = file_->OpenDataset(file_->id(), dataset);
  const std::string where = "the dataset '" + dataset + "'";
  const Hid type(static_cast<hid_t>(file_->Check(H5Dget_type(d.get()), "typing " + where)));
  IntTensor t;
  t.source = path_ + ":/" + (dataset.starts_with('/') ? dataset.substr(1) : dataset);
  if (H5Tget_class(type.get()) != H5T_INTEGER) {
    const bool is_float = H5Tget_class(type.get()) == H5T_FLOAT;
    throw UsageError(t.source + ": " +
                     (is_float ? "floating-point data: layer data must be integer codes; "
                                 "quantize first (e.g. np.round(x / scale).astype(np.int32))"
                               : "not an integer dataset"));
  }
  t.dtype = IntegerTypeName(type.get());
  if (t.dtype == "uint64") {
    throw UsageError(t.source + ": uint64 data is not supported; store int64 or narrower");
  }
  for (hsize_t n : file_->Dims(d.get(), where)) {
    if (n > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())) {
      throw UsageError(t.source + ": a dimension of " + std::to_string(n) + " is beyond int64");
    }
    t.shape.push_back(static_cast<std::int64_t>(n));
  }
  // The shape is what the dataspace claims; check it against what the file stores before
  // anything is allocated for it. Unfiltered data takes its full size in the file, so a smaller
  // storage means data never written (HDF5 would read fill values); compressed and virtual
  // datasets are bounded by memory alone.
  const auto element_bytes = static_cast<int>(H5Tget_size(type.get()));
  const std::int64_t count = CheckedElementCount(t.shape, element_bytes, t.source);
  const Hid dcpl(static_cast<hid_t>(
      file_->Check(H5Dget_create_plist(d.get()), "reading the layout of " + where)));
  if (H5Pget_nfilters(dcpl.get()) == 0 && H5Pget_layout(dcpl.get()) != H5D_VIRTUAL) {
    const hsize_t stored = H5Dget_storage_size(d.get());
    const auto claimed = static_cast<hsize_t>(count) * static_cast<hsize_t>(element_bytes);
    if (stored < claimed) {
      throw UsageError(t.source + ": the dataset's shape " + t.ShapeText() + " " + t.dtype +
                       " is " + std::to_string(claimed) + " bytes of data, but the file stores " +
                       std::to_string(stored) +
                       " bytes of it (created with this shape and never fully written?); write "
                       "the whole array");
    }
  }
  CheckFitsInMemory(t.shape, count, t.source);
  t.values.resize(static_cast<std::size_t>(count));
  if (!t.values.empty()) {
    file_->Check(H5Dread(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.values.data()),
                 "reading " + where);
  }
  return t;
}

std::int64_t Hdf5Data::ReadInt(const std::string& object, const std::string& name) const {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  const Hid obj = OpenObject(*file_, object);
  const std::string where = "the attribute '" + name + "' of " + ObjectName(object);
  if (!file_->HasAttr(obj.get(), name)) {
    throw UsageError(path_ + ": " + where + " is missing");
  }
  const Hid attr(static_cast<hid_t>(
      file_->Check(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT), "opening " + where)));
  const Hid type(static_cast<hid_t>(file_->Check(H5Aget_type(attr.get()), "typing " + where)));
  const Hid space(static_cast<hid_t>(file_->Check(H5Aget_space(attr.get()), "sizing " + where)));
  if (H5Tget_class(type.get()) != H5T_INTEGER || H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw UsageError(path_ + ": " + where + " is not one integer");
  }
  std::int64_t v = 0;
  file_->Check(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), "reading " + where);
  return v;
}

double Hdf5Data::ReadNumber(const std::string& object, const std::string& name) const {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  const Hid obj = OpenObject(*file_, object);
  const std::string where = "the attribute '" + name + "' of " + ObjectName(object);
  if (!file_->HasAttr(obj.get(), name)) {
    throw UsageError(path_ + ": " + where + " is missing");
  }
  const Hid attr(static_cast<hid_t>(
      file_->Check(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT), "opening " + where)));
  const Hid type(static_cast<hid_t>(file_->Check(H5Aget_type(attr.get()), "typing " + where)));
  const Hid space(static_cast<hid_t>(file_->Check(H5Aget_space(attr.get()), "sizing " + where)));
  const H5T_class_t cls = H5Tget_class(type.get());
  if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw UsageError(path_ + ": " + where + " is not one number");
  }
  double v = 0.0;
  file_->Check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v), "reading " + where);
  return v;
}

std::string Hdf5Data::ReadString(const std::string& object, const std::string& name) const {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  const Hid obj = OpenObject(*file_, object);
  return file_->ReadStringAttr(obj.get(), name, ObjectName(object));
}

void Hdf5Data::WriteTensor(const std::string& dataset,
                           const IntTensor& tensor,
                           const std::string& dtype) {
  const StoredType st = TypeOf(dtype);
  if (tensor.Size() != static_cast<std::int64_t>(tensor.values.size())) {
    throw UsageError(path_ + ": dataset '" + dataset + "': shape " + tensor.ShapeText() +
                     " holds " + std::to_string(tensor.Size()) + " values, got " +
                     std::to_string(tensor.values.size()));
  }
  for (std::size_t i = 0; i < tensor.values.size(); ++i) {
    if (tensor.values[i] < st.lo || tensor.values[i] > st.hi) {
      throw UsageError(path_ + ": dataset '" + dataset + "': value " +
                       tensor.IndexText(static_cast<std::int64_t>(i)) + " = " +
                       std::to_string(tensor.values[i]) + " does not fit " + dtype);
    }
  }
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  std::vector<hsize_t> dims(tensor.shape.begin(), tensor.shape.end());
  const Hid space(static_cast<hid_t>(file_->Check(
      H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "sizing " + dataset)));
  const Hid lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  const Hid d(
      static_cast<hid_t>(file_->Check(H5Dcreate2(file_->id(), dataset.c_str(), st.file_type,
                                                 space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                                      "creating the dataset " + dataset)));
  if (!tensor.values.empty()) {
    file_->Check(
        H5Dwrite(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor.values.data()),
        "writing the dataset " + dataset);
  }
}

void Hdf5Data::WriteAttr(const std::string& object, const std::string& name, std::int64_t value) {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  const Hid obj = OpenObject(*file_, object);
  file_->WriteAttr(obj.get(), name, value);
}

void Hdf5Data::WriteAttr(const std::string& object,
                         const std::string& name,
                         const std::string& value) {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  const Hid obj = OpenObject(*file_, object);
  file_->WriteAttr(obj.get(), name, value);
}

void Hdf5Data::Close() {
  std::lock_guard lock(lut::h5::Hdf5Mutex());
  file_->Close();
}

}  // namespace cimchar::network
