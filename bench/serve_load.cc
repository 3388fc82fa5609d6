// serve_load: a load generator for `vtp serve` (bench/serve_bench.sh,
// docs/benchmarks.md "Service: vtp serve under load").
//
// Two loads at once, on two Asio threads (so 1,000+ connections need no
// thread each):
//  - S Server-Sent-Events subscribers on GET /api/v1/videos/{id}/events,
//    spread round-robin over the given videos. Each counts the events and
//    heartbeats it receives. A stream that ends after a terminal status
//    (ready, failed, removed) is normal: the subscriber moves on to a watched
//    video not yet seen finished (--no-resubscribe: it stops). A stream that
//    ends any other way, a refused connection or a non-200 answer is an error
//    (the subscriber reconnects with Last-Event-ID after 200 ms). For each
//    pushed event (not the snapshot a stream opens with): how many
//    subscribers got it, and the time from the first of them to the last.
//  - GET /api/v1/videos/{id}/status at a fixed open-loop rate R for D
//    seconds over a pool of C keep-alive connections. Request k is due at
//    start + k/R whatever happened before it; when every connection is busy
//    it waits in a queue. Latency = response complete - due time, so a
//    stalled server is charged for the requests it delayed (no coordinated
//    omission). "service" latency (response - actual send) is shown beside
//    it. Errors: non-200 answers, broken connections, and requests not
//    answered within --drain seconds after the last one was due.
//
// With --pid, every --rss-interval seconds from before the subscribers
// connect until the end: VmRSS, threads and CPU time of that process (the
// server), the CPU time of its process tree (workers, tasks), this client's,
// and the machine's idle time; the CPU is summed up in cores over the status
// load. Prints one JSON document on stdout; progress on stderr.
// Exit status 0 unless the arguments or the setup are wrong (targets are
// reported, not enforced).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>  // before Boost 1.74's asio/awaitable.hpp, which needs std::exchange
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kUsage =
    "usage: serve_load --port P --key TOKEN --videos ID[,ID...] [options]\n"
    "  --host H               server address (default 127.0.0.1)\n"
    "  --subscribers N        SSE subscribers (default 1000; 0 = none)\n"
    "  --rate R               status requests per second, open loop (default 500; 0 = none)\n"
    "  --duration S           seconds of status load (default 30)\n"
    "  --connections C        keep-alive connections for status requests (default 64)\n"
    "  --status-videos ID,..  videos polled for status (default: --videos)\n"
    "  --pid PID              server process to sample VmRSS of\n"
    "  --rss-interval S       sampling period (default 1)\n"
    "  --connect-timeout S    wait for all subscribers before the status load (default 30)\n"
    "  --drain S              wait for late answers after the last request was due (default 10)\n"
    "  --hold S               keep the subscribers this long after the status load (default 0)\n"
    "  --mark-file PATH       created when the status load starts (for scripts)\n"
    "  --no-resubscribe       a subscriber whose video finished stops instead of moving on\n";

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

double Round3(double x) { return std::round(x * 1000.0) / 1000.0; }

json Summary(const std::vector<double>& v) {
  if (v.empty()) return json{{"count", 0}};
  double sum = 0;
  for (double x : v) sum += x;
  return json{{"count", v.size()},
              {"mean", Round3(sum / static_cast<double>(v.size()))},
              {"p50", Round3(Percentile(v, 50))},
              {"p90", Round3(Percentile(v, 90))},
              {"p99", Round3(Percentile(v, 99))},
              {"p999", Round3(Percentile(v, 99.9))},
              {"max", Round3(*std::max_element(v.begin(), v.end()))}};
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool IsTerminal(const std::string& status) { return status == "ready" || status == "failed" || status == "removed"; }

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string key;
  std::vector<std::string> videos;
  std::vector<std::string> status_videos;
  int subscribers = 1000;
  double rate = 500;
  double duration_s = 30;
  int connections = 64;
  int pid = 0;
  double rss_interval_s = 1;
  double connect_timeout_s = 30;
  double drain_s = 10;
  double hold_s = 0;
  std::string mark_file;
  bool resubscribe = true;
};

// ---------------------------------------------------------------- /proc sampling

struct ProcSample {
  double t = 0;            // seconds since the sampler started
  long rss_kb = -1;        // VmRSS of the server process
  int threads = 0;         // its threads
  double cpu_s = 0;        // its utime + stime
  double tree_cpu_s = 0;   // the server and every descendant (workers, tasks), reaped ones included
  double client_cpu_s = 0; // this load generator
  double machine_idle_s = 0;  // idle + iowait time of all cores (/proc/stat), cumulative
  double machine_busy = -1;   // share of all cores busy since the previous sample
};

long ReadStatusField(const std::string& text, const std::string& field) {
  size_t p = text.find(field + ":");
  if (p == std::string::npos) return -1;
  return std::strtol(text.c_str() + p + field.size() + 1, nullptr, 10);
}

const double kTicks = static_cast<double>(sysconf(_SC_CLK_TCK));

// ppid and utime + stime + cutime + cstime (seconds) from /proc/PID/stat.
bool ReadStat(int pid, int& ppid, double& own_s, double& with_children_s) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return false;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;
  std::string x;
  while (rest >> x && f.size() < 16) f.push_back(x);
  // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
  if (f.size() < 15) return false;
  ppid = std::atoi(f[1].c_str());
  own_s = (std::stod(f[11]) + std::stod(f[12])) / kTicks;
  with_children_s = own_s + (std::stod(f[13]) + std::stod(f[14])) / kTicks;
  return true;
}

// CPU seconds of `root` and its live descendants, each counting the children
// it has reaped (so a finished task's time is kept by its worker).
double TreeCpu(int root) {
  std::map<int, std::pair<int, double>> procs;  // pid -> (ppid, cpu with reaped children)
  for (const auto& e : std::filesystem::directory_iterator("/proc", std::filesystem::directory_options::skip_permission_denied)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    int ppid = 0;
    double own = 0, all = 0;
    if (ReadStat(std::atoi(name.c_str()), ppid, own, all)) procs[std::atoi(name.c_str())] = {ppid, all};
  }
  std::map<int, std::vector<int>> kids;
  for (const auto& [pid, v] : procs) kids[v.first].push_back(pid);
  double total = 0;
  std::vector<int> todo{root};
  while (!todo.empty()) {
    int pid = todo.back();
    todo.pop_back();
    if (auto it = procs.find(pid); it != procs.end()) total += it->second.second;
    for (int k : kids[pid]) todo.push_back(k);
  }
  return total;
}

bool ReadProc(int pid, ProcSample& s) {
  std::ifstream st("/proc/" + std::to_string(pid) + "/status");
  if (!st) return false;
  std::stringstream buf;
  buf << st.rdbuf();
  s.rss_kb = ReadStatusField(buf.str(), "VmRSS");
  s.threads = static_cast<int>(ReadStatusField(buf.str(), "Threads"));
  int ppid = 0;
  double all = 0;
  if (!ReadStat(pid, ppid, s.cpu_s, all)) return false;
  s.tree_cpu_s = TreeCpu(pid);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  s.client_cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                   static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return true;
}

// Idle + iowait seconds of all cores. The busy fields of /proc/stat are
// sampled at the timer tick and miss short bursts on a tickless idle kernel
// (this VM shows ~0 busy while the server runs 0.16 cores of sub-millisecond
// requests); idle time is measured at idle entry and exit, so busy time is
// taken as cores x elapsed - idle.
double MachineIdleSeconds() {
  std::ifstream st("/proc/stat");
  std::string cpu;
  st >> cpu;
  std::vector<double> v;
  double x = 0;
  for (int i = 0; i < 8 && st >> x; ++i) v.push_back(x);
  if (v.size() < 5) return 0;
  return (v[3] + v[4]) / kTicks;
}

class Sampler {
 public:
  Sampler(int pid, double interval_s) : pid_(pid), interval_s_(interval_s) {}
  void Start() {
    if (pid_ <= 0) return;
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<ProcSample> samples() {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_;
  }

 private:
  void Loop() {
    const auto t0 = Clock::now();
    const double cores = static_cast<double>(std::thread::hardware_concurrency());
    double prev_idle = MachineIdleSeconds();
    double prev_t = 0;
    auto next = t0;
    while (true) {
      ProcSample s;
      s.t = Ms(Clock::now() - t0) / 1000.0;
      if (!ReadProc(pid_, s)) break;
      s.machine_idle_s = MachineIdleSeconds();
      if (s.t > prev_t) {
        s.machine_busy = std::clamp(1.0 - (s.machine_idle_s - prev_idle) / (cores * (s.t - prev_t)), 0.0, 1.0);
      }
      prev_idle = s.machine_idle_s;
      prev_t = s.t;
      {
        std::lock_guard<std::mutex> lock(mu_);
        samples_.push_back(s);
      }
      if (stop_) break;
      next += std::chrono::microseconds(static_cast<int64_t>(interval_s_ * 1e6));
      while (!stop_ && Clock::now() < next) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  const int pid_;
  const double interval_s_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<ProcSample> samples_;
};

// ---------------------------------------------------------------- SSE subscribers

struct SseShared {
  const Options* opt = nullptr;
  tcp::endpoint endpoint;
  bool stopping = false;                 // sse thread only
  std::set<std::string> finished;        // videos seen terminal; sse thread only
  std::atomic<int> open{0};              // streams with a 200 header received
  std::atomic<int> ever_opened{0};       // subscribers that got a 200 at least once
  std::atomic<long> events{0};
  long heartbeats = 0;
  long terminal_events = 0;
  long completed_streams = 0;            // ended after a terminal status
  long resubscribes = 0;
  long stopped_no_video = 0;             // nothing left to watch
  long connect_errors = 0;
  long unexpected_closes = 0;            // stream ended without a terminal status
  long bad_events = 0;                   // unparsable status data
  std::map<int, long> http_status;       // non-200 answers
  std::vector<double> first_open_ms;     // connect start -> 200 header, first subscription
  // Fan-out of pushed events: per (video, event id), when the first and the
  // last subscriber got it.
  struct Spread {
    Clock::time_point first, last;
    int count = 0;
  };
  std::map<std::pair<std::string, std::string>, Spread> spread;
  std::map<std::string, long> events_by_status;
};

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(net::io_context& ioc, SseShared& sh, std::string video)
      : ioc_(ioc), sh_(sh), socket_(ioc), timer_(ioc), video_(std::move(video)) {}

  void Start() {
    if (sh_.stopping) return;
    started_ = Clock::now();
    header_done_ = false;
    got_terminal_ = false;
    buf_.clear();
    socket_ = tcp::socket(ioc_);
    socket_.async_connect(sh_.endpoint, [self = shared_from_this()](beast::error_code ec) { self->OnConnect(ec); });
  }

  void Stop() {
    beast::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  long events() const { return events_; }

 private:
  void OnConnect(beast::error_code ec) {
    if (sh_.stopping) return;
    if (ec) {
      ++sh_.connect_errors;
      return Retry();
    }
    request_ = "GET /api/v1/videos/" + video_ + "/events HTTP/1.1\r\nHost: " + sh_.opt->host +
               "\r\nAuthorization: Bearer " + sh_.opt->key + "\r\nAccept: text/event-stream\r\n";
    if (!last_event_id_.empty()) request_ += "Last-Event-ID: " + last_event_id_ + "\r\n";
    request_ += "\r\n";
    net::async_write(socket_, net::buffer(request_), [self = shared_from_this()](beast::error_code e, size_t) {
      if (e) return self->OnBroken(e);
      self->Read();
    });
  }

  void Read() {
    socket_.async_read_some(net::buffer(chunk_), [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->OnBroken(ec);
      self->buf_.append(self->chunk_.data(), n);
      if (!self->Parse()) return;
      self->Read();
    });
  }

  // False when the stream is over (a non-200 answer).
  bool Parse() {
    if (!header_done_) {
      size_t end = buf_.find("\r\n\r\n");
      if (end == std::string::npos) return true;
      int code = 0;
      if (buf_.rfind("HTTP/1.1 ", 0) == 0 && buf_.size() > 12) code = std::atoi(buf_.c_str() + 9);
      buf_.erase(0, end + 4);
      if (code != 200) {
        ++sh_.http_status[code];
        beast::error_code ignored;
        socket_.close(ignored);
        // 204: the video finished and we had its last event; not an error.
        if (code == 204) {
          sh_.finished.insert(video_);
          MoveOn();
          return false;
        }
        Retry(1000);
        return false;
      }
      header_done_ = true;
      stream_events_ = 0;
      ++sh_.open;
      if (!opened_once_) {
        opened_once_ = true;
        ++sh_.ever_opened;
        sh_.first_open_ms.push_back(Ms(Clock::now() - started_));
      }
    }
    size_t end;
    while ((end = buf_.find("\n\n")) != std::string::npos) {
      OnBlock(buf_.substr(0, end + 1));
      buf_.erase(0, end + 2);
    }
    return true;
  }

  void OnBlock(const std::string& block) {
    std::string id, type, data;
    bool any_field = false;
    size_t pos = 0;
    while (pos < block.size()) {
      size_t nl = block.find('\n', pos);
      std::string line = block.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.empty() || line[0] == ':') continue;
      any_field = true;
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (name == "id") {
        id = value;
      } else if (name == "event") {
        type = value;
      } else if (name == "data") {
        if (!data.empty()) data += "\n";
        data += value;
      }
    }
    if (!any_field) {
      ++sh_.heartbeats;
      return;
    }
    if (!id.empty()) last_event_id_ = id;
    ++sh_.events;
    ++events_;
    // Fan-out spread: pushed events only (the first event of a stream is the
    // snapshot sent when it opened).
    if (stream_events_++ > 0) {
      auto now = Clock::now();
      auto& sp = sh_.spread[{video_, id}];
      if (sp.count++ == 0) sp.first = now;
      sp.last = now;
    }
    json j = json::parse(data, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++sh_.bad_events;
      return;
    }
    std::string status = j.value("status", "");
    ++sh_.events_by_status[status];
    if (IsTerminal(status)) {
      got_terminal_ = true;
      ++sh_.terminal_events;
      sh_.finished.insert(video_);
    }
  }

  void OnBroken(beast::error_code ec) {
    if (header_done_) --sh_.open;
    header_done_ = false;
    beast::error_code ignored;
    socket_.close(ignored);
    if (sh_.stopping || ec == net::error::operation_aborted) return;
    if (got_terminal_) {
      ++sh_.completed_streams;
      return MoveOn();
    }
    ++sh_.unexpected_closes;
    Retry();
  }

  // Watch the next video not seen finished (round-robin from this one).
  void MoveOn() {
    if (!sh_.opt->resubscribe) {
      ++sh_.stopped_no_video;
      return;
    }
    const auto& vids = sh_.opt->videos;
    size_t at = static_cast<size_t>(std::find(vids.begin(), vids.end(), video_) - vids.begin());
    for (size_t i = 1; i <= vids.size(); ++i) {
      const std::string& v = vids[(at + i) % vids.size()];
      if (!sh_.finished.count(v)) {
        video_ = v;
        last_event_id_.clear();
        ++sh_.resubscribes;
        return Start();
      }
    }
    ++sh_.stopped_no_video;
  }

  void Retry(int ms = 200) {
    if (sh_.stopping) return;
    timer_.expires_after(std::chrono::milliseconds(ms));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Start();
    });
  }

  net::io_context& ioc_;
  SseShared& sh_;
  tcp::socket socket_;
  net::steady_timer timer_;
  std::string video_;
  std::string request_;
  std::string last_event_id_;
  std::string buf_;
  std::array<char, 8192> chunk_{};
  Clock::time_point started_;
  bool header_done_ = false;
  bool got_terminal_ = false;
  bool opened_once_ = false;
  long events_ = 0;
  long stream_events_ = 0;  // events on the current connection
};

// ---------------------------------------------------------------- status load

struct StatusShared {
  const Options* opt = nullptr;
  tcp::endpoint endpoint;
  Clock::time_point start;
  Clock::duration interval{};
  long total = 0;        // requests to schedule
  long issued = 0;       // scheduled so far
  long done = 0;         // answered or failed
  long ok = 0;
  long conn_errors = 0;  // request failed on a broken connection
  long connect_errors = 0;
  long reconnects = 0;
  std::map<int, long> non200;
  std::deque<Clock::time_point> pending;  // due, not yet sent
  size_t max_pending = 0;
  std::vector<double> latency_ms;   // due -> complete (answered requests, any status)
  std::vector<double> service_ms;   // sent -> complete
  std::vector<double> queue_ms;     // due -> sent
  std::map<long, std::vector<double>> by_second;  // due second -> latencies
  std::atomic<long> progress{0};
  bool finishing = false;
};

class StatusConn;

class StatusLoad {
 public:
  StatusLoad(net::io_context& ioc, StatusShared& sh) : ioc_(ioc), sh_(sh), timer_(ioc) {}
  void Start();
  void Idle(StatusConn* c);
  void Dispatch();
  void CloseAll();

 private:
  void Tick();
  net::io_context& ioc_;
  StatusShared& sh_;
  net::steady_timer timer_;
  std::vector<std::shared_ptr<StatusConn>> conns_;
  std::vector<StatusConn*> idle_;
  long seq_ = 0;
  friend class StatusConn;
};

class StatusConn : public std::enable_shared_from_this<StatusConn> {
 public:
  StatusConn(net::io_context& ioc, StatusShared& sh, StatusLoad& load)
      : ioc_(ioc), sh_(sh), load_(load), stream_(ioc), retry_(ioc) {}

  void Connect() {
    stream_.expires_after(std::chrono::seconds(10));
    stream_.async_connect(sh_.endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        ++self->sh_.connect_errors;
        if (self->sh_.finishing) return;
        self->retry_.expires_after(std::chrono::milliseconds(100));
        self->retry_.async_wait([self](beast::error_code e) {
          if (!e) self->Connect();
        });
        return;
      }
      self->stream_.socket().set_option(tcp::no_delay(true));
      self->load_.Idle(self.get());
    });
  }

  void Send(Clock::time_point due, const std::string& video) {
    due_ = due;
    sent_ = Clock::now();
    req_ = {};
    req_.method(http::verb::get);
    req_.target("/api/v1/videos/" + video + "/status");
    req_.version(11);
    req_.set(http::field::host, sh_.opt->host);
    req_.set(http::field::authorization, "Bearer " + sh_.opt->key);
    req_.keep_alive(true);
    res_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail();
      http::async_read(self->stream_, self->buffer_, self->res_, [self](beast::error_code e, size_t) {
        if (e) return self->Fail();
        self->Done();
      });
    });
  }

  void Close() {
    beast::error_code ignored;
    retry_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void Done() {
    auto now = Clock::now();
    double lat = Ms(now - due_);
    sh_.latency_ms.push_back(lat);
    sh_.service_ms.push_back(Ms(now - sent_));
    sh_.queue_ms.push_back(Ms(sent_ - due_));
    sh_.by_second[static_cast<long>(Ms(due_ - sh_.start) / 1000.0)].push_back(lat);
    if (res_.result_int() == 200) {
      ++sh_.ok;
    } else {
      ++sh_.non200[static_cast<int>(res_.result_int())];
    }
    ++sh_.done;
    ++sh_.progress;
    if (!res_.keep_alive()) {
      Reopen();
      return;
    }
    load_.Idle(this);
  }

  void Fail() {
    if (sh_.finishing) return;  // closed by CloseAll: counted as unanswered
    ++sh_.conn_errors;
    ++sh_.done;
    ++sh_.progress;
    Reopen();
  }

  void Reopen() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    if (sh_.finishing) return;
    ++sh_.reconnects;
    Connect();
  }

  net::io_context& ioc_;
  StatusShared& sh_;
  StatusLoad& load_;
  beast::tcp_stream stream_;
  net::steady_timer retry_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> req_;
  http::response<http::string_body> res_;
  Clock::time_point due_, sent_;
};

void StatusLoad::Start() {
  for (int i = 0; i < sh_.opt->connections; ++i) {
    conns_.push_back(std::make_shared<StatusConn>(ioc_, sh_, *this));
  }
  for (auto& c : conns_) c->Connect();
  Tick();
}

void StatusLoad::Tick() {
  auto now = Clock::now();
  while (sh_.issued < sh_.total) {
    auto due = sh_.start + sh_.interval * sh_.issued;
    if (due > now) break;
    sh_.pending.push_back(due);
    ++sh_.issued;
  }
  sh_.max_pending = std::max(sh_.max_pending, sh_.pending.size());
  Dispatch();
  if (sh_.issued >= sh_.total) return;
  timer_.expires_at(sh_.start + sh_.interval * sh_.issued);
  timer_.async_wait([this](beast::error_code ec) {
    if (!ec) Tick();
  });
}

void StatusLoad::Idle(StatusConn* c) {
  idle_.push_back(c);
  Dispatch();
}

void StatusLoad::Dispatch() {
  const auto& vids = sh_.opt->status_videos;
  while (!sh_.pending.empty() && !idle_.empty() && !sh_.finishing) {
    StatusConn* c = idle_.back();
    idle_.pop_back();
    auto due = sh_.pending.front();
    sh_.pending.pop_front();
    c->Send(due, vids[static_cast<size_t>(seq_++) % vids.size()]);
  }
}

void StatusLoad::CloseAll() {
  sh_.finishing = true;
  timer_.cancel();
  for (auto& c : conns_) c->Close();
}

// ---------------------------------------------------------------- main

int Usage(const std::string& why) {
  std::fprintf(stderr, "serve_load: %s\n\n%s", why.c_str(), kUsage);
  return 2;
}

void Log(const char* fmt, double a, double b = 0, double c = 0, double d = 0) {
  std::fprintf(stderr, fmt, a, b, c, d);
  std::fflush(stderr);
}

json RssSummary(const std::vector<ProcSample>& s, double load_from, double load_to) {
  if (s.empty()) return nullptr;
  long mx = 0;
  int tmax = 0;
  json series = json::array();
  for (const auto& x : s) {
    mx = std::max(mx, x.rss_kb);
    tmax = std::max(tmax, x.threads);
    series.push_back({{"t", Round3(x.t)}, {"rss_kb", x.rss_kb}, {"threads", x.threads}, {"cpu_s", Round3(x.cpu_s)},
                      {"tree_cpu_s", Round3(x.tree_cpu_s)}, {"machine_busy", Round3(x.machine_busy)}});
  }
  json j = {{"start_kb", s.front().rss_kb},
            {"max_kb", mx},
            {"end_kb", s.back().rss_kb},
            {"start_mib", Round3(static_cast<double>(s.front().rss_kb) / 1024.0)},
            {"max_mib", Round3(static_cast<double>(mx) / 1024.0)},
            {"end_mib", Round3(static_cast<double>(s.back().rss_kb) / 1024.0)},
            {"threads_max", tmax}};
  // CPU during the status load, in cores (1.0 = one core busy all the time):
  // the server process, its workers and tasks, this client, and the rest of
  // the machine (other users' work).
  const ProcSample* a = nullptr;
  const ProcSample* b = nullptr;
  for (const auto& x : s) {
    if (!a && x.t >= load_from) a = &x;
    if (x.t <= load_to) b = &x;
  }
  if (a && b && b->t > a->t) {
    const double dt = b->t - a->t;
    const double server = (b->cpu_s - a->cpu_s) / dt;
    const double tree = (b->tree_cpu_s - a->tree_cpu_s) / dt;
    const double client = (b->client_cpu_s - a->client_cpu_s) / dt;
    const double cores = static_cast<double>(std::thread::hardware_concurrency());
    const double machine = cores - (b->machine_idle_s - a->machine_idle_s) / dt;
    j["cores_busy_during_load"] = {{"window_s", Round3(dt)},
                                   {"server", Round3(server)},
                                   {"workers_and_tasks", Round3(tree - server)},
                                   {"load_generator", Round3(client)},
                                   {"others", Round3(machine - tree - client)},
                                   {"machine", Round3(machine)},
                                   {"cores", static_cast<int>(cores)}};
  }
  j["samples"] = series;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string videos, status_videos;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool v = i + 1 < argc;
    auto next = [&] { return std::string(argv[++i]); };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--host" && v) {
      o.host = next();
    } else if (a == "--port" && v) {
      o.port = static_cast<uint16_t>(std::atoi(argv[++i]));
    } else if (a == "--key" && v) {
      o.key = next();
    } else if (a == "--videos" && v) {
      videos = next();
    } else if (a == "--status-videos" && v) {
      status_videos = next();
    } else if (a == "--subscribers" && v) {
      o.subscribers = std::atoi(argv[++i]);
    } else if (a == "--rate" && v) {
      o.rate = std::atof(argv[++i]);
    } else if (a == "--duration" && v) {
      o.duration_s = std::atof(argv[++i]);
    } else if (a == "--connections" && v) {
      o.connections = std::atoi(argv[++i]);
    } else if (a == "--pid" && v) {
      o.pid = std::atoi(argv[++i]);
    } else if (a == "--rss-interval" && v) {
      o.rss_interval_s = std::atof(argv[++i]);
    } else if (a == "--connect-timeout" && v) {
      o.connect_timeout_s = std::atof(argv[++i]);
    } else if (a == "--drain" && v) {
      o.drain_s = std::atof(argv[++i]);
    } else if (a == "--hold" && v) {
      o.hold_s = std::atof(argv[++i]);
    } else if (a == "--mark-file" && v) {
      o.mark_file = next();
    } else if (a == "--no-resubscribe") {
      o.resubscribe = false;
    } else {
      return Usage("bad argument " + a);
    }
  }
  o.videos = SplitComma(videos);
  o.status_videos = status_videos.empty() ? o.videos : SplitComma(status_videos);
  if (o.port == 0 || o.key.empty() || o.videos.empty()) return Usage("--port, --key and --videos are required");
  if (o.subscribers < 0 || o.rate < 0 || o.duration_s <= 0 || o.connections < 1 || o.rss_interval_s <= 0) {
    return Usage("bad numbers");
  }
  beast::error_code ec;
  auto addr = net::ip::make_address(o.host, ec);
  if (ec) return Usage("--host must be an IP address");
  tcp::endpoint endpoint(addr, o.port);

  Sampler sampler(o.pid, o.rss_interval_s);
  const auto t0 = Clock::now();
  sampler.Start();

  // SSE subscribers on their own thread.
  net::io_context sse_ioc(1);
  SseShared sse;
  sse.opt = &o;
  sse.endpoint = endpoint;
  std::vector<std::shared_ptr<Subscriber>> subs;
  for (int i = 0; i < o.subscribers; ++i) {
    subs.push_back(std::make_shared<Subscriber>(sse_ioc, sse, o.videos[static_cast<size_t>(i) % o.videos.size()]));
  }
  auto sse_work = net::make_work_guard(sse_ioc);
  net::post(sse_ioc, [&] {
    for (auto& s : subs) s->Start();
  });
  std::thread sse_thread([&] { sse_ioc.run(); });

  auto connect_deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.connect_timeout_s * 1000));
  while (sse.ever_opened < o.subscribers && Clock::now() < connect_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double subscribed_after_s = Ms(Clock::now() - t0) / 1000.0;
  Log("serve_load: %.0f of %.0f subscribers open after %.2f s\n", sse.open.load(), o.subscribers,
      subscribed_after_s);
  const long events_before_load = sse.events.load();

  // Status load on its own thread.
  net::io_context st_ioc(1);
  StatusShared st;
  st.opt = &o;
  st.endpoint = endpoint;
  st.total = o.rate > 0 ? static_cast<long>(std::llround(o.rate * o.duration_s)) : 0;
  st.interval = o.rate > 0 ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o.rate))
                           : Clock::duration{};
  st.start = Clock::now() + std::chrono::milliseconds(200);  // let the pool connect first
  const double load_from_s = Ms(st.start - t0) / 1000.0;
  StatusLoad load(st_ioc, st);
  if (!o.mark_file.empty()) std::ofstream(o.mark_file) << "started\n";
  int min_open = sse.open.load();
  std::thread st_thread;
  auto st_work = net::make_work_guard(st_ioc);  // run() must not return before CloseAll below
  if (st.total > 0) {
    net::post(st_ioc, [&] { load.Start(); });
    st_thread = std::thread([&] { st_ioc.run(); });
  }
  const auto load_end = st.start + std::chrono::milliseconds(static_cast<int64_t>(o.duration_s * 1000));
  auto next_log = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < load_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    min_open = std::min(min_open, sse.open.load());
    if (Clock::now() >= next_log) {
      next_log += std::chrono::seconds(5);
      Log("serve_load: t=%.0f s: %.0f status answers, %.0f SSE events, %.0f streams open\n",
          Ms(Clock::now() - st.start) / 1000.0, static_cast<double>(st.progress.load()),
          static_cast<double>(sse.events.load()), sse.open.load());
    }
  }
  // Drain late answers.
  auto drain_deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.drain_s * 1000));
  while (st.progress.load() < st.total && Clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double load_to_s = Ms(Clock::now() - t0) / 1000.0;
  const double load_wall_s = Ms(Clock::now() - st.start) / 1000.0;
  if (st.total > 0) {
    std::promise<void> closed;
    net::post(st_ioc, [&] {
      load.CloseAll();
      closed.set_value();
    });
    closed.get_future().wait();
    st_work.reset();
    st_ioc.stop();
    st_thread.join();
  }
  if (o.hold_s > 0) std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(o.hold_s * 1000)));
  const int open_at_end = sse.open.load();
  {
    std::promise<void> stopped;
    net::post(sse_ioc, [&] {
      sse.stopping = true;
      for (auto& s : subs) s->Stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
  }
  sse_work.reset();
  sse_ioc.stop();
  sse_thread.join();
  sampler.Stop();

  // ------------------------------------------------------------ report
  json out;
  out["config"] = {{"host", o.host},          {"port", o.port},
                   {"videos", o.videos},      {"status_videos", o.status_videos},
                   {"subscribers", o.subscribers}, {"rate", o.rate},
                   {"duration_s", o.duration_s}, {"connections", o.connections},
                   {"server_pid", o.pid}};
  const long unanswered = st.total - st.done;
  const long status_errors = st.conn_errors + unanswered + [&] {
    long n = 0;
    for (const auto& [c, k] : st.non200) n += k;
    return n;
  }();
  json non200 = json::object();
  for (const auto& [c, k] : st.non200) non200[std::to_string(c)] = k;
  json per_second = json::array();
  for (const auto& [sec, v] : st.by_second) {
    per_second.push_back({{"s", sec}, {"n", v.size()}, {"p99_ms", Round3(Percentile(v, 99))},
                          {"max_ms", Round3(*std::max_element(v.begin(), v.end()))}});
  }
  out["status"] = {{"scheduled", st.total},
                   {"answered", st.done - st.conn_errors},
                   {"ok", st.ok},
                   {"non200", non200},
                   {"connection_errors", st.conn_errors},
                   {"connect_errors", st.connect_errors},
                   {"unanswered", unanswered},
                   {"errors", status_errors},
                   {"reconnects", st.reconnects},
                   {"achieved_rate", Round3(static_cast<double>(st.ok) / o.duration_s)},
                   {"wall_s_with_drain", Round3(load_wall_s)},
                   {"max_queued", st.max_pending},
                   {"latency_ms", Summary(st.latency_ms)},
                   {"service_ms", Summary(st.service_ms)},
                   {"queue_ms", Summary(st.queue_ms)},
                   {"per_second", per_second}};
  std::vector<double> spread_ms;
  long fanout_events = 0;
  json pushes = json::array();  // each pushed event: when, how many subscribers got it, spread
  for (const auto& [k, sp] : sse.spread) {
    if (sp.count > 1) spread_ms.push_back(Ms(sp.last - sp.first));
    ++fanout_events;
    pushes.push_back({{"video", k.first}, {"id", k.second}, {"at_s", Round3(Ms(sp.first - t0) / 1000.0)},
                      {"subscribers", sp.count}, {"spread_ms", Round3(Ms(sp.last - sp.first))}});
  }
  std::sort(pushes.begin(), pushes.end(),
            [](const json& a, const json& b) { return a["at_s"].get<double>() < b["at_s"].get<double>(); });
  std::vector<double> per_sub;
  for (const auto& s : subs) per_sub.push_back(static_cast<double>(s->events()));
  json http_status = json::object();
  for (const auto& [c, k] : sse.http_status) http_status[std::to_string(c)] = k;
  json by_status = json::object();
  for (const auto& [s, k] : sse.events_by_status) by_status[s.empty() ? "?" : s] = k;
  const long sse_errors = sse.connect_errors + sse.unexpected_closes + sse.bad_events + [&] {
    long n = 0;
    for (const auto& [c, k] : sse.http_status) n += c == 204 ? 0 : k;
    return n;
  }();
  out["sse"] = {{"subscribers", o.subscribers},
                {"opened", sse.ever_opened.load()},
                {"all_open_after_s", Round3(subscribed_after_s)},
                {"open_min_during_load", min_open},
                {"open_at_end", open_at_end},
                {"open_ms", Summary(sse.first_open_ms)},
                {"events", sse.events.load()},
                {"events_during_load", sse.events.load() - events_before_load},
                {"events_by_status", by_status},
                {"pushed_events", fanout_events},
                {"fanout_spread_ms", Summary(spread_ms)},
                {"pushes", pushes},
                {"events_per_subscriber", Summary(per_sub)},
                {"heartbeats", sse.heartbeats},
                {"terminal_events", sse.terminal_events},
                {"completed_streams", sse.completed_streams},
                {"resubscribes", sse.resubscribes},
                {"stopped_no_video_left", sse.stopped_no_video},
                {"videos_finished", std::vector<std::string>(sse.finished.begin(), sse.finished.end())},
                {"connect_errors", sse.connect_errors},
                {"unexpected_closes", sse.unexpected_closes},
                {"bad_events", sse.bad_events},
                {"http_status_not_200", http_status},
                {"errors", sse_errors}};
  out["server"] = RssSummary(sampler.samples(), load_from_s, load_to_s);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  out["client_cpu_s"] = Round3(static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  const double p99 = st.latency_ms.empty() ? 0 : Percentile(st.latency_ms, 99);
  out["targets"] = {{"no_errors", status_errors == 0 && sse_errors == 0},
                    {"status_p99_le_50ms", !st.latency_ms.empty() && p99 <= 50.0},
                    {"status_p99_ms", Round3(p99)}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
