// Versioned schema of the PostgreSQL store: migrations 1..6, the same tables,
// columns, CHECKs and indexes as sqlite_schema.cc in PostgreSQL's dialect
// (BIGINT ms times, BIGSERIAL ids, DOUBLE PRECISION, every text column
// COLLATE "C" so ORDER BY compares bytes exactly as SQLite and the shared
// pure functions do). Each pending migration is applied once, in order, in
// ONE transaction together with its schema_version row, under the
// transaction-scoped advisory lock kMigrationLockKey: concurrent openers
// apply each migration exactly once, and a crash mid-way leaves the old
// version. Existing migrations are never edited; a schema change appends one.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "adapters/pg_db.h"
#include "core/status.h"
#include "ports/clock.h"

namespace vtp::adapters::pg {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

inline constexpr int64_t kMigrationLockKey = 0x7674705f6d696772;  // "vtp_migr"

// The store's migrations, oldest first.
std::span<const Migration> StoreMigrations();

// Brings the database to the last version in `migrations` (numbered 1..N
// without gaps; kInternal otherwise). A database whose version is newer than
// N was written by a newer vtp: kInvalidArgument, and nothing is written.
// Returns the resulting version. Runs its own transaction(s) on `conn`.
StatusOr<int> Migrate(Connection& conn, std::span<const Migration> migrations, ports::Millis now);

// The applied version; 0 for a database without a schema_version table.
StatusOr<int> SchemaVersion(Connection& conn);

}  // namespace vtp::adapters::pg
