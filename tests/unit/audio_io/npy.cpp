#include "npy.h"

#include <zlib.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>

namespace braid::test {
namespace {

core::Result<std::vector<uint8_t>> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::not_found("[npy] ", path.string(), ": cannot open");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

uint32_t le16(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8; }
uint32_t le32(const uint8_t* p) { return le16(p) | le16(p + 2) << 16; }

// The value of `key` in the header's Python dict literal, up to the next ',' or '}' (a tuple
// counts as one value).
std::string dict_value(const std::string& header, const std::string& key) {
  const std::size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) return {};
  std::size_t start = header.find(':', at);
  if (start == std::string::npos) return {};
  ++start;
  while (start < header.size() && header[start] == ' ') ++start;
  std::size_t end = start;
  if (end < header.size() && header[end] == '(') {
    end = header.find(')', end);
    return end == std::string::npos ? std::string() : header.substr(start, end - start + 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(start, end - start);
}

}  // namespace

core::Result<NpyArray> parse_npy(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) {
    return core::data_loss("[npy] ", name, ": not a .npy file");
  }
  const int major = bytes[6];
  const std::size_t header_len = major == 1 ? le16(&bytes[8]) : le32(&bytes[8]);
  const std::size_t header_start = major == 1 ? 10 : 12;
  if (header_start + header_len > bytes.size()) return core::data_loss("[npy] ", name, ": short");
  const std::string header(reinterpret_cast<const char*>(&bytes[header_start]), header_len);
  const std::string descr = dict_value(header, "descr");
  if (dict_value(header, "fortran_order") != "False") {
    return core::not_supported("[npy] ", name, ": Fortran order");
  }
  NpyArray array;
  std::string shape = dict_value(header, "shape");
  int64_t count = 1;
  for (std::size_t i = 0; i < shape.size();) {
    if (std::isdigit(static_cast<unsigned char>(shape[i]))) {
      std::size_t used = 0;
      const int64_t dim = std::stoll(shape.substr(i), &used);
      array.shape.push_back(dim);
      count *= dim;
      i += used;
    } else {
      ++i;
    }
  }
  std::size_t item = 0;
  if (descr == "'<f4'" || descr == "'<i4'") item = 4;
  if (descr == "'<f8'" || descr == "'<i8'") item = 8;
  if (item == 0) return core::not_supported("[npy] ", name, ": dtype ", descr);
  const uint8_t* data = bytes.data() + header_start + header_len;
  if (bytes.size() - header_start - header_len < std::size_t(count) * item) {
    return core::data_loss("[npy] ", name, ": data shorter than shape ", shape);
  }
  array.values.resize(std::size_t(count));
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* p = data + std::size_t(i) * item;
    if (descr == "'<f4'") {
      float v;
      std::memcpy(&v, p, 4);
      array.values[i] = v;
    } else if (descr == "'<f8'") {
      std::memcpy(&array.values[i], p, 8);
    } else if (descr == "'<i4'") {
      int32_t v;
      std::memcpy(&v, p, 4);
      array.values[i] = v;
    } else {
      int64_t v;
      std::memcpy(&v, p, 8);
      array.values[i] = double(v);
    }
  }
  return array;
}

core::Result<NpyArray> read_npy(const std::filesystem::path& path) {
  BRAID_ASSIGN_OR_RETURN(const auto bytes, read_bytes(path));
  return parse_npy(bytes, path.string());
}

core::Result<std::map<std::string, NpyArray>> read_npz(const std::filesystem::path& path) {
  BRAID_ASSIGN_OR_RETURN(const auto zip, read_bytes(path));
  const std::string name = path.string();
  // The end-of-central-directory record: its last 22 bytes when there is no comment.
  if (zip.size() < 22) return core::data_loss("[npz] ", name, ": too short");
  std::size_t eocd = zip.size() - 22;
  while (eocd > 0 && le32(&zip[eocd]) != 0x06054b50) --eocd;
  if (le32(&zip[eocd]) != 0x06054b50) return core::data_loss("[npz] ", name, ": no zip directory");
  const uint32_t entries = le16(&zip[eocd + 10]);
  std::size_t at = le32(&zip[eocd + 16]);
  std::map<std::string, NpyArray> out;
  for (uint32_t e = 0; e < entries; ++e) {
    if (at + 46 > zip.size() || le32(&zip[at]) != 0x02014b50) {
      return core::data_loss("[npz] ", name, ": bad central directory entry ", e);
    }
    const uint32_t method = le16(&zip[at + 10]);
    const uint32_t packed = le32(&zip[at + 20]);
    const uint32_t unpacked = le32(&zip[at + 24]);
    const uint32_t name_len = le16(&zip[at + 28]);
    const uint32_t skip = le16(&zip[at + 30]) + le16(&zip[at + 32]);
    const uint32_t local = le32(&zip[at + 42]);
    std::string member(reinterpret_cast<const char*>(&zip[at + 46]), name_len);
    at += 46 + name_len + skip;
    if (local + 30 > zip.size()) return core::data_loss("[npz] ", name, ": bad local header");
    const std::size_t data = local + 30 + le16(&zip[local + 26]) + le16(&zip[local + 28]);
    if (data + packed > zip.size()) return core::data_loss("[npz] ", name, ": short member");
    std::vector<uint8_t> bytes(unpacked);
    if (method == 0) {
      std::memcpy(bytes.data(), &zip[data], unpacked);
    } else if (method == 8) {
      z_stream z{};
      if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return core::internal_error("[npz] zlib init");
      z.next_in = const_cast<Bytef*>(&zip[data]);
      z.avail_in = packed;
      z.next_out = bytes.data();
      z.avail_out = unpacked;
      const int rc = inflate(&z, Z_FINISH);
      inflateEnd(&z);
      if (rc != Z_STREAM_END) return core::data_loss("[npz] ", name, ": inflate ", member);
    } else {
      return core::not_supported("[npz] ", name, ": compression method ", method);
    }
    if (member.size() > 4 && member.substr(member.size() - 4) == ".npy")
      member.resize(member.size() - 4);
    BRAID_ASSIGN_OR_RETURN(out[member], parse_npy(bytes, name + ":" + member));
  }
  return out;
}

}  // namespace braid::test
