//! Prometheus metrics: requests by route and status, flow outcomes, Cognito call latency by
//! operation, rate-limit refusals. One registry per process, rendered by `/metrics`.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        OnceLock,
    },
    time::Duration,
};

use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub event: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    pub action: String,
    pub scope: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms … ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Counts since the last embedded-metric-format line (`METRICS_EMF_SECS`), in the order of
/// [`EMF_NAMES`]: what the reference deployment's alarms read.
#[derive(Default)]
struct Interval([AtomicU64; 8]);

/// The metric names of an embedded-metric-format line.
pub const EMF_NAMES: [&str; 8] = [
    "Requests",
    "Responses5xx",
    "CognitoCalls",
    "CognitoThrottled",
    "CognitoErrors",
    "EmailsSent",
    "EmailsFailed",
    "RateLimited",
];

// Each count's place in [`Interval`] and [`EMF_NAMES`].
const REQUESTS: usize = 0;
const RESPONSES_5XX: usize = 1;
const COGNITO_CALLS: usize = 2;
const COGNITO_THROTTLED: usize = 3;
const COGNITO_ERRORS: usize = 4;
const EMAILS_SENT: usize = 5;
const EMAILS_FAILED: usize = 6;
const RATE_LIMITED: usize = 7;

impl Interval {
    fn add(&self, which: usize) {
        self.0[which].fetch_add(1, Ordering::Relaxed);
    }
}

/// Every metric of the app.
pub struct Metrics {
    interval: Interval,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<RouteLabels>,
    flows: Family<OutcomeLabels, Counter>,
    cognito_seconds: Histograms<OperationLabels>,
    rate_limited: Family<LimitLabels, Counter>,
    connections_refused: Counter,
    notifications: Family<OutcomeLabels, Counter>,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("reset");
        let requests = Family::<RequestLabels, Counter>::default();
        let request_seconds: Histograms<RouteLabels> =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let flows = Family::<OutcomeLabels, Counter>::default();
        let cognito_seconds: Histograms<OperationLabels> =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let rate_limited = Family::<LimitLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by route",
            request_seconds.clone(),
        );
        registry.register(
            "flow_outcomes",
            "Outcomes of the flows (reset_requested, reset_confirmed, sign_in, …) by result",
            flows.clone(),
        );
        registry.register(
            "cognito_request_duration_seconds",
            "Cognito call latency (retries included) by operation and outcome",
            cognito_seconds.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests refused by a rate limit, by action and scope",
            rate_limited.clone(),
        );
        let connections_refused = Counter::default();
        registry.register(
            "connections_refused",
            "Connections closed at once because MAX_CONNECTIONS were open",
            connections_refused.clone(),
        );
        let notifications = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "notifications",
            "Security notification emails by change and outcome (sent, failed, skipped)",
            notifications.clone(),
        );
        Self {
            interval: Interval::default(),
            registry,
            notifications,
            requests,
            request_seconds,
            flows,
            cognito_seconds,
            rate_limited,
            connections_refused,
        }
    }

    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.interval.add(REQUESTS);
        if status >= 500 {
            self.interval.add(RESPONSES_5XX);
        }
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.request_seconds
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn flow(&self, event: &str, outcome: &str) {
        self.flows
            .get_or_create(&OutcomeLabels {
                event: event.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// A Cognito call: `outcome` is `ok`, `throttled` (`TooManyRequestsException`) or `error`.
    pub fn cognito(&self, operation: &str, outcome: &str, took: Duration) {
        self.interval.add(COGNITO_CALLS);
        match outcome {
            "ok" => {}
            "throttled" => self.interval.add(COGNITO_THROTTLED),
            _ => self.interval.add(COGNITO_ERRORS),
        }
        self.cognito_seconds
            .get_or_create(&OperationLabels {
                operation: operation.to_string(),
                outcome: outcome.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// A security notification for `change`: `sent`, `failed` (SES or Cognito refused) or
    /// `skipped` (no verified email).
    pub fn notification(&self, change: &str, outcome: &str) {
        self.notifications
            .get_or_create(&OutcomeLabels {
                event: change.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// An email handed to SES (`sent`) or refused by it (any of the app's emails).
    pub fn email(&self, sent: bool) {
        self.interval
            .add(if sent { EMAILS_SENT } else { EMAILS_FAILED });
    }

    pub fn limited(&self, action: &str, scope: &str) {
        self.interval.add(RATE_LIMITED);
        self.rate_limited
            .get_or_create(&LimitLabels {
                action: action.to_string(),
                scope: scope.to_string(),
            })
            .inc();
    }

    /// A connection closed at once: `MAX_CONNECTIONS` were open.
    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// One line of CloudWatch's embedded metric format in `namespace` at `at_ms` (Unix
    /// milliseconds) with the counts since the last one (which start again from zero).
    pub fn emf_line(&self, namespace: &str, at_ms: i64) -> String {
        let mut line = serde_json::Map::new();
        let metrics: Vec<serde_json::Value> = EMF_NAMES
            .iter()
            .map(|n| serde_json::json!({ "Name": n, "Unit": "Count" }))
            .collect();
        line.insert(
            "_aws".into(),
            serde_json::json!({
                "Timestamp": at_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [["Service"]],
                    "Metrics": metrics,
                }],
            }),
        );
        line.insert("Service".into(), "cognito-reset".into());
        for (name, count) in EMF_NAMES.iter().zip(&self.interval.0) {
            line.insert((*name).into(), count.swap(0, Ordering::Relaxed).into());
        }
        serde_json::Value::Object(line).to_string()
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            tracing::error!("metrics could not be encoded");
        }
        out
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(Metrics::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_in_prometheus_text() {
        let m = Metrics::new();
        m.request("/reset", "GET", 200, Duration::from_millis(3));
        m.flow("reset_requested", "ok");
        m.cognito("ForgotPassword", "ok", Duration::from_millis(40));
        m.limited("sign_in", "user");
        let text = m.render();
        for line in [
            "reset_http_requests_total{route=\"/reset\",method=\"GET\",status=\"200\"} 1",
            "reset_flow_outcomes_total{event=\"reset_requested\",outcome=\"ok\"} 1",
            "reset_cognito_request_duration_seconds_count{operation=\"ForgotPassword\",outcome=\"ok\"} 1",
            "reset_rate_limited_total{action=\"sign_in\",scope=\"user\"} 1",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }

    #[test]
    fn an_emf_line_counts_each_interval_for_cloudwatch() {
        let m = Metrics::new();
        m.request("/reset", "GET", 200, Duration::from_millis(3));
        m.request("/api/sign-in", "POST", 503, Duration::from_millis(3));
        m.cognito("InitiateAuth", "throttled", Duration::from_millis(40));
        m.cognito("InitiateAuth", "error", Duration::from_millis(40));
        m.cognito("ForgotPassword", "ok", Duration::from_millis(40));
        m.email(true);
        m.email(false);
        m.limited("sign_in", "ip");
        let line: serde_json::Value =
            serde_json::from_str(&m.emf_line("CognitoReset/prod", 1_796_198_400_000)).unwrap();
        let aws = &line["_aws"];
        assert_eq!(aws["Timestamp"], 1_796_198_400_000i64);
        let directive = &aws["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "CognitoReset/prod");
        assert_eq!(directive["Dimensions"], serde_json::json!([["Service"]]));
        assert_eq!(
            directive["Metrics"].as_array().unwrap().len(),
            EMF_NAMES.len()
        );
        assert_eq!(line["Service"], "cognito-reset");
        let counts: Vec<u64> = EMF_NAMES
            .iter()
            .map(|n| line[*n].as_u64().unwrap())
            .collect();
        assert_eq!(counts, [2, 1, 3, 1, 1, 1, 1, 1]);
        // The next line counts from zero.
        let next: serde_json::Value = serde_json::from_str(&m.emf_line("x", 0)).unwrap();
        assert!(EMF_NAMES.iter().all(|n| next[*n] == 0), "{next}");
    }
}
