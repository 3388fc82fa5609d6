#include "adapters/pg_db.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace vtp::adapters::pg {
namespace {

std::string Field(const PGresult* result, int code) {
  const char* v = result != nullptr ? PQresultErrorField(result, code) : nullptr;
  return v != nullptr ? v : "";
}

// libpq's messages end with a newline; keep the first line only.
std::string FirstLine(const char* text) {
  std::string s = text != nullptr ? text : "";
  size_t end = s.find('\n');
  return end == std::string::npos ? s : s.substr(0, end);
}

ErrorCode CodeForSqlState(std::string_view state) {
  if (state == kUniqueViolation) return ErrorCode::kAlreadyExists;
  if (state == "23503") return ErrorCode::kNotFound;
  if (state == "23514" || state == "23502" || state.starts_with("22")) {
    return ErrorCode::kInvalidArgument;
  }
  if (state.starts_with("08") || state.starts_with("53") || state.starts_with("57") ||
      state.starts_with("40") || state == "55P03" || state.starts_with("58")) {
    return ErrorCode::kIo;
  }
  return ErrorCode::kInternal;
}

bool Retryable(std::string_view state) {
  return state == kSerializationFailure || state == kDeadlockDetected;
}

}  // namespace

Status PgStatus(PGconn* conn, const PGresult* result, std::string_view context) {
  std::string state = Field(result, PG_DIAG_SQLSTATE);
  if (state.empty()) {
    // No SQLSTATE: the session failed (lost, refused, out of memory).
    return IoError(std::string(context) + ": " + FirstLine(PQerrorMessage(conn)));
  }
  // Data exceptions may quote the offending value in their primary message;
  // the SQLSTATE names the problem without it.
  std::string primary = state.starts_with("22") ? "invalid data"
                                                 : Field(result, PG_DIAG_MESSAGE_PRIMARY);
  return Status(CodeForSqlState(state),
                std::string(context) + ": SQLSTATE " + state + ": " + primary);
}

Param::Param(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  value_ = buf;
}

Param Param::TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return Param(out);
}

// ---- Result ----------------------------------------------------------------

int Result::Rows() const { return PQntuples(result_.get()); }
int Result::Columns() const { return PQnfields(result_.get()); }

int64_t Result::Affected() const {
  const char* n = PQcmdTuples(result_.get());
  int64_t out = 0;
  if (n != nullptr) std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

bool Result::IsNull(int row, int col) const {
  if (row < 0 || row >= Rows() || col < 0 || col >= Columns()) return true;
  return PQgetisnull(result_.get(), row, col) != 0;
}

std::string Result::GetText(int row, int col) const {
  if (IsNull(row, col)) return "";
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Result::GetInt64(int row, int col) const {
  if (IsNull(row, col)) return 0;
  const char* v = PQgetvalue(result_.get(), row, col);
  int64_t out = 0;
  std::from_chars(v, v + PQgetlength(result_.get(), row, col), out);
  return out;
}

double Result::GetDouble(int row, int col) const {
  if (IsNull(row, col)) return 0;
  return std::strtod(PQgetvalue(result_.get(), row, col), nullptr);
}

bool Result::GetBool(int row, int col) const {
  return !IsNull(row, col) && PQgetvalue(result_.get(), row, col)[0] == 't';
}

std::optional<int64_t> Result::GetOptInt64(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return GetInt64(row, col);
}

std::optional<std::string> Result::GetOptText(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return GetText(row, col);
}

// ---- Connection ------------------------------------------------------------

Connection::Connection(ConnPtr conn, std::string conninfo, ConnectOptions options)
    : conn_(std::move(conn)), conninfo_(std::move(conninfo)), options_(options) {}

Connection::~Connection() = default;

StatusOr<ConnPtr> Connection::Connect(const std::string& conninfo,
                                      const ConnectOptions& options) {
  std::string timeout = std::to_string(options.connect_timeout_s);
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {conninfo.c_str(), timeout.c_str(), nullptr};
  // expand_dbname = 1: `conninfo` may be a whole conninfo string or URL, and
  // its own settings win over the defaults listed before it.
  ConnPtr conn(PQconnectdbParams(keys, values, 1));
  if (conn == nullptr) return IoError("postgres: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return IoError("postgres: cannot connect: " + FirstLine(PQerrorMessage(conn.get())));
  }
  std::string setup = "SET statement_timeout = " + std::to_string(options.statement_timeout_ms) +
                      "; SET client_min_messages = warning; SET TimeZone = 'UTC'";
  ResultPtr r(PQexec(conn.get(), setup.c_str()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return PgStatus(conn.get(), r.get(), "postgres: session setup");
  }
  return conn;
}

StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                       const ConnectOptions& options) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &err);
  if (parsed == nullptr) {
    std::string why = err != nullptr ? FirstLine(err) : "out of memory";
    PQfreemem(err);
    return InvalidArgument("postgres: bad connection string or URL: " + why);
  }
  PQconninfoFree(parsed);
  ASSIGN_OR_RETURN(ConnPtr conn, Connect(conninfo, options));
  return std::unique_ptr<Connection>(new Connection(std::move(conn), conninfo, options));
}

bool Connection::Broken() const { return PQstatus(conn_.get()) != CONNECTION_OK; }

Status Connection::Reconnect() {
  prepared_.clear();
  ASSIGN_OR_RETURN(conn_, Connect(conninfo_, options_));
  return Status::Ok();
}

StatusOr<Result> Connection::Finish(PGresult* raw, std::string_view context) {
  ResultPtr r(raw);
  ExecStatusType st = PQresultStatus(r.get());
  if (r != nullptr && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)) {
    last_sqlstate_.clear();
    return Result(std::move(r));
  }
  last_sqlstate_ = Field(r.get(), PG_DIAG_SQLSTATE);
  return PgStatus(conn_.get(), r.get(), context);
}

StatusOr<std::string> Connection::PreparedName(std::string_view sql, int n_params) {
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it != prepared_.end()) return it->second;
  std::string name = "vtp_" + std::to_string(prepared_.size());
  ASSIGN_OR_RETURN(Result done, Finish(PQprepare(conn_.get(), name.c_str(), key.c_str(),
                                                 n_params, nullptr),
                                       "postgres: prepare"));
  (void)done;
  prepared_.emplace(std::move(key), name);
  return name;
}

StatusOr<Result> Connection::Exec(std::string_view sql, const Params& params) {
  int n = static_cast<int>(params.size());
  ASSIGN_OR_RETURN(std::string name, PreparedName(sql, n));
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i].value() ? params[i].value()->c_str() : nullptr;
  }
  return Finish(PQexecPrepared(conn_.get(), name.c_str(), n, values.data(), nullptr, nullptr, 0),
                "postgres: query");
}

Status Connection::ExecScript(std::string_view sql) {
  std::string text(sql);
  return Finish(PQexec(conn_.get(), text.c_str()), "postgres: statement").status();
}

// ---- Pool ------------------------------------------------------------------

Pool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Return(std::move(conn_));
}

StatusOr<std::unique_ptr<Pool>> Pool::Open(const std::string& conninfo, int size,
                                           const ConnectOptions& options) {
  if (size < 1) return InvalidArgument("postgres: pool size must be >= 1");
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> first, Connection::Open(conninfo, options));
  std::unique_ptr<Pool> pool(new Pool(conninfo, size, options));
  pool->idle_.push_back(std::move(first));
  pool->opened_ = 1;
  return pool;
}

StatusOr<Pool::Lease> Pool::Acquire() {
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock<std::mutex> lock(mu_);
    returned_.wait(lock, [&] { return !idle_.empty() || opened_ < size_; });
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++opened_;
    }
  }
  if (conn == nullptr) {
    StatusOr<std::unique_ptr<Connection>> opened = Connection::Open(conninfo_, options_);
    if (!opened.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      --opened_;
      returned_.notify_one();
      return opened.status();
    }
    conn = std::move(opened).value();
  }
  Lease lease(this, std::move(conn));
  if (lease->Broken()) RETURN_IF_ERROR(lease->Reconnect());
  return lease;
}

void Pool::Return(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(conn));
  returned_.notify_one();
}

// ---- Transactions ----------------------------------------------------------

namespace {

std::string_view BeginSql(TxMode mode) {
  return mode == TxMode::kWrite ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
}

enum class TryEnd { kDone, kRetry };

// One try of WithTransaction: `*out` is the final status when kDone.
TryEnd TryOnce(Connection& conn, TxMode mode, const TxBody& body, Status* out) {
  *out = conn.ExecScript(BeginSql(mode));
  if (!out->ok()) return conn.Broken() ? TryEnd::kRetry : TryEnd::kDone;
  Status s = body(conn);
  if (s.ok()) {
    // COMMIT of a transaction in which a statement failed (the body
    // swallowed the error) answers "ROLLBACK" without an error.
    PGresult* raw = PQexec(conn.raw(), "COMMIT");
    ResultPtr r(raw);
    if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) {
      std::string_view tag = PQcmdStatus(r.get());
      *out = tag == "COMMIT" ? Status::Ok()
                             : Internal("postgres: transaction aborted by an ignored error");
      return TryEnd::kDone;
    }
    std::string state = Field(r.get(), PG_DIAG_SQLSTATE);
    *out = PgStatus(conn.raw(), r.get(), "postgres: commit");
    // A lost session during COMMIT: the outcome is unknown, never retried.
    return Retryable(state) ? TryEnd::kRetry : TryEnd::kDone;
  }
  *out = s;
  std::string state = conn.last_sqlstate();
  if (conn.Broken()) return TryEnd::kRetry;
  (void)conn.ExecScript("ROLLBACK");
  return Retryable(state) ? TryEnd::kRetry : TryEnd::kDone;
}

}  // namespace

Status WithTransaction(Connection& conn, TxMode mode, const TxBody& body) {
  bool reconnected = false;
  Status last = IoError("postgres: transaction not attempted");
  for (int attempt = 0; attempt < kMaxTxAttempts; ++attempt) {
    if (conn.Broken()) {
      // Nothing of this transaction was committed; one fresh session.
      if (reconnected) return last;
      reconnected = true;
      RETURN_IF_ERROR(conn.Reconnect());
    }
    if (TryOnce(conn, mode, body, &last) == TryEnd::kDone) return last;
  }
  return last;
}

}  // namespace vtp::adapters::pg
