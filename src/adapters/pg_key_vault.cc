// PostgresStore's ports::KeyVault over the `content_keys` table (migration 6).
#include <optional>
#include <string>
#include <utility>

#include "adapters/key_material.h"
#include "adapters/pg_db.h"
#include "adapters/pg_rows.h"
#include "adapters/postgres_store.h"

namespace vtp::adapters {
namespace {

using pg::Connection;
using pg::Result;
using ports::Millis;
using ports::WrappedKey;

constexpr std::string_view kKeySelect =
    "SELECT video_id, label, kid, wrapped, created_at FROM content_keys ";

// A row that does not decode was not written by this adapter: the table was
// edited by hand or damaged.
StatusOr<WrappedKey> ReadKey(const Result& r, int row) {
  WrappedKey k;
  k.video_id = r.GetText(row, 0);
  k.label = r.GetText(row, 1);
  std::optional<cenc::Kid> kid = ParseHex16(r.GetText(row, 2));
  std::optional<std::string> wrapped = HexDecode(r.GetText(row, 3));
  if (!kid || !wrapped) {
    return Status(ErrorCode::kCorruptInput, "content_keys row of video " + k.video_id +
                                                " label '" + k.label + "' is not hex");
  }
  k.kid = *kid;
  k.wrapped = *std::move(wrapped);
  k.created_at = r.GetInt64(row, 4);
  return k;
}

StatusOr<std::optional<WrappedKey>> SelectByLabel(Connection& conn, std::string_view video_id,
                                                  std::string_view label) {
  ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kKeySelect) +
                                           "WHERE video_id = $1 AND label = $2",
                                       {video_id, label}));
  return pg::First(r, ReadKey);
}

Status KidTaken(const WrappedKey& key) {
  return Status(ErrorCode::kAlreadyExists,
                "kid " + KidHex(key.kid) + " already names another key of video " + key.video_id);
}

}  // namespace

StatusOr<WrappedKey> PostgresStore::PutKeyIfAbsent(const WrappedKey& key) {
  RETURN_IF_ERROR(ValidateWrappedKey(key));
  std::optional<WrappedKey> stored;
  // No read-then-insert window: the insert itself decides. ON CONFLICT on the
  // (video_id, label) key waits for a racing insert of the label and then
  // does nothing; the SELECT after it (a new READ COMMITTED snapshot) reads
  // the winner, which is never removed.
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Result r,
                     conn.Exec("INSERT INTO content_keys (video_id, label, kid, wrapped, "
                               "created_at) VALUES ($1, $2, $3, $4, $5) "
                               "ON CONFLICT (video_id, label) DO NOTHING",
                               {key.video_id, key.label, KidHex(key.kid), HexEncode(key.wrapped),
                                now}));
    if (r.Affected() == 1) {
      stored = key;
      stored->created_at = now;
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(stored, SelectByLabel(conn, key.video_id, key.label));
    if (!stored) return Internal("content key of video " + key.video_id + " vanished");
    return Status::Ok();
  });
  if (done.code() == ErrorCode::kAlreadyExists) {
    // The (video_id, kid) constraint: normally the kid names another label,
    // but a racer storing this very label with the same kid lands here too,
    // and then its row is the answer.
    std::optional<WrappedKey> winner;
    RETURN_IF_ERROR(Read([&](Connection& conn, Millis) -> Status {
      ASSIGN_OR_RETURN(winner, SelectByLabel(conn, key.video_id, key.label));
      return Status::Ok();
    }));
    if (winner) return *std::move(winner);
    return KidTaken(key);
  }
  if (!done.ok()) return done;
  return *std::move(stored);
}

StatusOr<WrappedKey> PostgresStore::GetKeyByLabel(std::string_view video_id,
                                                  std::string_view label) {
  std::optional<WrappedKey> found;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(found, SelectByLabel(conn, video_id, label));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!found) {
    return NotFound("no key '" + std::string(label) + "' for video " + std::string(video_id));
  }
  return *std::move(found);
}

StatusOr<WrappedKey> PostgresStore::GetKeyByKid(std::string_view video_id, const cenc::Kid& kid) {
  std::optional<WrappedKey> found;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kKeySelect) +
                                             "WHERE video_id = $1 AND kid = $2",
                                         {video_id, KidHex(kid)}));
    ASSIGN_OR_RETURN(found, pg::First(r, ReadKey));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!found) {
    return NotFound("no key with kid " + KidHex(kid) + " for video " + std::string(video_id));
  }
  return *std::move(found);
}

}  // namespace vtp::adapters
