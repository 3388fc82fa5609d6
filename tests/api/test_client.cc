#include "test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace vtp::api::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

TestClient::TestClient(uint16_t port) : socket_(ioc_) {
  socket_.connect({net::ip::make_address("127.0.0.1"), port});
}

HttpResponse TestClient::Send(std::string_view method, std::string_view target,
                              const HeaderList& headers, std::string body) {
  http::request<http::string_body> req;
  req.method_string({method.data(), method.size()});
  req.target({target.data(), target.size()});
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body() = std::move(body);
    req.prepare_payload();
  }
  http::write(socket_, req);
  return ReadResponse(method == "HEAD");
}

void TestClient::WriteRaw(std::string_view bytes) {
  net::write(socket_, net::buffer(bytes.data(), bytes.size()));
}

HttpResponse TestClient::ReadResponse(bool head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(head);
  http::read(socket_, buffer_, parser);
  return parser.release();
}

bool TestClient::ServerClosed() {
  char byte;
  beast::error_code ec;
  socket_.read_some(net::buffer(&byte, 1), ec);
  return ec == net::error::eof || ec == net::error::connection_reset;
}

std::string TestClient::ReadUntil(std::string_view delim) {
  const size_t n = net::read_until(socket_, net::dynamic_buffer(raw_), delim);
  std::string out = raw_.substr(0, n);
  raw_.erase(0, n);
  return out;
}

void TestClient::Close() {
  beast::error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace vtp::api::testing
