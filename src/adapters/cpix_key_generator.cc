#include "adapters/cpix_key_generator.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/key_material.h"

namespace vtp::adapters {
namespace {

using ports::ContentKey;

constexpr size_t kMaxDepth = 64;

std::string_view LocalName(std::string_view qname) {
  size_t colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// What a reply that is not CPIX looks like, for the message: its size and
// how it starts in broad terms, never its bytes (a misconfigured endpoint
// may answer with keys in another format, and messages are stored).
std::string Snippet(std::string_view body) {
  std::string_view t = Trim(body);
  const char* looks = t.empty()              ? "empty"
                      : t.front() == '{'     ? "JSON-like"
                      : t.front() == '<'     ? "markup"
                                             : "text or binary";
  return std::string(looks) + ", " + std::to_string(body.size()) + " bytes";
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// Userinfo and query may hold credentials: messages show scheme://host/path.
std::string DisplayUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t host_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t path_start = url.find_first_of("/?#", host_start);
  std::string_view authority = url.substr(host_start, path_start - host_start);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view path = path_start == std::string_view::npos ? "" : url.substr(path_start);
  path = path.substr(0, path.find_first_of("?#"));
  return std::string(url.substr(0, host_start)) + std::string(authority) + std::string(path);
}

// One start or end tag.
struct Tag {
  std::string_view qname;
  std::vector<std::pair<std::string_view, std::string_view>> attributes;  // qname, raw value
  bool closing = false;       // </name>
  bool self_closing = false;  // <name/>
};

// Walks a CPIX response and collects the PlainValue text of each
// ContentKey of the ContentKeyList. Not a general XML parser: it checks
// what it walks (tags nest and match, one root, attribute syntax) and
// refuses what a key server has no reason to send (DTDs, CDATA).
class CpixReader {
 public:
  CpixReader(std::string_view xml, const std::vector<cenc::Kid>& kids) : xml_(xml), kids_(kids) {}

  // kid -> PlainValue text (trimmed).
  StatusOr<std::map<cenc::Kid, std::string>> Run();

 private:
  Status Markup();
  StatusOr<Tag> ReadTag();
  Status Attribute(Tag& tag);
  Status Open(const Tag& tag);
  Status Close(std::string_view qname);
  Status OpenContentKey(const Tag& tag);
  bool PathIs(std::initializer_list<std::string_view> locals) const;

  std::string_view xml_;
  const std::vector<cenc::Kid>& kids_;
  size_t pos_ = 0;
  std::vector<std::string_view> path_;  // qualified names of the open elements
  bool root_seen_ = false;
  std::optional<cenc::Kid> key_kid_;  // of the ContentKey being read
  std::optional<std::string> value_;  // PlainValue text being read
  std::map<cenc::Kid, std::string> values_;
  std::map<cenc::Kid, bool> seen_;
};

bool CpixReader::PathIs(std::initializer_list<std::string_view> locals) const {
  return path_.size() == locals.size() &&
         std::equal(path_.begin(), path_.end(), locals.begin(),
                    [](std::string_view q, std::string_view l) { return LocalName(q) == l; });
}

StatusOr<std::map<cenc::Kid, std::string>> CpixReader::Run() {
  if (xml_.substr(0, 3) == "\xef\xbb\xbf") pos_ = 3;  // UTF-8 byte order mark
  while (pos_ < xml_.size()) {
    if (xml_[pos_] == '<') {
      RETURN_IF_ERROR(Markup());
      continue;
    }
    size_t end = std::min(xml_.find('<', pos_), xml_.size());
    std::string_view text = xml_.substr(pos_, end - pos_);
    pos_ = end;
    if (path_.empty() && !Trim(text).empty()) {
      return InvalidArgument("reply is not XML: " + Snippet(xml_));
    }
    if (value_) value_->append(text);
  }
  if (!root_seen_) return InvalidArgument("reply has no root element: " + Snippet(xml_));
  if (!path_.empty()) {
    return InvalidArgument("document ends inside <" + std::string(path_.back()) + ">");
  }
  return std::move(values_);
}

Status CpixReader::Markup() {
  std::string_view rest = xml_.substr(pos_);
  auto skip_to = [&](std::string_view end, std::string_view what) -> Status {
    size_t at = xml_.find(end, pos_);
    if (at == std::string_view::npos) return InvalidArgument("unterminated " + std::string(what));
    pos_ = at + end.size();
    return Status::Ok();
  };
  if (rest.starts_with("<?")) return skip_to("?>", "processing instruction");
  if (rest.starts_with("<!--")) return skip_to("-->", "comment");
  if (rest.starts_with("<!")) {
    return InvalidArgument("reply holds a DTD or CDATA section, which CPIX does not use: " +
                           Snippet(xml_));
  }
  ASSIGN_OR_RETURN(Tag tag, ReadTag());
  if (tag.closing) return Close(tag.qname);
  RETURN_IF_ERROR(Open(tag));
  return tag.self_closing ? Close(tag.qname) : Status::Ok();
}

StatusOr<Tag> CpixReader::ReadTag() {
  Tag tag;
  ++pos_;  // '<'
  if (pos_ < xml_.size() && xml_[pos_] == '/') {
    tag.closing = true;
    ++pos_;
  }
  size_t start = pos_;
  while (pos_ < xml_.size() && !IsSpace(xml_[pos_]) && xml_[pos_] != '>' && xml_[pos_] != '/' &&
         xml_[pos_] != '<' && xml_[pos_] != '=') {
    ++pos_;
  }
  tag.qname = xml_.substr(start, pos_ - start);
  if (tag.qname.empty()) return InvalidArgument("malformed tag at byte " + std::to_string(start));
  while (true) {
    while (pos_ < xml_.size() && IsSpace(xml_[pos_])) ++pos_;
    if (pos_ >= xml_.size()) return InvalidArgument("unterminated tag <" + std::string(tag.qname));
    if (xml_[pos_] == '>') break;
    if (!tag.closing && xml_.substr(pos_, 2) == "/>") {
      tag.self_closing = true;
      ++pos_;
      break;
    }
    if (tag.closing || tag.attributes.size() >= 32) {
      return InvalidArgument("malformed tag <" + std::string(tag.qname) + ">");
    }
    RETURN_IF_ERROR(Attribute(tag));
  }
  ++pos_;  // '>'
  return tag;
}

Status CpixReader::Attribute(Tag& tag) {
  size_t start = pos_;
  while (pos_ < xml_.size() && !IsSpace(xml_[pos_]) && xml_[pos_] != '=' && xml_[pos_] != '>' &&
         xml_[pos_] != '/' && xml_[pos_] != '<') {
    ++pos_;
  }
  std::string_view name = xml_.substr(start, pos_ - start);
  while (pos_ < xml_.size() && IsSpace(xml_[pos_])) ++pos_;
  if (name.empty() || pos_ >= xml_.size() || xml_[pos_] != '=') {
    return InvalidArgument("malformed attribute in <" + std::string(tag.qname) + ">");
  }
  ++pos_;
  while (pos_ < xml_.size() && IsSpace(xml_[pos_])) ++pos_;
  char quote = pos_ < xml_.size() ? xml_[pos_] : '\0';
  size_t close = quote == '"' || quote == '\'' ? xml_.find(quote, pos_ + 1) : std::string_view::npos;
  if (close == std::string_view::npos) {
    return InvalidArgument("malformed attribute '" + std::string(name) + "' in <" +
                           std::string(tag.qname) + ">");
  }
  std::string_view value = xml_.substr(pos_ + 1, close - pos_ - 1);
  if (value.find('<') != std::string_view::npos) {
    return InvalidArgument("'<' in attribute '" + std::string(name) + "'");
  }
  tag.attributes.emplace_back(name, value);
  pos_ = close + 1;
  return Status::Ok();
}

Status CpixReader::Open(const Tag& tag) {
  if (path_.empty()) {
    if (root_seen_) return InvalidArgument("second root element <" + std::string(tag.qname) + ">");
    if (LocalName(tag.qname) != "CPIX") {
      return InvalidArgument("root element is <" + std::string(tag.qname).substr(0, 40) +
                             ">, not CPIX: " + Snippet(xml_));
    }
    root_seen_ = true;
  }
  if (value_) return InvalidArgument("element <" + std::string(tag.qname) + "> inside PlainValue");
  if (path_.size() >= kMaxDepth) return InvalidArgument("elements nest too deep");
  path_.push_back(tag.qname);
  if (PathIs({"CPIX", "ContentKeyList", "ContentKey"})) return OpenContentKey(tag);
  if (!key_kid_) return Status::Ok();
  std::string kid = KidUuid(*key_kid_);
  if (PathIs({"CPIX", "ContentKeyList", "ContentKey", "Data", "Secret", "EncryptedValue"})) {
    return InvalidArgument("key of kid " + kid +
                           " is encrypted (EncryptedValue); vtp accepts PlainValue only");
  }
  if (PathIs({"CPIX", "ContentKeyList", "ContentKey", "Data", "Secret", "PlainValue"})) {
    if (values_.contains(*key_kid_)) return InvalidArgument("kid " + kid + " has two PlainValues");
    value_.emplace();
  }
  return Status::Ok();
}

Status CpixReader::OpenContentKey(const Tag& tag) {
  auto attr = std::find_if(tag.attributes.begin(), tag.attributes.end(),
                           [](const auto& a) { return a.first == "kid"; });
  std::optional<cenc::Kid> kid;
  if (attr != tag.attributes.end()) kid = ParseUuid(attr->second);
  if (!kid) return InvalidArgument("a ContentKey has no valid kid attribute");
  if (std::find(kids_.begin(), kids_.end(), *kid) == kids_.end()) {
    return InvalidArgument("reply holds a key for kid " + KidUuid(*kid) + ", which was not asked for");
  }
  if (seen_[*kid]) return InvalidArgument("kid " + KidUuid(*kid) + " appears twice");
  seen_[*kid] = true;
  key_kid_ = kid;
  return Status::Ok();
}

Status CpixReader::Close(std::string_view qname) {
  if (path_.empty() || path_.back() != qname) {
    return InvalidArgument("</" + std::string(qname).substr(0, 40) + "> does not close the open element");
  }
  if (value_) {
    values_[*key_kid_] = std::string(Trim(*value_));
    value_.reset();
  }
  if (PathIs({"CPIX", "ContentKeyList", "ContentKey"})) key_kid_.reset();
  path_.pop_back();
  return Status::Ok();
}

Status BadReply(const CpixOptions& options, const Status& why) {
  return IoError("key server " + DisplayUrl(options.url) +
                 " returned an invalid CPIX document: " + why.message());
}

}  // namespace

std::string_view CpixTrackType(std::string_view label) {
  if (label == "audio") return "AUDIO";
  if (label == "sd") return "SD";
  if (label == "hd") return "HD";
  if (label == "uhd") return "UHD";
  if (label == "video" || label == "all") return "ALL";
  return "";
}

std::string BuildCpixRequest(const std::string& content_id, cenc::Scheme scheme,
                             const std::vector<ContentKey>& keys) {
  // cenc::SchemeName lives in vtp_domain, which the adapters do not link.
  const char* scheme_name = scheme == cenc::Scheme::kCbcs ? "cbcs" : "cenc";
  std::string doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cpix:CPIX contentId=\"" +
                    XmlEscape(content_id) +
                    "\" version=\"2.3\" xmlns:cpix=\"urn:dashif:org:cpix\" "
                    "xmlns:pskc=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n"
                    "  <cpix:ContentKeyList>\n";
  for (const ContentKey& k : keys) {
    doc += "    <cpix:ContentKey kid=\"" + KidUuid(k.kid) + "\" commonEncryptionScheme=\"" +
           scheme_name + "\"/>\n";
  }
  doc += "  </cpix:ContentKeyList>\n  <cpix:ContentKeyUsageRuleList>\n";
  for (const ContentKey& k : keys) {
    doc += "    <cpix:ContentKeyUsageRule kid=\"" + KidUuid(k.kid) + "\" intendedTrackType=\"" +
           std::string(CpixTrackType(k.label)) + "\"/>\n";
  }
  doc += "  </cpix:ContentKeyUsageRuleList>\n</cpix:CPIX>\n";
  return doc;
}

StatusOr<std::vector<cenc::Key>> ParseCpixResponse(std::string_view xml,
                                                   const std::vector<cenc::Kid>& kids) {
  CpixReader reader(xml, kids);
  ASSIGN_OR_RETURN(auto values, reader.Run());
  std::vector<cenc::Key> keys;
  for (const cenc::Kid& kid : kids) {
    auto it = values.find(kid);
    if (it == values.end()) return InvalidArgument("no key for kid " + KidUuid(kid));
    std::optional<std::string> raw = Base64Decode(it->second);
    if (!raw) return InvalidArgument("key of kid " + KidUuid(kid) + " is not valid base64");
    if (raw->size() != sizeof(cenc::Key)) {
      return InvalidArgument("key of kid " + KidUuid(kid) + " is " + std::to_string(raw->size()) +
                             " bytes, not 16");
    }
    cenc::Key key{};
    std::copy(raw->begin(), raw->end(), key.begin());
    keys.push_back(key);
  }
  return keys;
}

CpixKeyGenerator::CpixKeyGenerator(ports::HttpClient& http, CpixOptions options)
    : http_(http), options_(std::move(options)) {}

StatusOr<std::string> CpixKeyGenerator::Exchange(const std::string& document) {
  ports::HttpRequest req;
  req.method = "POST";
  req.url = options_.url;
  req.headers = {{"Content-Type", "application/xml"},
                 {"Accept", "application/xml"},
                 {"X-Speke-Version", "2.0"}};
  if (!options_.bearer_token.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + options_.bearer_token);
  }
  req.headers.insert(req.headers.end(), options_.headers.begin(), options_.headers.end());
  req.body = document;
  req.timeout_ms = options_.timeout_ms;
  req.max_reply_bytes = options_.max_reply_bytes + 1;  // one more: tells "too big" from "exactly full"
  const std::string server = "key server " + DisplayUrl(options_.url);
  StatusOr<ports::HttpReply> reply = http_.Send(req);
  if (reply.status().code() == ErrorCode::kInvalidArgument) {
    // Configuration, not weather. The client's message may quote the raw URL.
    std::string why = reply.status().message();
    if (size_t at = why.find(options_.url); at != std::string::npos && !options_.url.empty()) {
      why.replace(at, options_.url.size(), DisplayUrl(options_.url));
    }
    return InvalidArgument(server + ": " + why);
  }
  if (!reply.ok()) return IoError(server + " unreachable: " + reply.status().message());
  if (reply->status >= 500) {
    return IoError(server + " unreachable: HTTP " + std::to_string(reply->status));
  }
  if (reply->status < 200 || reply->status >= 300) {
    bool auth = reply->status == 401 || reply->status == 403;
    return IoError(server + " refused the request: HTTP " + std::to_string(reply->status) +
                   (auth ? " (check VTP_KEY_SERVER_TOKEN)" : ""));
  }
  if (reply->body.size() > options_.max_reply_bytes) {
    return BadReply(options_, InvalidArgument("reply is larger than " +
                                              std::to_string(options_.max_reply_bytes) + " bytes"));
  }
  return std::move(reply->body);
}

StatusOr<std::vector<ContentKey>> CpixKeyGenerator::Generate(const std::string& video_id,
                                                             const std::vector<std::string>& labels) {
  std::vector<ContentKey> keys;
  std::vector<cenc::Kid> kids;
  for (const std::string& label : labels) {
    if (CpixTrackType(label).empty()) {
      return InvalidArgument("key label '" + label +
                             "' has no CPIX track type (use audio, video, sd, hd, uhd or all)");
    }
    ContentKey k;
    k.label = label;
    ASSIGN_OR_RETURN(k.kid, RandomKid());
    kids.push_back(k.kid);
    keys.push_back(std::move(k));
  }
  ASSIGN_OR_RETURN(std::string body, Exchange(BuildCpixRequest(video_id, options_.scheme, keys)));
  StatusOr<std::vector<cenc::Key>> values = ParseCpixResponse(body, kids);
  if (!values.ok()) return BadReply(options_, values.status());
  for (size_t i = 0; i < keys.size(); ++i) keys[i].key = (*values)[i];
  return keys;
}

}  // namespace vtp::adapters
