// xuncha-gateway: HTTP/JSON front door. Settings: gateway/README.md.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "src/app.h"
#include "xuncha/config.h"
#include "xuncha/log.h"
#include "xuncha/server.h"

int main(int argc, char** argv) {
  xuncha::InitServerProcess();
  xuncha::log::SetService("gateway");
  auto config = xuncha::Config::FromArgs(argc, argv);
  if (!config.ok()) {
    xuncha::log::Error("bad configuration", {{"error", config.status().ToString()}});
    return 2;
  }
  // The access log is a line per request; written in batches, not a write(2) each.
  auto log_flush = config->GetDuration("log_flush_interval", absl::Milliseconds(100));
  if (!log_flush.ok()) {
    xuncha::log::Error("bad configuration", {{"error", log_flush.status().ToString()}});
    return 2;
  }
  if (*log_flush > absl::ZeroDuration()) xuncha::log::BufferLines(*log_flush);
  auto app = xuncha::gateway::GatewayApp::Create(*config);
  if (!app.ok()) {
    xuncha::log::Error("cannot start", {{"error", app.status().ToString()}});
    return 1;
  }
  if (absl::Status status = (*app)->Start(); !status.ok()) {
    xuncha::log::Error("cannot listen", {{"error", status.ToString()}});
    return 1;
  }
  xuncha::log::Info("gateway listening", {{"port", absl::StrCat((*app)->port())}});
  int signal = xuncha::WaitForShutdownSignal();
  xuncha::log::Info("shutting down", {{"signal", absl::StrCat(signal)}});
  (*app)->Stop();
  return 0;
}
