// POST /v1/jobs/bulk: the body decoded item by item (api_bulk.hpp, the
// single push's decoder), the push rate taken for every item at once, the
// decodable items asked of the control in one message (stored in one batch,
// actors/control/bulk_push.hpp), and the answers merged back in request
// order. Each item is counted and recorded in its terminal's history as a
// single push would be.
#include <memory>

#include "actors/http_gateway/http_routes.hpp"
#include "actors/policy/api_bulk.hpp"
#include "actors/policy/callback_address.hpp"
#include "actors/system/log.hpp"
#include "net/limits/retry_after.hpp"

namespace tether {

namespace {

/// Whether the caller's key may push `n` jobs now (one push_rate token
/// each, all or none); false after answering 413 (more than the bucket
/// ever holds) or 429.
bool bulk_allowed(gateway_ptr self, const http_request& req, size_t n,
                  const http_responder_ptr& out) {
  auto& st = self->state;
  if (n > st.cfg.push_burst) {
    st.fail(out, errc::payload_too_large,
            "field \"jobs\" has " + std::to_string(n)
              + " items: more than [limits] push_burst ("
              + std::to_string(st.cfg.push_burst)
              + "), the most jobs one API key may push at once");
    return false;
  }
  const auto* key = st.keys.find(req.authorization);
  auto key_id = key != nullptr ? key->key_id : std::string{};
  auto wait = st.pushes->take(key_id, n);
  if (wait.count() == 0)
    return true;
  logger("gateway")->debug("bulk of {} jobs of key \"{}\" from {} refused: "
                           "rate",
                           n, key_id, req.peer);
  st.answer(out, api::error_response(
                   errc::too_many_requests,
                   "too many job pushes with this API key (a bulk push "
                   "counts each job); retry after the time in Retry-After",
                   static_cast<uint32_t>(net::jittered_seconds(wait))));
  return false;
}

/// The bulk in flight: the decoded items, their answers as they become
/// known, and which items went to the control (their indices).
struct bulk_state {
  std::vector<api::bulk_item> items;
  std::vector<api::bulk_answer> answers;
  std::vector<size_t> asked;
};

/// Items the gateway refuses itself (undecodable, a callback literal the
/// policy refuses) are answered now; the rest are the jobs to ask for.
std::vector<job_record> jobs_to_ask(const http_gateway_state& st,
                                    bulk_state& b) {
  std::vector<job_record> jobs;
  b.answers.resize(b.items.size());
  for (size_t i = 0; i < b.items.size(); ++i) {
    auto& item = b.items[i];
    if (item.problem.empty())
      item.problem
        = api::refuse_callback_literal(item.job.callback_url, st.cfg.callbacks);
    auto& a = b.answers[i];
    a.terminal_id = item.job.terminal_id;
    if (!item.problem.empty()) {
      a.status = http_status(item.code);
      a.code = item.code;
      a.message = item.problem;
      continue;
    }
    b.asked.push_back(i);
    jobs.push_back(item.job);
  }
  return jobs;
}

/// The control's answers in place, users linked (GH) for accepted jobs.
void merge(gateway_ptr self, bulk_state& b,
           const std::vector<bulk_outcome>& outcomes) {
  for (size_t k = 0; k < b.asked.size() && k < outcomes.size(); ++k) {
    auto i = b.asked[k];
    const auto& o = outcomes[k];
    auto& a = b.answers[i];
    if (o.error_code == 0) {
      a.job_id = o.job.job_id;
      link_job_user(self, a.terminal_id, b.items[i].user);
      ++self->state.jobs_accepted;
      continue;
    }
    a.code = static_cast<errc>(o.error_code);
    a.status = http_status(a.code);
    a.message = o.error;
  }
}

/// A refused item is a history record, as a single push's answer would be
/// (an accepted one is the control's job_pushed, and counts in its
/// terminal's API calls, GC, where it was stored).
void count_items(gateway_ptr self, const bulk_state& b) {
  const auto& control = self->state.control;
  if (!control)
    return;
  for (const auto& a : b.answers)
    if (a.status >= 400 && api::valid_id(a.terminal_id))
      record_call(control, a.terminal_id, "push", a.status);
}

/// Answers 200 with every item's answer.
void answer_bulk(gateway_ptr self, const http_responder_ptr& out,
                 const bulk_state& b) {
  count_items(self, b);
  self->state.answer(out, api::json_response(200, api::encode_bulk(b.answers)));
}

} // namespace

void bulk_push(gateway_ptr self, const api::route&, const http_request& req,
               const http_responder_ptr& out) {
  auto& st = self->state;
  auto b = std::make_shared<bulk_state>();
  errc code;
  if (auto problem = api::decode_bulk(req.body, st.cfg.max_payload,
                                      st.cfg.bulk_max_jobs, b->items, code);
      !problem.empty())
    return st.fail(out, code, problem);
  if (!bulk_allowed(self, req, b->items.size(), out))
    return;
  auto jobs = jobs_to_ask(st, *b);
  if (jobs.empty())
    return answer_bulk(self, out, *b);
  request_control(self, push_atom::value, std::move(jobs))
    .then(
      [self, out, b](std::vector<bulk_outcome>& outcomes) {
        merge(self, *b, outcomes);
        answer_bulk(self, out, *b);
      },
      on_error(self, out));
}

} // namespace tether
