// `vtp keys create|list|revoke`: API keys for `vtp serve`, kept (hashed) in
// the data directory's store. The token is printed once, at creation.
#include <cstdio>
#include <string>

#include "app/commands.h"
#include "app/runtime.h"
#include "control/keys.h"

namespace vtp::app {
namespace {

constexpr const char* kKeysUsage =
    "usage: vtp keys create --creator ID [--role creator|admin] [--name TEXT] [--json]\n"
    "       vtp keys list [--json]\n"
    "       vtp keys revoke KEY_ID\n"
    "Every form takes --data DIR. The token is shown once; only its hash is stored.\n";

int Fail(const Status& s) {
  std::fprintf(stderr, "vtp keys: %s\n", s.ToString().c_str());
  return ErrorCodeExitStatus(s.code());
}

int Create(Runtime& rt, int argc, char** argv) {
  std::string role = "creator", creator, name;
  bool json = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--creator" && i + 1 < argc) {
      creator = argv[++i];
    } else if (a == "--role" && i + 1 < argc) {
      role = argv[++i];
    } else if (a == "--name" && i + 1 < argc) {
      name = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "vtp keys create: bad argument %s\n\n%s", a.c_str(), kKeysUsage);
      return 2;
    }
  }
  StatusOr<control::CreatedKey> key = control::CreateKey(*rt.store, role, creator, name);
  if (!key.ok()) return Fail(key.status());
  if (json) {
    nlohmann::json j = control::KeyJson(key->record);
    j["token"] = key->token;
    std::puts(j.dump(2).c_str());
  } else {
    std::printf("%s\n", key->token.c_str());
    std::fprintf(stderr, "key %s (%s for %s) created; the token above is shown only once\n",
                 key->record.key_id.c_str(), role.c_str(), creator.c_str());
  }
  return 0;
}

int List(Runtime& rt, bool json) {
  auto keys = rt.store->ListApiKeys();
  if (!keys.ok()) return Fail(keys.status());
  if (json) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& k : *keys) items.push_back(control::KeyJson(k));
    std::puts(items.dump(2).c_str());
    return 0;
  }
  for (const auto& k : *keys) {
    std::printf("%s  %-7s  %-20s  %s%s\n", k.key_id.c_str(), k.role.c_str(), k.creator_id.c_str(), k.name.c_str(),
                k.revoked_at ? "  (revoked)" : "");
  }
  return 0;
}

}  // namespace

int KeysCommand(int argc, char** argv) {
  std::string data = TakeDataFlag(argc, argv);
  if (argc < 1 || std::string(argv[0]) == "--help") {
    std::fputs(kKeysUsage, argc < 1 ? stderr : stdout);
    return argc < 1 ? 2 : 0;
  }
  auto rt = Runtime::Open(data);
  if (!rt.ok()) return Fail(rt.status());
  std::string verb = argv[0];
  if (verb == "create") return Create(**rt, argc - 1, argv + 1);
  if (verb == "list") return List(**rt, argc > 1 && std::string(argv[1]) == "--json");
  if (verb == "revoke" && argc == 2) {
    Status s = (*rt)->store->RevokeApiKey(argv[1]);
    if (!s.ok()) return Fail(s);
    std::printf("revoked %s\n", argv[1]);
    return 0;
  }
  std::fprintf(stderr, "vtp keys: bad arguments\n\n%s", kKeysUsage);
  return 2;
}

}  // namespace vtp::app
