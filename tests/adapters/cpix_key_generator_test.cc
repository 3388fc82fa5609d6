// CpixKeyGenerator against a real key server on loopback (vtp's own
// HttpServer answering CPIX documents), and its response parser alone.
#include "adapters/cpix_key_generator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "adapters/curl_http_client.h"
#include "adapters/envelope_key_source.h"
#include "adapters/key_material.h"
#include "adapters/memory_store.h"
#include "api/http_server.h"
#include "api/router.h"
#include "engine/retry_policy.h"

namespace vtp::adapters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ports::ContentKey;

// The key the test server hands out for `kid`: derived from it, so the test
// can check each key reached the right label.
cenc::Key ServerKey(const cenc::Kid& kid) {
  cenc::Key key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(kid[i] ^ 0x5a);
  return key;
}

std::string KeyBase64(const cenc::Key& key, size_t bytes = 16) {
  return Base64Encode(std::string(reinterpret_cast<const char*>(key.data()), bytes));
}

// The kids of the ContentKeyList of a request document, in order.
std::vector<std::string> RequestedKids(const std::string& body) {
  static const std::regex kContentKey(R"re(<cpix:ContentKey kid="([0-9a-f-]{36})")re");
  std::vector<std::string> kids;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), kContentKey); it != std::sregex_iterator(); ++it) {
    kids.push_back((*it)[1]);
  }
  return kids;
}

// A CPIX response holding `values` (kid UUID -> PlainValue text), written
// with other namespace prefixes than vtp's request.
std::string CpixReply(const std::vector<std::pair<std::string, std::string>>& values) {
  std::string doc =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- answered by the test key server -->\n"
      "<x:CPIX xmlns:x=\"urn:dashif:org:cpix\" xmlns:k=\"urn:ietf:params:xml:ns:keyprov:pskc\" "
      "contentId=\"v1\" version=\"2.3\">\n  <x:ContentKeyList>\n";
  for (const auto& [kid, value] : values) {
    doc += "    <x:ContentKey kid='" + kid + "' commonEncryptionScheme=\"cenc\">\n"
           "      <x:Data>\n        <k:Secret>\n          <k:PlainValue>\n            " + value +
           "\n          </k:PlainValue>\n        </k:Secret>\n      </x:Data>\n    </x:ContentKey>\n";
  }
  doc += "  </x:ContentKeyList>\n  <x:DRMSystemList/>\n</x:CPIX>\n";
  return doc;
}

// The valid answer to `request`: a key for every kid asked.
std::string ValidReply(const api::Request& request) {
  std::vector<std::pair<std::string, std::string>> values;
  for (const std::string& kid : RequestedKids(request.body)) {
    values.emplace_back(kid, KeyBase64(ServerKey(*ParseUuid(kid))));
  }
  return CpixReply(values);
}

class CpixKeyGeneratorTest : public ::testing::Test {
 protected:
  using Responder = std::function<api::Response(const api::Request&)>;

  void SetUp() override {
    api::Router router;
    ASSERT_TRUE(router.Add("POST", "/speke/v2.0/copyProtection", [this](const api::Request& r) {
                  std::lock_guard<std::mutex> lock(mu_);
                  requests_.push_back(r);
                  return responder_(r);
                }).ok());
    // Answers only once the test releases it, after the client gave up.
    std::shared_future<void> released = release_.get_future().share();
    ASSERT_TRUE(router.Add("POST", "/hang", [released](const api::Request&) {
                  released.wait();
                  return api::Response::Text(200, "too late");
                }).ok());
    server_ = std::make_unique<api::HttpServer>(std::move(router));
    auto port = server_->Start({});
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    base_ = "http://127.0.0.1:" + std::to_string(*port);
    options_.url = base_ + "/speke/v2.0/copyProtection";
  }

  void TearDown() override {
    release_.set_value();
    server_->Stop();
  }

  void Answer(Responder responder) {
    std::lock_guard<std::mutex> lock(mu_);
    responder_ = std::move(responder);
  }
  void AnswerXml(int status, std::string body) {
    Answer([status, body](const api::Request&) { return api::Response::Text(status, body); });
  }
  std::vector<api::Request> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  StatusOr<std::vector<ContentKey>> Generate(const std::vector<std::string>& labels) {
    CpixKeyGenerator generator(http_, options_);
    return generator.Generate("v1", labels);
  }
  // Generate fails with kIo saying `says`, retryable by the packaging step.
  void ExpectRetryableFailure(const std::vector<std::string>& labels, const std::string& says) {
    auto keys = Generate(labels);
    ASSERT_FALSE(keys.ok());
    EXPECT_EQ(keys.status().code(), ErrorCode::kIo) << keys.status().ToString();
    EXPECT_THAT(keys.status().message(), HasSubstr(says));
    EXPECT_TRUE(engine::IsRetryable(engine::DefaultRetryPolicy("package"), keys.status().code()));
  }

  CurlHttpClient http_;
  CpixOptions options_;
  std::mutex mu_;
  Responder responder_ = [](const api::Request& r) { return api::Response::Text(200, ValidReply(r)); };
  std::vector<api::Request> requests_;
  std::promise<void> release_;
  std::unique_ptr<api::HttpServer> server_;
  std::string base_;
};

TEST_F(CpixKeyGeneratorTest, FetchesOneKeyPerLabelInOneRequest) {
  options_.bearer_token = "s3cret-token";
  options_.headers = {{"X-Vendor", "acme"}};
  options_.scheme = cenc::Scheme::kCbcs;
  auto keys = Generate({"audio", "sd", "hd", "uhd", "video"});
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 5u);

  std::vector<api::Request> requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  const api::Request& r = requests[0];
  EXPECT_EQ(r.headers.Get("Authorization"), "Bearer s3cret-token");
  EXPECT_EQ(r.headers.Get("X-Vendor"), "acme");
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/xml");
  EXPECT_EQ(r.headers.Get("X-Speke-Version"), "2.0");
  EXPECT_THAT(r.body, HasSubstr("<cpix:CPIX contentId=\"v1\" version=\"2.3\" "
                                "xmlns:cpix=\"urn:dashif:org:cpix\" "
                                "xmlns:pskc=\"urn:ietf:params:xml:ns:keyprov:pskc\">"));
  const std::vector<std::string> types = {"AUDIO", "SD", "HD", "UHD", "ALL"};
  EXPECT_EQ(RequestedKids(r.body).size(), types.size());
  for (size_t i = 0; i < keys->size(); ++i) {
    const ContentKey& k = (*keys)[i];
    std::string uuid = KidUuid(k.kid);
    EXPECT_THAT(r.body, HasSubstr("<cpix:ContentKey kid=\"" + uuid + "\" commonEncryptionScheme=\"cbcs\"/>"));
    EXPECT_THAT(r.body, HasSubstr("<cpix:ContentKeyUsageRule kid=\"" + uuid +
                                  "\" intendedTrackType=\"" + types[i] + "\"/>"));
    EXPECT_EQ(k.key, ServerKey(k.kid)) << k.label;
    EXPECT_EQ(k.kid[6] >> 4, 4) << "vtp makes UUID v4 kids";
  }
  EXPECT_EQ((*keys)[2].label, "hd");
  EXPECT_THAT(r.body, Not(HasSubstr("PlainValue"))) << "the request carries no keys";
}

TEST_F(CpixKeyGeneratorTest, EnvelopeSourceAsksTheServerOnceForAllMissingLabels) {
  CpixKeyGenerator generator(http_, options_);
  ports::FakeClock clock;
  InMemoryStore vault(clock);
  auto master = ParseMasterKey(std::string(64, 'a'));
  ASSERT_TRUE(master.ok());
  EnvelopeKeySource source(vault, *master, generator);
  auto first = source.KeysFor("v1", {"audio", "hd"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto again = source.KeysFor("v1", {"hd", "audio"});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)[0], (*first)[1]);
  EXPECT_EQ(Requests().size(), 1u);
  auto looked_up = source.Lookup("v1", (*first)[0].kid);
  ASSERT_TRUE(looked_up.ok());
  EXPECT_EQ(looked_up->key, ServerKey((*first)[0].kid));
}

TEST_F(CpixKeyGeneratorTest, ServerDownIsRetryableIo) {
  api::HttpServer closed{api::Router()};
  auto port = closed.Start({});
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  closed.Stop();
  options_.url = "http://127.0.0.1:" + std::to_string(*port) + "/cpix";
  ExpectRetryableFailure({"hd"}, "key server http://127.0.0.1:" + std::to_string(*port) +
                                     "/cpix unreachable: ");
}

TEST_F(CpixKeyGeneratorTest, ServerThatNeverAnswersTimesOutAsIo) {
  options_.url = base_ + "/hang";
  options_.timeout_ms = 200;
  ExpectRetryableFailure({"hd"}, "key server " + base_ + "/hang unreachable: ");
}

TEST_F(CpixKeyGeneratorTest, ServerErrorsAreIoWithTheStatus) {
  AnswerXml(500, "internal error");
  ExpectRetryableFailure({"hd"}, "unreachable: HTTP 500");
  AnswerXml(403, "forbidden");
  ExpectRetryableFailure({"hd"}, "refused the request: HTTP 403 (check VTP_KEY_SERVER_TOKEN)");
  AnswerXml(404, "no such endpoint");
  ExpectRetryableFailure({"hd"}, "refused the request: HTTP 404");
}

TEST_F(CpixKeyGeneratorTest, GarbageRepliesAreInvalidDocuments) {
  const std::string invalid = "returned an invalid CPIX document: ";
  AnswerXml(200, "hello, world");
  ExpectRetryableFailure({"hd"}, invalid + "reply is not XML: text or binary, 12 bytes");
  // A reply's bytes never reach the message (it might hold keys).
  AnswerXml(200, R"({"keys":[{"kty":"oct","k":"c2VjcmV0LWtleS1ieXRlcw"}]})");
  ExpectRetryableFailure({"hd"}, invalid + "reply is not XML: JSON-like, 53 bytes");
  AnswerXml(200, "");
  ExpectRetryableFailure({"hd"}, invalid + "reply has no root element");
  AnswerXml(200, "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>");
  ExpectRetryableFailure({"hd"}, invalid + "reply holds a DTD or CDATA section");
  AnswerXml(200, "<html><body>Login required</body></html>");
  ExpectRetryableFailure({"hd"}, invalid + "root element is <html>, not CPIX");
  AnswerXml(200, "<cpix:CPIX><cpix:ContentKeyList>");
  ExpectRetryableFailure({"hd"}, invalid + "document ends inside <cpix:ContentKeyList>");
  options_.max_reply_bytes = 100;
  AnswerXml(200, std::string(101, ' '));
  ExpectRetryableFailure({"hd"}, invalid + "reply is larger than 100 bytes");
}

TEST_F(CpixKeyGeneratorTest, AMissingKidIsAnInvalidDocument) {
  Answer([](const api::Request& r) {
    std::vector<std::string> kids = RequestedKids(r.body);
    return api::Response::Text(200, CpixReply({{kids[0], KeyBase64(ServerKey(*ParseUuid(kids[0])))}}));
  });
  auto keys = Generate({"audio", "hd"});
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), ErrorCode::kIo);
  std::string second = RequestedKids(Requests().at(0).body).at(1);
  EXPECT_THAT(keys.status().message(), HasSubstr("returned an invalid CPIX document: no key for kid " + second));
}

TEST_F(CpixKeyGeneratorTest, AKeyOfFifteenBytesIsAnInvalidDocument) {
  Answer([](const api::Request& r) {
    std::string kid = RequestedKids(r.body).at(0);
    return api::Response::Text(200, CpixReply({{kid, KeyBase64(ServerKey(*ParseUuid(kid)), 15)}}));
  });
  auto keys = Generate({"hd"});
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), ErrorCode::kIo);
  EXPECT_THAT(keys.status().message(), HasSubstr("is 15 bytes, not 16"));
  std::string kid = RequestedKids(Requests().at(0).body).at(0);
  EXPECT_THAT(keys.status().message(), Not(HasSubstr(KeyBase64(ServerKey(*ParseUuid(kid)), 15))));
}

TEST_F(CpixKeyGeneratorTest, ALabelWithoutATrackTypeIsRefusedBeforeAnyRequest) {
  auto keys = Generate({"hd", "subtitles"});
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(keys.status().message(), HasSubstr("'subtitles'"));
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CpixKeyGeneratorTest, CredentialsInTheUrlStayOutOfMessages) {
  options_.url = "http://user:pa55word@127.0.0.1:1/cpix?token=t0ken";
  auto keys = Generate({"hd"});
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(keys.status().message(), HasSubstr("key server http://127.0.0.1:1/cpix unreachable"));
  EXPECT_THAT(keys.status().message(), Not(HasSubstr("pa55word")));
  EXPECT_THAT(keys.status().message(), Not(HasSubstr("t0ken")));

  options_.url = "ftp://user:pa55word@127.0.0.1/cpix?token=t0ken";
  keys = Generate({"hd"});
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), ErrorCode::kInvalidArgument) << "a configuration error";
  EXPECT_THAT(keys.status().message(), HasSubstr("ftp://127.0.0.1/cpix"));
  EXPECT_THAT(keys.status().message(), Not(HasSubstr("pa55word")));
  EXPECT_THAT(keys.status().message(), Not(HasSubstr("t0ken")));
}

// --- ParseCpixResponse alone ---------------------------------------------

class CpixResponseTest : public ::testing::Test {
 protected:
  cenc::Kid kid_a_ = *ParseUuid("11111111-2222-4333-8444-555555555555");
  cenc::Kid kid_b_ = *ParseUuid("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  std::string a_ = KidUuid(kid_a_);
  std::string b_ = KidUuid(kid_b_);

  std::string Error(const std::string& xml) {
    auto keys = ParseCpixResponse(xml, {kid_a_, kid_b_});
    EXPECT_FALSE(keys.ok()) << xml;
    return keys.status().message();
  }
};

TEST_F(CpixResponseTest, ReadsKeysByLocalNameInTheOrderAsked) {
  // Default namespace, upper-case kid, keys in the other order, BOM.
  std::string xml = "\xef\xbb\xbf<CPIX xmlns=\"urn:dashif:org:cpix\"><ContentKeyList>"
                    "<ContentKey kid=\"" + b_ + "\"><Data><Secret><PlainValue>" +
                    KeyBase64(ServerKey(kid_b_)) + "</PlainValue></Secret></Data></ContentKey>"
                    "<ContentKey kid=\"11111111-2222-4333-8444-555555555555\"><Data><Secret><PlainValue>" +
                    KeyBase64(ServerKey(kid_a_)) + "</PlainValue></Secret></Data></ContentKey>"
                    "</ContentKeyList></CPIX>";
  auto keys = ParseCpixResponse(xml, {kid_a_, kid_b_});
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(*keys, (std::vector<cenc::Key>{ServerKey(kid_a_), ServerKey(kid_b_)}));
}

TEST_F(CpixResponseTest, RefusesWhatAKeyServerHasNoReasonToSend) {
  const std::string a_key = KeyBase64(ServerKey(kid_a_));
  const std::string b_ok = "<ContentKey kid=\"" + b_ + "\"><Data><Secret><PlainValue>" +
                           KeyBase64(ServerKey(kid_b_)) + "</PlainValue></Secret></Data></ContentKey>";
  auto doc = [&](const std::string& a_entry) {
    return "<c:CPIX><c:ContentKeyList>" + a_entry + b_ok + "</c:ContentKeyList></c:CPIX>";
  };
  auto plain = [&](const std::string& value) {
    return doc("<c:ContentKey kid=\"" + a_ + "\"><c:Data><p:Secret><p:PlainValue>" + value +
               "</p:PlainValue></p:Secret></c:Data></c:ContentKey>");
  };
  EXPECT_THAT(Error(plain("not*base64")), HasSubstr("key of kid " + a_ + " is not valid base64"));
  EXPECT_THAT(Error(plain(Base64Encode(std::string(19, 'k')))), HasSubstr("is 19 bytes, not 16"));
  EXPECT_THAT(Error(plain("")), HasSubstr("is 0 bytes, not 16"));
  EXPECT_THAT(Error(doc("<c:ContentKey kid=\"" + a_ + "\"><c:Data><p:Secret><p:EncryptedValue>x"
                        "</p:EncryptedValue></p:Secret></c:Data></c:ContentKey>")),
              HasSubstr("encrypted (EncryptedValue)"));
  EXPECT_THAT(Error(doc("<c:ContentKey kid=\"" + a_ + "\"/>")), HasSubstr("no key for kid " + a_));
  EXPECT_THAT(Error(doc("<c:ContentKey kid=\"nope\"/>")), HasSubstr("no valid kid"));
  EXPECT_THAT(Error(doc("<c:ContentKey kid=\"" + KidUuid(cenc::Kid{}) + "\"/>")),
              HasSubstr("not asked for"));
  EXPECT_THAT(Error(doc(b_ok)), HasSubstr("appears twice"));
  EXPECT_THAT(Error(plain("<![CDATA[" + a_key + "]]>")), HasSubstr("DTD or CDATA"));
  EXPECT_THAT(Error(plain("<b>" + a_key + "</b>")), HasSubstr("inside PlainValue"));
  EXPECT_THAT(Error(doc("<c:ContentKey kid=\"" + a_ + "\"></c:Data>")), HasSubstr("does not close"));
  EXPECT_THAT(Error(doc("") + "<c:CPIX/>"), HasSubstr("second root element"));
  EXPECT_THAT(Error(doc("<c:ContentKey kid=" + a_ + "/>")), HasSubstr("malformed attribute"));
  EXPECT_THAT(Error("<c:CPIX" + std::string(200, '<')), HasSubstr("malformed"));
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "<d>";
  EXPECT_THAT(Error("<c:CPIX>" + deep), HasSubstr("nest too deep"));
  // No message quotes a key.
  EXPECT_THAT(Error(plain(a_key + "AAAA")), HasSubstr("not valid base64"));
  EXPECT_THAT(Error(plain(a_key + "AAAA")), Not(HasSubstr(a_key.substr(0, 12))));
}

}  // namespace
}  // namespace vtp::adapters
