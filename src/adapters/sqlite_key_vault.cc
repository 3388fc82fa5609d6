// SqliteStore's ports::KeyVault over the `content_keys` table (migration 6).
#include <string>

#include "adapters/key_material.h"
#include "adapters/sqlite_db.h"
#include "adapters/sqlite_store.h"

namespace vtp::adapters {
namespace {

using ports::Millis;
using ports::WrappedKey;
using sqlite::Connection;
using sqlite::Statement;

constexpr std::string_view kKeySelect =
    "SELECT video_id, label, kid, wrapped, created_at FROM content_keys ";

// A row that does not decode was not written by this adapter: the file was
// edited by hand or damaged.
StatusOr<WrappedKey> ReadKey(const Statement& s) {
  WrappedKey k;
  k.video_id = s.ColumnText(0);
  k.label = s.ColumnText(1);
  std::optional<cenc::Kid> kid = ParseHex16(s.ColumnText(2));
  std::optional<std::string> wrapped = HexDecode(s.ColumnText(3));
  if (!kid || !wrapped) {
    return Status(ErrorCode::kCorruptInput, "content_keys row of video " + k.video_id +
                                                " label '" + k.label + "' is not hex");
  }
  k.kid = *kid;
  k.wrapped = *std::move(wrapped);
  k.created_at = s.ColumnInt(4);
  return k;
}

// The row of (video_id, label), nullopt if none; within the caller's transaction.
StatusOr<std::optional<WrappedKey>> SelectByLabel(Connection& conn, std::string_view video_id,
                                                  std::string_view label) {
  static const std::string sql = std::string(kKeySelect) + "WHERE video_id = ?1 AND label = ?2";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(video_id).Text(label);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<WrappedKey>();
  ASSIGN_OR_RETURN(WrappedKey k, ReadKey(s));
  return std::optional<WrappedKey>(std::move(k));
}

}  // namespace

StatusOr<WrappedKey> SqliteStore::PutKeyIfAbsent(const WrappedKey& key) {
  RETURN_IF_ERROR(ValidateWrappedKey(key));
  WrappedKey stored;
  // Read then insert under BEGIN IMMEDIATE: the write lock is held before the
  // read, so a racing process waits and then reads this row.
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<WrappedKey> winner, SelectByLabel(conn, key.video_id, key.label));
    if (winner) {
      stored = std::move(*winner);
      return Status::Ok();
    }
    stored = key;
    stored.created_at = now;
    ASSIGN_OR_RETURN(Statement s,
                     conn.Prepare("INSERT INTO content_keys (video_id, label, kid, wrapped, "
                                  "created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    s.Text(key.video_id).Text(key.label).Text(KidHex(key.kid)).Text(HexEncode(key.wrapped));
    Status inserted = s.Int(now).Run();
    if (inserted.code() == ErrorCode::kAlreadyExists) {
      // The primary key was free (read above), so the (video_id, kid) one is not.
      return Status(ErrorCode::kAlreadyExists, "kid " + KidHex(key.kid) +
                                                   " already names another key of video " +
                                                   key.video_id);
    }
    return inserted;
  });
  if (!done.ok()) return done;
  return stored;
}

StatusOr<WrappedKey> SqliteStore::GetKeyByLabel(std::string_view video_id,
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

StatusOr<WrappedKey> SqliteStore::GetKeyByKid(std::string_view video_id, const cenc::Kid& kid) {
  std::optional<WrappedKey> found;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    static const std::string sql = std::string(kKeySelect) + "WHERE video_id = ?1 AND kid = ?2";
    ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
    s.Text(video_id).Text(KidHex(kid));
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::Ok();
    ASSIGN_OR_RETURN(found, ReadKey(s));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!found) {
    return NotFound("no key with kid " + KidHex(kid) + " for video " + std::string(video_id));
  }
  return *std::move(found);
}

}  // namespace vtp::adapters
