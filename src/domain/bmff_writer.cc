#include "domain/bmff_writer.h"

#include <limits>

namespace vtp::bmff {

void BoxWriter::WriteU8(uint8_t v) { out_.push_back(v); }

void BoxWriter::WriteU16(uint16_t v) {
  WriteU8(static_cast<uint8_t>(v >> 8));
  WriteU8(static_cast<uint8_t>(v));
}

void BoxWriter::WriteU24(uint32_t v) {
  WriteU8(static_cast<uint8_t>(v >> 16));
  WriteU16(static_cast<uint16_t>(v));
}

void BoxWriter::WriteU32(uint32_t v) {
  WriteU16(static_cast<uint16_t>(v >> 16));
  WriteU16(static_cast<uint16_t>(v));
}

void BoxWriter::WriteU64(uint64_t v) {
  WriteU32(static_cast<uint32_t>(v >> 32));
  WriteU32(static_cast<uint32_t>(v));
}

void BoxWriter::WriteFourCC(std::string_view fourcc) {
  if (fourcc.size() != 4) {
    Fail("bmff writer: four-character code '" + std::string(fourcc) + "' is not 4 bytes");
    fourcc = "    ";
  }
  for (char c : fourcc) WriteU8(static_cast<uint8_t>(c));
}

void BoxWriter::WriteBytes(std::span<const uint8_t> bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

void BoxWriter::BeginBox(std::string_view type) {
  open_.push_back(out_.size());
  WriteU32(0);
  WriteFourCC(type);
}

void BoxWriter::BeginFullBox(std::string_view type, uint8_t version, uint32_t flags) {
  BeginBox(type);
  WriteU8(version);
  WriteU24(flags);
}

void BoxWriter::EndBox() {
  if (open_.empty()) return Fail("bmff writer: EndBox without an open box");
  const size_t start = open_.back();
  open_.pop_back();
  const size_t size = out_.size() - start;
  if (size > std::numeric_limits<uint32_t>::max()) {
    return Fail("bmff writer: box of " + std::to_string(size) + " bytes needs a largesize");
  }
  PatchU32(start, static_cast<uint32_t>(size));
}

void BoxWriter::PatchU32(size_t offset, uint32_t v) {
  if (offset > out_.size() || out_.size() - offset < 4) {
    return Fail("bmff writer: patch at " + std::to_string(offset) + " is past the end");
  }
  for (int i = 0; i < 4; ++i) out_[offset + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

void BoxWriter::Fail(std::string message) {
  if (status_.ok()) status_ = Internal(std::move(message));
}

StatusOr<std::vector<uint8_t>> BoxWriter::Finish() && {
  if (!open_.empty()) Fail("bmff writer: " + std::to_string(open_.size()) + " box(es) left open");
  if (!status_.ok()) return status_;
  return std::move(out_);
}

}  // namespace vtp::bmff
