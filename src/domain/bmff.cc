#include "domain/bmff.h"

#include <algorithm>

namespace vtp::bmff {

Status BoxReader::Need(size_t n) const {
  if (n > remaining()) {
    return InvalidArgument("bmff: need " + std::to_string(n) + " bytes at offset " +
                           std::to_string(pos_) + ", only " + std::to_string(remaining()) +
                           " left");
  }
  return Status::Ok();
}

StatusOr<uint8_t> BoxReader::ReadU8() {
  RETURN_IF_ERROR(Need(1));
  return data_[pos_++];
}

StatusOr<uint16_t> BoxReader::ReadU16() {
  ASSIGN_OR_RETURN(uint64_t v, ReadU64Like(2));
  return static_cast<uint16_t>(v);
}

StatusOr<uint32_t> BoxReader::ReadU24() {
  ASSIGN_OR_RETURN(uint64_t v, ReadU64Like(3));
  return static_cast<uint32_t>(v);
}

StatusOr<uint32_t> BoxReader::ReadU32() {
  ASSIGN_OR_RETURN(uint64_t v, ReadU64Like(4));
  return static_cast<uint32_t>(v);
}

StatusOr<uint64_t> BoxReader::ReadU64() { return ReadU64Like(8); }

StatusOr<uint64_t> BoxReader::ReadU64Like(size_t bytes) {
  RETURN_IF_ERROR(Need(bytes));
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += bytes;
  return v;
}

StatusOr<std::string> BoxReader::ReadFourCC() {
  ASSIGN_OR_RETURN(ByteSpan b, ReadBytes(4));
  return std::string(b.begin(), b.end());
}

StatusOr<ByteSpan> BoxReader::ReadBytes(size_t n) {
  RETURN_IF_ERROR(Need(n));
  ByteSpan out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

ByteSpan BoxReader::ReadRest() {
  ByteSpan out = data_.subspan(pos_);
  pos_ = data_.size();
  return out;
}

Status BoxReader::Skip(size_t n) {
  RETURN_IF_ERROR(Need(n));
  pos_ += n;
  return Status::Ok();
}

StatusOr<Box> ReadBox(BoxReader& reader) {
  // Parse on a copy so a failed read leaves `reader` where it was.
  BoxReader r = reader;
  Box box;
  box.offset = r.position();
  ASSIGN_OR_RETURN(uint32_t size32, r.ReadU32());
  ASSIGN_OR_RETURN(box.type, r.ReadFourCC());
  // ISO/IEC 14496-12 §4.2: size 1 -> 64-bit largesize follows; size 0 ->
  // the box extends to the end of the enclosing data.
  uint64_t size = size32;
  if (size32 == 1) {
    ASSIGN_OR_RETURN(size, r.ReadU64());
  }
  if (box.type == "uuid") {
    ASSIGN_OR_RETURN(ByteSpan usertype, r.ReadBytes(16));
    std::copy(usertype.begin(), usertype.end(), box.usertype.begin());
  }
  box.header_size = r.position() - box.offset;
  const uint64_t available = reader.remaining();
  if (size32 == 0) size = available;
  if (size < box.header_size || size > available) {
    return InvalidArgument("bmff: box '" + box.type + "' at offset " +
                           std::to_string(box.offset) + " has size " + std::to_string(size) +
                           ", outside [" + std::to_string(box.header_size) + ", " +
                           std::to_string(available) + "]");
  }
  box.size = size;
  ASSIGN_OR_RETURN(box.payload, r.ReadBytes(static_cast<size_t>(size) - box.header_size));
  reader = r;
  return box;
}

StatusOr<std::vector<Box>> ReadBoxes(ByteSpan data) {
  std::vector<Box> boxes;
  BoxReader reader(data);
  while (reader.remaining() > 0) {
    ASSIGN_OR_RETURN(Box box, ReadBox(reader));
    boxes.push_back(std::move(box));
  }
  return boxes;
}

StatusOr<Box> FindChild(ByteSpan data, std::string_view type) {
  BoxReader reader(data);
  while (reader.remaining() > 0) {
    ASSIGN_OR_RETURN(Box box, ReadBox(reader));
    if (box.type == type) return box;
  }
  return NotFound("bmff: no '" + std::string(type) + "' box");
}

StatusOr<Box> FindPath(ByteSpan data, std::string_view path) {
  Box current;
  current.payload = data;
  std::string walked;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view type = path.substr(start, slash - start);
    walked += walked.empty() ? std::string(type) : "/" + std::string(type);
    StatusOr<Box> child = FindChild(current.payload, type);
    if (!child.ok()) {
      return Status(child.status().code(), child.status().message() + " at " + walked);
    }
    current = std::move(child).value();
    start = slash + 1;
  }
  return current;
}

}  // namespace vtp::bmff
