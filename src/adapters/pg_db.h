// Thin RAII layer over libpq for the PostgreSQL adapter: owned handles
// (deleter functors + aliases), text parameters ($1, $2, ...), a result
// accessor, a small connection pool and the transaction runner with its retry
// rules. libpq errors and SQLSTATEs become vtp::Status here and only here
// (PgStatus). Included only by src/adapters/pg_*.cc and postgres_store*.cc.
//
// Error mapping (the one place):
//   connection lost / cannot connect / IO / statement timeout (57014)
//   / admin shutdown (57P01..57P03) / 08xxx / 53xxx (resources) -> kIo
//   23505 unique_violation                                      -> kAlreadyExists
//   23503 foreign_key_violation                                 -> kNotFound
//   23514 check / 23502 not null / 22xxx data exceptions        -> kInvalidArgument
//   40001 serialization failure / 40P01 deadlock                -> kIo (after
//         WithTransaction's retries ran out)
//   anything else                                               -> kInternal
// Messages are "<context>: SQLSTATE <code>: <primary message>"; parameter
// values are never quoted (the server's DETAIL line, which may hold them, is
// dropped).
//
// Thread safety: a Connection and every Result from it belong to one thread
// at a time. Pool is thread-safe.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace vtp::adapters::pg {

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

// SQLSTATEs the adapter branches on.
inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kSerializationFailure = "40001";
inline constexpr std::string_view kDeadlockDetected = "40P01";

// The one conversion from a finished command (nullptr result: the
// connection's error). `context` names the operation, never the values.
Status PgStatus(PGconn* conn, const PGresult* result, std::string_view context);

// One text-format parameter: a value or SQL NULL. Integers are sent as
// decimal text; the SQL casts them where the type is not inferred
// ($1::bigint, $2::text[]).
class Param {
 public:
  Param(std::string_view v) : value_(std::string(v)) {}  // NOLINT: implicit by design
  Param(const std::string& v) : value_(v) {}             // NOLINT
  Param(const char* v) : value_(std::string(v)) {}       // NOLINT
  Param(int64_t v) : value_(std::to_string(v)) {}        // NOLINT
  Param(int v) : value_(std::to_string(v)) {}            // NOLINT
  Param(double v);                                       // NOLINT
  Param(std::nullopt_t) {}                               // NOLINT: SQL NULL
  Param(std::optional<int64_t> v) {                      // NOLINT
    if (v) value_ = std::to_string(*v);
  }
  // A text[] literal ({"a","b"}) for `= ANY($n::text[])`.
  static Param TextArray(const std::vector<std::string>& items);

  const std::optional<std::string>& value() const { return value_; }

 private:
  std::optional<std::string> value_;
};
using Params = std::vector<Param>;

// A finished command's rows (text format). Row and column indexes are
// 0-based; out-of-range reads return empty/0/NULL.
class Result {
 public:
  explicit Result(ResultPtr result) : result_(std::move(result)) {}

  int Rows() const;
  int Columns() const;
  // Rows changed by INSERT/UPDATE/DELETE (PQcmdTuples); 0 for others.
  int64_t Affected() const;

  bool IsNull(int row, int col) const;
  std::string GetText(int row, int col) const;
  // 0 for NULL or a value that is not an integer (the schema rules that out).
  int64_t GetInt64(int row, int col) const;
  double GetDouble(int row, int col) const;
  // The command tag ("COMMIT", "ROLLBACK", "UPDATE 1", ...).
  std::string Tag() const;
  // PostgreSQL booleans print as "t"/"f".
  bool GetBool(int row, int col) const;
  std::optional<int64_t> GetOptInt64(int row, int col) const;

 private:
  ResultPtr result_;
};

struct ConnectOptions {
  // Sent as the session's statement_timeout; 0 = none.
  int statement_timeout_ms = 30'000;
  // libpq connect_timeout (seconds, minimum 2 in libpq).
  int connect_timeout_s = 5;
};

class Connection {
 public:
  // Connects with `conninfo` ("host=... dbname=..." or a postgresql:// URL).
  // kInvalidArgument for a malformed conninfo/URL (libpq's parse error), kIo
  // when the server cannot be reached or refuses the login. Sessions run in
  // UTC with client_min_messages = warning.
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                    const ConnectOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with text parameters. Statements are prepared once
  // per session (cached by their SQL text) and then executed by name. Any
  // statements queued by Begin/Defer go out first, in the same round trip
  // (libpq pipeline mode); when one of them fails, its error is returned and
  // `sql` is not run.
  StatusOr<Result> Exec(std::string_view sql, const Params& params = {});
  // Runs a script of one or more statements without parameters (DDL) over
  // the simple query protocol, after sending what is queued (one extra
  // round trip then).
  Status ExecScript(std::string_view sql);

  // Queues a statement whose result the caller does not need (a write whose
  // outcome is only "it worked"): it is sent with the next Exec or Commit,
  // in one round trip, and its failure is reported by that call. Only for
  // use inside a transaction, where a failure rolls everything back anyway.
  void Defer(std::string_view sql, Params params = {});
  // Queues `begin_sql` (BEGIN ...) so that it travels with the first
  // statement of the transaction.
  void Begin(std::string_view begin_sql);
  // Sends what is queued plus COMMIT in one round trip. Returns COMMIT's
  // command tag ("ROLLBACK" when the transaction had failed earlier).
  StatusOr<std::string> Commit();
  // Drops what is queued and ends the transaction, if one is open on the
  // server, with ROLLBACK.
  void Rollback();

  // True when libpq knows the session is gone (a failed call noticed it), or
  // a pipeline could not be finished (the session is then unusable).
  bool Broken() const;
  // Drops the session and connects again with the same conninfo: kIo if
  // the server is still unreachable. Forgets every prepared statement.
  Status Reconnect();
  // The SQLSTATE of the last failed Exec/ExecScript ("" when the last call
  // succeeded or failed without one, e.g. a lost connection).
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  PGconn* raw() const { return conn_.get(); }

 private:
  Connection(ConnPtr conn, std::string conninfo, ConnectOptions options);
  static StatusOr<ConnPtr> Connect(const std::string& conninfo, const ConnectOptions& options);
  // A statement queued by Begin/Defer or the tail of a pipeline. `prepared`:
  // executed as a named prepared statement (prepared in the same pipeline
  // the first time); else sent unnamed (transaction control).
  struct Queued {
    std::string sql;
    Params params;
    bool prepared = true;
  };
  // One result a pipeline waits for: a Parse (of `sql`, forgotten again if it
  // fails) or a statement's execution.
  struct Step {
    bool parse = false;
    std::string sql;
  };
  StatusOr<std::string> PreparedName(std::string_view sql, int n_params);
  StatusOr<Result> Finish(PGresult* raw, std::string_view context);
  // Sends deferred_ and then the tail statement as one pipeline and reads
  // every result. Returns the tail's result, or the first failure.
  StatusOr<Result> RunPipeline(std::string_view sql, const Params& params, bool prepared);
  // Sends the queued statements (when there are any) as one pipeline.
  Status Flush();
  // Puts one statement on the wire (its Parse first when new) and appends
  // the results to expect to `steps`; false when libpq refused it.
  bool Send(std::string_view sql, const Params& params, bool prepared, std::vector<Step>& steps);
  StatusOr<Result> ReadPipeline(const std::vector<Step>& steps);

  ConnPtr conn_;
  std::string conninfo_;
  ConnectOptions options_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> name
  int next_name_ = 0;
  std::vector<Queued> deferred_;
  bool pipeline_stuck_ = false;
  std::string last_sqlstate_;
};

// A fixed-size set of sessions shared by threads. Acquire() blocks while all
// are lent out. A lent session found broken is reconnected before use (one
// try; kIo when the server is still down).
class Pool {
 public:
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    ~Lease();
    Lease(Lease&& other) noexcept = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Opens one session now (so a bad conninfo fails here) and the rest
  // lazily, up to `size` (>= 1).
  static StatusOr<std::unique_ptr<Pool>> Open(const std::string& conninfo, int size,
                                              const ConnectOptions& options);
  StatusOr<Lease> Acquire();

 private:
  Pool(std::string conninfo, int size, ConnectOptions options)
      : conninfo_(std::move(conninfo)), size_(size), options_(options) {}
  void Return(std::unique_ptr<Connection> conn);

  const std::string conninfo_;
  const int size_;
  const ConnectOptions options_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int opened_ = 0;                                 // guarded by mu_
};

enum class TxMode {
  // READ COMMITTED, read-write: every read-modify-write. The body locks the
  // rows it changes (SELECT ... FOR UPDATE [SKIP LOCKED]) before deciding.
  kWrite,
  // REPEATABLE READ, READ ONLY: one snapshot for multi-query reads.
  kRead,
};

// Runs `body` inside BEGIN ... COMMIT on `conn`. BEGIN travels with the
// body's first statement and COMMIT with the writes the body deferred
// (Connection::Defer), so a lock-decide-write body costs two round trips.
// Rolls back when the body fails or COMMIT fails. Runs the whole body again (at most kMaxTxAttempts in
// all) when the server reports a serialization failure or deadlock, and
// once more on a fresh session when the session broke before COMMIT was
// sent (a restarted server: nothing was committed). A session that breaks
// during COMMIT (or while sending the deferred writes with it) is not
// retried (the outcome is unknown): kIo.
// `body` must therefore be re-runnable: keep its effects in the database or
// reset them at its start.
inline constexpr int kMaxTxAttempts = 8;
using TxBody = std::function<Status(Connection& conn)>;
Status WithTransaction(Connection& conn, TxMode mode, const TxBody& body);

}  // namespace vtp::adapters::pg
