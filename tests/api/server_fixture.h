// Starts an HttpServer on an ephemeral loopback port for a test.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "api/http_server.h"

namespace vtp::api::testing {

// Starts `router` on 127.0.0.1:0; the test fails when it cannot.
inline std::unique_ptr<HttpServer> StartServer(Router router, ServerOptions options,
                                               uint16_t* port) {
  auto server = std::make_unique<HttpServer>(std::move(router));
  auto bound = server->Start(options);
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
  *port = bound.ok() ? *bound : 0;
  return server;
}

}  // namespace vtp::api::testing
