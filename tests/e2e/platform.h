// The whole platform on loopback for cross-service end-to-end tests: the six services and the
// gateway as child processes on one test database and the harness's Redis, with keys generated
// for the test, each process logging to its own file (so tests can read what was logged), and a
// "world" of real objects of one county office created through the gateway the way a client
// would create them.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "http_client.h"
#include "process.h"
#include "test_env.h"

namespace xuncha::e2e {

using Headers = std::vector<std::pair<std::string, std::string>>;

google::protobuf::Struct ParseJson(const std::string& json);
// A top-level string field of a JSON object ("" when absent or not JSON).
std::string JsonString(const std::string& json, const std::string& key);

class Platform {
 public:
  explicit Platform(std::string db_url);
  ~Platform();

  // Starts everything and waits for every service to be SERVING and the gateway ready.
  bool Start();

  gateway::testing::ClientResponse Call(const std::string& method, const std::string& target,
                                        const std::string& token, const std::string& body = "",
                                        const Headers& extra = {}) const;

  int http_port() const { return http_port_; }
  const std::string& admin_password() const { return admin_password_; }
  // Hex of the petition key pair's secret half (what the office holds offline to reveal a
  // reporter's identity), for tests that exercise the reveal.
  const std::string& petition_secret_hex() const { return petition_secret_hex_; }
  // Every log file of every process started, by process name.
  std::map<std::string, std::string> Logs() const;
  bool AllAlive() const;
  // gRPC address of a service ("issues" → "127.0.0.1:port").
  std::string address(const std::string& service) const {
    auto it = addresses_.find(service);
    return it == addresses_.end() ? "" : it->second;
  }

 private:
  bool StartService(const std::string& name, std::vector<std::string> extra);

  std::string db_url_, dir_, prefix_, admin_password_, petition_secret_hex_;
  int http_port_ = 0;
  std::map<std::string, std::string> addresses_;
  std::map<std::string, testing::ChildProcess> processes_;
};

// Real objects of county office A (and an unrelated county office B), with the principals that
// the tests act as. Passwords and secrets are made up at run time.
struct World {
  std::string admin_token;
  // Org units: city, counties A and B, A's inspected unit and two receiving bodies in A.
  std::string city_unit, a_unit, b_unit, target_unit, jw_unit, zzb_unit;
  std::string a_office, b_office;
  std::string a_path;  // ltree path of A's org unit
  std::string leader_person, member_person;
  std::string a_admin_user, member_user;
  // Tokens.
  std::string a_admin, a_leader, a_member, b_admin, liaison, jw_receiver, zzb_receiver;
  std::string api_client_token;
  // Principals of the authorisation matrix beyond the ones above: single-role accounts of A
  // (admin, staff outside the group, leading group), a member of A's group seconded from B, the
  // liaison of an A unit that is not inspected, the city office (above A) and an API client of A
  // with no scope that any route asks for (api_client_token holds every scope the services know).
  std::string city_office, other_unit, seconded_person;
  std::string a_office_admin, a_staff, a_leading_group, seconded, other_liaison, city_admin;
  std::string api_client_without_scope;
  // Secrets a test may look for in the logs.
  std::map<std::string, std::string> secrets;  // description → value
  // Ids of A's objects by collection ("issues", "rectificationCases", …).
  std::map<std::string, std::string> ids;
  // Request bodies that succeeded for A, by operation id ("FieldworkService_CreateInterview").
  std::map<std::string, std::string> valid_bodies;
  // Strings that only a principal allowed to see A's objects may ever receive.
  std::vector<std::string> confidential;
  std::string petition_receipt;
};

// Builds the world through the gateway; failures are reported as test failures and false.
bool BuildWorld(Platform& platform, World& world);

}  // namespace xuncha::e2e
