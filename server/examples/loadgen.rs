//! Load generator for the scale-out test: N concurrent, complete reset flows (request a code,
//! then confirm it with a new password), each in its own cookie jar, through the load balancer.
//!
//! `cargo run -p server --example loadgen -- <lb-url> <moto-url> <pool-id> <client-id> [flows]`
//!
//! Users are created in moto first. Moto accepts any code without its `moto-confirmation-code:`
//! prefix, so the generator confirms with a fixed code. It prints throughput and latency
//! percentiles, writes them as Markdown to `LOADGEN_REPORT` (if set), and exits 1 on any lost
//! session, 5xx or failed flow.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tokio::sync::Semaphore;

const NEW_PW: &str = "Load-Passw0rd!x";

#[path = "../tests/api/common/moto_json.rs"]
mod moto_json;

async fn moto(http: &reqwest::Client, moto: &str, action: &str, body: Value) -> Result<(), String> {
    moto_json::call(http, moto, action, &body).await.map(|_| ())
}

#[derive(Default)]
struct Outcome {
    request_ms: Option<f64>,
    confirm_ms: Option<f64>,
    flow_ms: Option<f64>,
    five_xx: u32,
    lost_session: bool,
    failure: Option<String>,
}

async fn flow(base: String, user: String) -> Outcome {
    let mut out = Outcome::default();
    let c = match reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            out.failure = Some(e.to_string());
            return out;
        }
    };
    let post = |endpoint: &str, form: Vec<(&'static str, String)>| {
        c.post(format!("{base}/api/{endpoint}"))
            .header("Accept", "application/json")
            .header("Origin", &base)
            .form(&form)
            .send()
    };
    let started = Instant::now();
    let r = match post("reset/request", vec![("username", user.clone())]).await {
        Ok(r) => r,
        Err(e) => {
            out.failure = Some(format!("request: {e}"));
            return out;
        }
    };
    out.request_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    if r.status().is_server_error() {
        out.five_xx += 1;
    }
    if r.headers().get("location").and_then(|v| v.to_str().ok()) != Some("/reset/confirm") {
        out.failure = Some(format!("request answered {}", r.status()));
        return out;
    }
    let t = Instant::now();
    let r = match post(
        "reset/confirm",
        vec![
            ("code", "123456".into()),
            ("new_password", NEW_PW.into()),
            ("confirm_password", NEW_PW.into()),
        ],
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            out.failure = Some(format!("confirm: {e}"));
            return out;
        }
    };
    out.confirm_ms = Some(t.elapsed().as_secs_f64() * 1000.0);
    let status = r.status();
    if status.is_server_error() {
        out.five_xx += 1;
    }
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if location.as_deref() != Some("/sign-in") {
        let body = r.text().await.unwrap_or_default();
        out.lost_session = body.contains("NoResetInProgress");
        out.failure = Some(format!("confirm answered {status} {body}"));
        return out;
    }
    out.flow_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    out
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((p / 100.0) * (v.len() as f64 - 1.0)).round() as usize;
    v[i]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: loadgen <lb-url> <moto-url> <pool-id> <client-id> [flows]");
        std::process::exit(2);
    }
    let (base, moto_url, pool) = (args[1].clone(), args[2].clone(), args[3].clone());
    let n: usize = args.get(5).and_then(|v| v.parse().ok()).unwrap_or(500);

    // Users, created 32 at a time.
    let http = reqwest::Client::new();
    let prefix = format!("load{}", std::process::id());
    let users: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    let gate = Arc::new(Semaphore::new(32));
    let t = Instant::now();
    let mut jobs = tokio::task::JoinSet::new();
    for u in users.clone() {
        let (http, moto_url, pool, gate) =
            (http.clone(), moto_url.clone(), pool.clone(), gate.clone());
        jobs.spawn(async move {
            let _p = gate.acquire().await;
            moto(&http, &moto_url, "AdminCreateUser", json!({
                "UserPoolId": pool, "Username": u, "TemporaryPassword": "Temp-Passw0rd!",
                "MessageAction": "SUPPRESS",
                "UserAttributes": [{"Name": "email", "Value": format!("{u}@example.com")},
                                   {"Name": "email_verified", "Value": "true"}]})).await?;
            moto(&http, &moto_url, "AdminSetUserPassword", json!({
                "UserPoolId": pool, "Username": u, "Password": "Old-Passw0rd!x", "Permanent": true})).await
        });
    }
    while let Some(r) = jobs.join_next().await {
        if let Ok(Err(e)) = r {
            eprintln!("could not create users: {e}");
            std::process::exit(1);
        }
    }
    eprintln!("created {n} users in {:.1}s", t.elapsed().as_secs_f64());

    // All flows at once (bounded only by `n`).
    let started = Instant::now();
    let mut flows = tokio::task::JoinSet::new();
    for u in users {
        flows.spawn(flow(base.clone(), u));
    }
    let mut outcomes = vec![];
    while let Some(r) = flows.join_next().await {
        outcomes.push(r.unwrap_or_else(|e| Outcome {
            failure: Some(e.to_string()),
            ..Default::default()
        }));
    }
    let wall = started.elapsed().as_secs_f64();

    let ok = outcomes.iter().filter(|o| o.flow_ms.is_some()).count();
    let lost = outcomes.iter().filter(|o| o.lost_session).count();
    let five_xx: u32 = outcomes.iter().map(|o| o.five_xx).sum();
    let mut failures: Vec<&String> = outcomes.iter().filter_map(|o| o.failure.as_ref()).collect();
    failures.sort();
    failures.dedup();
    let mut req: Vec<f64> = outcomes.iter().filter_map(|o| o.request_ms).collect();
    let mut conf: Vec<f64> = outcomes.iter().filter_map(|o| o.confirm_ms).collect();
    let mut fl: Vec<f64> = outcomes.iter().filter_map(|o| o.flow_ms).collect();
    let report = format!(
        "| measure | value |\n|---|---|\n\
         | concurrent flows (request → code → confirm) | {n} |\n\
         | completed | {ok} |\n| lost sessions | {lost} |\n| 5xx responses | {five_xx} |\n\
         | wall time | {wall:.2} s |\n| throughput | {:.1} flows/s ({:.1} requests/s) |\n\
         | reset request p50 / p99 | {:.0} / {:.0} ms |\n\
         | confirm p50 / p99 | {:.0} / {:.0} ms |\n\
         | whole flow p50 / p99 | {:.0} / {:.0} ms |\n",
        ok as f64 / wall,
        (req.len() + conf.len()) as f64 / wall,
        pct(&mut req, 50.0),
        pct(&mut req, 99.0),
        pct(&mut conf, 50.0),
        pct(&mut conf, 99.0),
        pct(&mut fl, 50.0),
        pct(&mut fl, 99.0),
    );
    println!("{report}");
    if let Ok(path) = std::env::var("LOADGEN_REPORT") {
        let _ = std::fs::write(path, &report);
    }
    for f in failures.iter().take(5) {
        eprintln!("failure: {f}");
    }
    if ok != n || lost > 0 || five_xx > 0 {
        eprintln!("FAILED: {ok}/{n} flows completed, {lost} lost sessions, {five_xx} 5xx");
        std::process::exit(1);
    }
}
