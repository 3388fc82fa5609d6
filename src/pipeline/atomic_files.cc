#include "pipeline/atomic_files.h"

#include <filesystem>
#include <cctype>
#include <fstream>
#include <iterator>

namespace vtp::pipeline {

namespace fs = std::filesystem;

std::string Part(const std::string& path) { return path + ".part"; }

Status CommitPath(const std::string& part, const std::string& final_path) {
  std::error_code ec;
  if (fs::is_directory(final_path, ec)) fs::remove_all(final_path, ec);
  fs::rename(part, final_path, ec);
  if (ec) return IoError("renaming " + part + " -> " + final_path + ": " + ec.message());
  return Status::Ok();
}

void FreshDir(const std::string& path) {
  fs::remove_all(path);
  fs::create_directories(path);
}

StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return NotFound("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::string SafeExtension(const std::string& path, size_t max_len, const std::string& fallback) {
  std::string ext = fs::path(path).extension().string();
  if (ext.size() <= 1 || ext.size() > max_len + 1) return fallback;
  ext = ext.substr(1);
  for (char& c : ext) c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  return ext;
}

Status WriteFileAtomically(const std::string& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string part = Part(path);
  {
    std::ofstream f(part, std::ios::trunc | std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) return IoError("writing " + part);
  }
  return CommitPath(part, path);
}

}  // namespace vtp::pipeline
