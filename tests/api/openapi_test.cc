// docs/openapi.json (the compiled-in OpenApiDocument()) and the router agree:
// the same (method, path) set in both directions, for the public-media and
// the signed-media variants, and the document's security matches what the
// server enforces.
#include <cctype>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service_fixture.h"

namespace vtp::api::testing {
namespace {

using nlohmann::json;
using RouteSet = std::set<std::pair<std::string, std::string>>;

constexpr const char* kPublicMedia = "/media/{video}/{path}";
constexpr const char* kSignedMedia = "/media/t/{token}/{video}/{path}";

const char* const kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

bool IsMethod(const std::string& key) {
  for (const char* m : kMethods) {
    if (key == m) return true;
  }
  return false;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

json Document() {
  json doc = json::parse(OpenApiDocument(), nullptr, false);
  EXPECT_TRUE(doc.is_object()) << "docs/openapi.json is not valid JSON";
  return doc;
}

RouteSet DocumentRoutes(const json& doc) {
  RouteSet out;
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [key, op] : item.items()) {
      if (IsMethod(key)) out.emplace(Upper(key), path);
    }
  }
  return out;
}

// "{x...}" → "{x}": the router's tail parameter is one OpenAPI parameter.
RouteSet RouterRoutes(const std::vector<std::pair<std::string, std::string>>& routes) {
  RouteSet out;
  static const std::regex tail(R"(\{([A-Za-z0-9_]+)\.\.\.\})");
  for (const auto& [method, pattern] : routes) out.emplace(method, std::regex_replace(pattern, tail, "{$1}"));
  return out;
}

void ExpectSameRoutes(const RouteSet& router, const RouteSet& document) {
  for (const auto& r : router) {
    EXPECT_TRUE(document.count(r)) << r.first << " " << r.second << " is served but not documented";
  }
  for (const auto& r : document) {
    EXPECT_TRUE(router.count(r)) << r.first << " " << r.second << " is documented but not served";
  }
}

TEST(OpenApiDocumentTest, IsValidOpenApi303) {
  json doc = Document();
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc.value("openapi", ""), "3.0.3");
  EXPECT_TRUE(doc.contains("info") && doc["info"].contains("title") && doc["info"].contains("version"));
  ASSERT_TRUE(doc.contains("paths") && doc["paths"].is_object());
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearerAuth"));
}

// Every operation has responses, declares exactly its path's parameters,
// and every $ref resolves.
TEST(OpenApiDocumentTest, OperationsAreComplete) {
  json doc = Document();
  ASSERT_TRUE(doc.is_object());
  auto resolve = [&](const json& j) -> json {
    if (!j.contains("$ref")) return j;
    const std::string ref = j["$ref"];
    EXPECT_EQ(ref.rfind("#/", 0), 0u) << ref;
    json::json_pointer ptr(ref.substr(1));
    EXPECT_TRUE(doc.contains(ptr)) << "dangling " << ref;
    return doc.contains(ptr) ? doc[ptr] : json::object();
  };
  static const std::regex param(R"(\{([A-Za-z0-9_]+)\})");
  for (const auto& [path, item] : doc.at("paths").items()) {
    std::set<std::string> in_path;
    for (std::sregex_iterator it(path.begin(), path.end(), param), end; it != end; ++it) in_path.insert((*it)[1]);
    for (const auto& [key, op] : item.items()) {
      if (!IsMethod(key)) continue;
      SCOPED_TRACE(key + " " + path);
      EXPECT_TRUE(op.contains("responses") && !op["responses"].empty());
      std::set<std::string> declared;
      json params = item.value("parameters", json::array());
      for (const auto& p : op.value("parameters", json::array())) params.push_back(p);
      for (const auto& p : params) {
        json r = resolve(p);
        if (r.value("in", "") == "path") declared.insert(r.value("name", ""));
      }
      EXPECT_EQ(declared, in_path);
      for (const auto& [code, response] : op["responses"].items()) resolve(response);
    }
  }
  // Every $ref anywhere resolves.
  std::function<void(const json&)> walk = [&](const json& j) {
    if (j.is_object()) {
      if (j.contains("$ref") && j["$ref"].is_string()) resolve(j);
      for (const auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  walk(doc);
}

class OpenApiRoutesTest : public ServiceFixture {
 protected:
  // Requests every documented operation without a key: secured ones must
  // answer 401, the others must not.
  void ExpectSecurityAgrees(const std::string& skip_path) {
    json doc = Document();
    ASSERT_TRUE(doc.is_object());
    const json global = doc.value("security", json::array());
    static const std::regex param(R"(\{[A-Za-z0-9_]+\})");
    for (const auto& [path, item] : doc.at("paths").items()) {
      if (path == skip_path) continue;
      for (const auto& [key, op] : item.items()) {
        if (!IsMethod(key)) continue;
        SCOPED_TRACE(key + " " + path);
        const bool secured = !op.value("security", global).empty();
        const std::string target = std::regex_replace(path, param, "x1");
        HttpResponse res = Call(Upper(key), target);
        EXPECT_EQ(res.result_int() == 401u, secured) << res.result_int() << " " << res.body();
        if (secured) {
          EXPECT_TRUE(op["responses"].contains("401"));
          EXPECT_TRUE(op["responses"].contains("429"));
        }
      }
    }
  }
};

TEST_F(OpenApiRoutesTest, PublicMediaVariantMatchesTheDocument) {
  RouteSet router = RouterRoutes(routes_);
  EXPECT_TRUE(router.count({"GET", kPublicMedia}));
  EXPECT_FALSE(router.count({"GET", kSignedMedia}));
  EXPECT_EQ(routes_.size(), router.size()) << "no route is registered twice";
  // The document lists both media routes; this variant serves one.
  router.emplace("GET", kSignedMedia);
  ExpectSameRoutes(router, DocumentRoutes(Document()));
}

TEST_F(OpenApiRoutesTest, RouterKeepsPatternsAsRegistered) {
  std::set<std::pair<std::string, std::string>> raw(routes_.begin(), routes_.end());
  EXPECT_TRUE(raw.count({"GET", "/media/{video}/{path...}"}));
  EXPECT_TRUE(raw.count({"PATCH", "/api/v1/uploads/{id}"})) << "streaming routes are listed too";
  EXPECT_TRUE(raw.count({"HEAD", "/api/v1/uploads/{id}"}));
  EXPECT_FALSE(raw.count({"HEAD", "/api/v1/videos/{id}"})) << "implied HEAD is not a registered route";
}

TEST_F(OpenApiRoutesTest, DocumentedSecurityIsEnforced) { ExpectSecurityAgrees(""); }

class OpenApiSignedRoutesTest : public OpenApiRoutesTest {
 protected:
  ServiceOptions Options() const override {
    ServiceOptions o;
    o.playback_secret = "openapi-test-playback-secret";
    return o;
  }
};

TEST_F(OpenApiSignedRoutesTest, SignedMediaVariantMatchesTheDocument) {
  RouteSet router = RouterRoutes(routes_);
  EXPECT_TRUE(router.count({"GET", kSignedMedia}));
  EXPECT_FALSE(router.count({"GET", kPublicMedia}));
  router.emplace("GET", kPublicMedia);
  ExpectSameRoutes(router, DocumentRoutes(Document()));
}

TEST_F(OpenApiSignedRoutesTest, DocumentedSecurityIsEnforced) { ExpectSecurityAgrees(kPublicMedia); }

}  // namespace
}  // namespace vtp::api::testing
