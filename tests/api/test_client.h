// A blocking HTTP/1.1 client over loopback for api_tests, on Beast. Each
// TestClient is one TCP connection, so keep-alive can be observed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace vtp::api::testing {

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

class TestClient {
 public:
  explicit TestClient(uint16_t port);

  // Sends one request and reads its response on this connection.
  HttpResponse Send(std::string_view method, std::string_view target,
                    const HeaderList& headers = {}, std::string body = {});
  // Writes bytes as they are (malformed requests, partial bodies).
  void WriteRaw(std::string_view bytes);
  // Reads one response; `head` when it answers a HEAD request.
  HttpResponse ReadResponse(bool head = false);
  // True when the server has closed this connection (reads EOF or reset).
  bool ServerClosed();

  // Raw reads for event streams: everything up to and including `delim`.
  std::string ReadUntil(std::string_view delim);
  void Close();

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::string raw_;  // ReadUntil's leftover
};

}  // namespace vtp::api::testing
