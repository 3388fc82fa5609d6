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

std::string Result::Tag() const {
  const char* tag = PQcmdStatus(result_.get());
  return tag != nullptr ? tag : "";
}

bool Result::GetBool(int row, int col) const {
  return !IsNull(row, col) && PQgetvalue(result_.get(), row, col)[0] == 't';
}

std::optional<int64_t> Result::GetOptInt64(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return GetInt64(row, col);
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

bool Connection::Broken() const {
  return pipeline_stuck_ || PQstatus(conn_.get()) != CONNECTION_OK;
}

Status Connection::Reconnect() {
  prepared_.clear();
  deferred_.clear();
  ASSIGN_OR_RETURN(conn_, Connect(conninfo_, options_));
  pipeline_stuck_ = false;
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
  std::string name = "vtp_" + std::to_string(next_name_++);
  ASSIGN_OR_RETURN(Result done, Finish(PQprepare(conn_.get(), name.c_str(), key.c_str(),
                                                 n_params, nullptr),
                                       "postgres: prepare"));
  (void)done;
  prepared_.emplace(std::move(key), name);
  return name;
}

namespace {

std::vector<const char*> Values(const Params& params) {
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i].value() ? params[i].value()->c_str() : nullptr;
  }
  return values;
}

}  // namespace

StatusOr<Result> Connection::Exec(std::string_view sql, const Params& params) {
  if (!deferred_.empty()) return RunPipeline(sql, params, true);
  int n = static_cast<int>(params.size());
  ASSIGN_OR_RETURN(std::string name, PreparedName(sql, n));
  std::vector<const char*> values = Values(params);
  return Finish(PQexecPrepared(conn_.get(), name.c_str(), n, values.data(), nullptr, nullptr, 0),
                "postgres: query");
}

Status Connection::ExecScript(std::string_view sql) {
  RETURN_IF_ERROR(Flush());
  std::string text(sql);
  return Finish(PQexec(conn_.get(), text.c_str()), "postgres: statement").status();
}

void Connection::Defer(std::string_view sql, Params params) {
  deferred_.push_back(Queued{std::string(sql), std::move(params), true});
}

void Connection::Begin(std::string_view begin_sql) {
  deferred_.clear();
  deferred_.push_back(Queued{std::string(begin_sql), {}, false});
}

StatusOr<std::string> Connection::Commit() {
  ASSIGN_OR_RETURN(Result done, RunPipeline("COMMIT", {}, false));
  return done.Tag();
}

void Connection::Rollback() {
  deferred_.clear();
  if (Broken() || PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return;
  (void)ExecScript("ROLLBACK");
}

Status Connection::Flush() {
  if (deferred_.empty()) return Status::Ok();
  Queued last = std::move(deferred_.back());
  deferred_.pop_back();
  return RunPipeline(last.sql, last.params, last.prepared).status();
}

bool Connection::Send(std::string_view sql, const Params& params, bool prepared,
                      std::vector<Step>& steps) {
  int n = static_cast<int>(params.size());
  std::vector<const char*> values = Values(params);
  std::string key(sql);
  if (!prepared) {
    // Transaction control goes unnamed: nothing to gain from keeping it.
    steps.push_back(Step{false, ""});
    return PQsendQueryParams(conn_.get(), key.c_str(), n, nullptr, values.data(), nullptr,
                             nullptr, 0) == 1;
  }
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "vtp_" + std::to_string(next_name_++);
    if (PQsendPrepare(conn_.get(), name.c_str(), key.c_str(), n, nullptr) != 1) return false;
    steps.push_back(Step{true, key});
    it = prepared_.emplace(key, std::move(name)).first;
  }
  steps.push_back(Step{false, ""});
  return PQsendQueryPrepared(conn_.get(), it->second.c_str(), n, values.data(), nullptr, nullptr,
                             0) == 1;
}

StatusOr<Result> Connection::RunPipeline(std::string_view sql, const Params& params,
                                         bool prepared) {
  std::vector<Queued> queued = std::move(deferred_);
  deferred_.clear();
  if (PQenterPipelineMode(conn_.get()) != 1) {
    last_sqlstate_.clear();
    return IoError("postgres: query: " + FirstLine(PQerrorMessage(conn_.get())));
  }
  std::vector<Step> steps;
  bool sent = true;
  for (const Queued& q : queued) {
    sent = sent && Send(q.sql, q.params, q.prepared, steps);
  }
  sent = sent && Send(sql, params, prepared, steps) && PQpipelineSync(conn_.get()) == 1;
  if (!sent) {
    // libpq refused to queue (lost session, out of memory): what reached
    // the server is unknown, so the session is not used again.
    pipeline_stuck_ = true;
    last_sqlstate_.clear();
    return IoError("postgres: query: " + FirstLine(PQerrorMessage(conn_.get())));
  }
  return ReadPipeline(steps);
}

StatusOr<Result> Connection::ReadPipeline(const std::vector<Step>& steps) {
  Status first = Status::Ok();
  std::optional<Result> tail;
  std::string state;
  for (const Step& step : steps) {
    // Each message's results end with a null.
    while (PGresult* raw = PQgetResult(conn_.get())) {
      ResultPtr r(raw);
      ExecStatusType st = PQresultStatus(r.get());
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (!step.parse) tail.emplace(std::move(r));
        continue;
      }
      if (step.parse) prepared_.erase(step.sql);
      // After the first failure the server skips the rest up to the sync.
      if (st == PGRES_PIPELINE_ABORTED || !first.ok()) continue;
      state = Field(r.get(), PG_DIAG_SQLSTATE);
      first = PgStatus(conn_.get(), r.get(), "postgres: query");
    }
    if (PQstatus(conn_.get()) != CONNECTION_OK) break;
  }
  if (PQstatus(conn_.get()) == CONNECTION_OK) {
    ResultPtr sync(PQgetResult(conn_.get()));
    if (PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) pipeline_stuck_ = true;
  }
  if (PQexitPipelineMode(conn_.get()) != 1) pipeline_stuck_ = true;
  last_sqlstate_ = state;
  if (!first.ok()) return first;
  if (Broken()) return IoError("postgres: query: " + FirstLine(PQerrorMessage(conn_.get())));
  if (!tail) return Internal("postgres: pipeline ended without a result");
  return *std::move(tail);
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
  conn.Begin(BeginSql(mode));
  Status s = body(conn);
  if (s.ok()) {
    StatusOr<std::string> tag = conn.Commit();
    if (tag.ok()) {
      // COMMIT of a transaction in which a statement failed (the body
      // swallowed the error) answers "ROLLBACK" without an error.
      *out = *tag == "COMMIT" ? Status::Ok()
                              : Internal("postgres: transaction aborted by an ignored error");
      return TryEnd::kDone;
    }
    *out = tag.status();
    // A lost session while the writes and COMMIT were on their way: the
    // outcome is unknown, never retried.
    if (conn.Broken()) return TryEnd::kDone;
    std::string state = conn.last_sqlstate();
    conn.Rollback();
    return Retryable(state) ? TryEnd::kRetry : TryEnd::kDone;
  }
  *out = s;
  std::string state = conn.last_sqlstate();
  if (conn.Broken()) return TryEnd::kRetry;
  conn.Rollback();
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
