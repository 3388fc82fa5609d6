// How task outputs appear: written under a ".part" name and renamed into
// place, so a run killed half-way leaves nothing that looks finished, and a
// re-run (same parameters, deterministic encoders) replaces it with the same
// bytes.
#pragma once

#include <string>

#include "core/status.h"

namespace vtp::pipeline {

std::string Part(const std::string& path);
// Moves a finished file or directory over its final name (a directory
// already there is replaced).
Status CommitPath(const std::string& part, const std::string& final_path);
// A fresh, empty directory at `path` (left over from a killed run or not).
void FreshDir(const std::string& path);
// The whole file; kNotFound when it cannot be opened.
StatusOr<std::string> ReadFileBytes(const std::string& path);
// A file name's extension as a blob-key suffix: lower-case, [a-z0-9_] (other
// characters become '_'), at most `max_len` characters, else `fallback`.
std::string SafeExtension(const std::string& path, size_t max_len, const std::string& fallback);
// Writes `bytes` to path.part, then renames it over `path`; creates parents.
Status WriteFileAtomically(const std::string& path, const std::string& bytes);

}  // namespace vtp::pipeline
