// Thin RAII layer over libsqlite3 for the SQLite adapter: owned handles
// (deleter functors + aliases), a per-connection cache of prepared
// statements, a borrowed-statement wrapper with positional binding, and a
// scoped transaction. SQLite result codes become vtp::Status here and only
// here (SqliteStatus). Included only by src/adapters/sqlite_*.cc.
//
// Thread safety: none. A Connection and everything borrowed from it belong
// to one thread at a time; SqliteStore serialises access with its mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace vtp::adapters::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// The one conversion from a SQLite result code (extended codes on):
//   BUSY/LOCKED (the busy timeout ran out)        -> kIo "database is busy"
//   CONSTRAINT_PRIMARYKEY/UNIQUE                  -> kAlreadyExists
//   CONSTRAINT_FOREIGNKEY                         -> kNotFound
//   other CONSTRAINT (CHECK, NOT NULL)            -> kInvalidArgument
//   CANTOPEN/IOERR/FULL/READONLY/PERM/CORRUPT/... -> kIo
//   anything else (MISUSE, RANGE, ...)            -> kInternal
// The message is "<context>: <sqlite message>".
Status SqliteStatus(sqlite3* db, int rc, std::string_view context);

// A prepared statement borrowed from a Connection's cache. Binding is
// positional in call order (?1, ?2, ...); the first bind error is reported by
// Step/Run. Reset and unbound when it goes out of scope, so it never holds a
// read snapshot open.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& Text(std::string_view value);
  Statement& Int(int64_t value);
  Statement& OptInt(std::optional<int64_t> value);
  Statement& Real(double value);

  // true: a row is ready; false: done.
  StatusOr<bool> Step();
  // Steps to completion (for statements that return no rows).
  Status Run();

  int64_t ColumnInt(int col) const;
  std::optional<int64_t> ColumnOptInt(int col) const;
  double ColumnReal(int col) const;
  std::string ColumnText(int col) const;

 private:
  void NoteBind(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  int next_param_ = 1;
  int bind_rc_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens (creating if needed) the database file with extended result codes
  // and the given busy timeout.
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, int busy_timeout_ms);

  // Prepares `sql` once per connection and lends it out. A statement can be
  // lent to one borrower at a time (kInternal otherwise: a nesting bug).
  StatusOr<Statement> Prepare(std::string_view sql);
  // Runs one or more statements that need no binding (DDL, PRAGMA, BEGIN).
  Status Exec(const std::string& sql);
  // Rows changed by the latest INSERT/UPDATE/DELETE.
  int64_t Changes() const;
  sqlite3* raw() const { return db_.get(); }

 private:
  explicit Connection(DbPtr db) : db_(std::move(db)) {}

  struct Cached {
    StmtPtr stmt;
    bool in_use = false;
  };
  DbPtr db_;  // declared first: destroyed last, after the statements
  std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
};

// BEGIN ... COMMIT, rolled back on scope exit unless committed.
class Transaction {
 public:
  enum class Mode {
    kRead,       // BEGIN (deferred): a consistent snapshot for multi-query reads
    kImmediate,  // BEGIN IMMEDIATE: takes the write lock now, waiting up to
                 // the busy timeout; every read-modify-write uses this
  };
  explicit Transaction(Connection& conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin(Mode mode);
  Status Commit();

 private:
  Connection& conn_;
  bool open_ = false;
};

}  // namespace vtp::adapters::sqlite
