// Versioned schema of the SQLite store. Migrations are numbered 1..N, each a
// block of SQL applied once, in order, in one IMMEDIATE transaction together
// with its schema_version row -- so two processes opening a fresh file at the
// same time apply it exactly once, and a crash mid-migration leaves the old
// version. Existing migrations are never edited; a schema change appends one.
#pragma once

#include <span>
#include <string_view>

#include "adapters/sqlite_db.h"
#include "core/status.h"
#include "ports/clock.h"

namespace vtp::adapters::sqlite {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// The store's migrations, oldest first.
std::span<const Migration> StoreMigrations();

// Brings the database to the last version in `migrations` (which must be
// numbered 1..N without gaps; kInternal otherwise). A database whose version
// is newer than N was written by a newer vtp: kInvalidArgument, untouched.
// Returns the resulting version.
StatusOr<int> Migrate(Connection& conn, std::span<const Migration> migrations, ports::Millis now);

// The applied version; 0 for a database without a schema_version table.
StatusOr<int> SchemaVersion(Connection& conn);

}  // namespace vtp::adapters::sqlite
