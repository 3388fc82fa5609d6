#include "adapters/sqlite_db.h"

#include <utility>

namespace vtp::adapters::sqlite {

Status SqliteStatus(sqlite3* db, int rc, std::string_view context) {
  // sqlite3_errmsg describes the latest failure on `db`, which is this one as
  // long as the connection is used by one thread at a time (it is).
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = std::string(context) + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return IoError(message + " (database is busy; busy timeout expired)");
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return Status(ErrorCode::kAlreadyExists, message);
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return NotFound(message);
      return InvalidArgument(message);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return IoError(message);
    default:
      return Internal(message);
  }
}

// ---- Statement -------------------------------------------------------------

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use)
    : db_(db), stmt_(stmt), in_use_(in_use) {
  *in_use_ = true;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(other.in_use_),
      next_param_(other.next_param_),
      bind_rc_(other.bind_rc_) {}

void Statement::NoteBind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  ++next_param_;
}

Statement& Statement::Text(std::string_view value) {
  // A null data() would bind SQL NULL; "" must stay an empty string.
  const char* data = value.data() != nullptr ? value.data() : "";
  NoteBind(
      sqlite3_bind_text64(stmt_, next_param_, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::Int(int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, next_param_, value));
  return *this;
}

Statement& Statement::OptInt(std::optional<int64_t> value) {
  NoteBind(value ? sqlite3_bind_int64(stmt_, next_param_, *value)
                 : sqlite3_bind_null(stmt_, next_param_));
  return *this;
}

Statement& Statement::Real(double value) {
  NoteBind(sqlite3_bind_double(stmt_, next_param_, value));
  return *this;
}

StatusOr<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return SqliteStatus(db_, bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(db_, rc, sqlite3_sql(stmt_));
}

Status Statement::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Statement::ColumnOptInt(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

double Statement::ColumnReal(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

// ---- Connection ------------------------------------------------------------

StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                       int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  // NOMUTEX: callers serialise access to a connection themselves.
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);  // sqlite3_open_v2 hands out a handle even when it fails
  if (rc != SQLITE_OK) return SqliteStatus(db.get(), rc, "open " + path);
  sqlite3_extended_result_codes(db.get(), 1);
  rc = sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  if (rc != SQLITE_OK) return SqliteStatus(db.get(), rc, "busy_timeout");
  return std::unique_ptr<Connection>(new Connection(std::move(db)));
}

StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) return SqliteStatus(db_.get(), rc, "prepare");
    auto cached = std::make_unique<Cached>();
    cached->stmt = std::move(stmt);
    it = cache_.emplace(std::string(sql), std::move(cached)).first;
  }
  Cached& c = *it->second;
  if (c.in_use) return Internal("statement lent twice: " + std::string(sql));
  return Statement(db_.get(), c.stmt.get(), &c.in_use);
}

Status Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // the same text is available from sqlite3_errmsg
  if (rc != SQLITE_OK) return SqliteStatus(db_.get(), rc, "exec");
  return Status::Ok();
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_.get()); }

// ---- Transaction -----------------------------------------------------------

Status Transaction::Begin(Mode mode) {
  ASSIGN_OR_RETURN(Statement begin,
                   conn_.Prepare(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  RETURN_IF_ERROR(begin.Run());
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  ASSIGN_OR_RETURN(Statement commit, conn_.Prepare("COMMIT"));
  RETURN_IF_ERROR(commit.Run());
  open_ = false;
  return Status::Ok();
}

Transaction::~Transaction() {
  if (!open_) return;
  // Best effort: if ROLLBACK itself fails the connection is unusable anyway,
  // and SQLite rolls the transaction back when the connection closes.
  auto rollback = conn_.Prepare("ROLLBACK");
  if (rollback.ok()) (void)rollback->Run();
}

}  // namespace vtp::adapters::sqlite
