//! Runs the real server binary (JSON logs, debug level for the app), drives every flow
//! through it, and reads everything it logged: no password, code, token, challenge session,
//! client secret or username may appear; every request line carries a request id; each
//! security-relevant outcome has an audit event.

use std::{collections::HashSet, time::Duration};

use crate::common::*;
use serde_json::{json, Value};

const OLD_PW: &str = "Old-Passw0rd!";
const NEW_PW: &str = "New-Passw0rd!";
const TEMP_PW: &str = "Temp-Passw0rd!";

/// Every token, session and code moto holds for `pool` (keys and values of its token and
/// session tables), and every user's password.
async fn moto_secrets(pool: &Pool) -> Vec<String> {
    let data = moto_data().await;
    let mut out = vec![];
    let mut add = |v: &Value| {
        if let Some(s) = v.as_str() {
            if s.len() >= 8 {
                out.push(s.to_string());
            }
        }
    };
    for p in data["cognitoidp"]["CognitoIdpUserPool"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == pool.id.as_str())
    {
        for (field, v) in p.as_object().unwrap() {
            if !(field.contains("token") || field.contains("session")) {
                continue;
            }
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        add(&Value::String(k.clone()));
                        if let Some(a) = v.as_array() {
                            a.iter().for_each(&mut add);
                        } else {
                            add(v);
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(&mut add),
                v => add(v),
            }
        }
    }
    for u in data["cognitoidp"]["CognitoIdpUser"].as_array().unwrap() {
        if u["user_pool_id"] == pool.id.as_str() {
            add(&u["password"]);
            add(&u["confirmation_code"]);
        }
    }
    out
}

/// What one run of the real binary through every flow left: its log, and every secret it
/// saw (what moto holds, what was typed, the "This wasn't me" tokens). Driven once, read by
/// the three tests below.
struct Run {
    log: String,
    secrets: Vec<String>,
}

static RUN: tokio::sync::OnceCell<Run> = tokio::sync::OnceCell::const_new();

async fn run() -> &'static Run {
    RUN.get_or_init(drive).await
}

/// A new client of the server at `base`.
fn fresh(base: &str, pool: &Pool) -> TestApp {
    TestApp {
        base: base.to_string(),
        pool: pool.clone(),
        client: client(),
        sessions: None,
    }
}

async fn drive() -> Run {
    // Use the same environment the in-process tests use (moto endpoint, site root).
    let _ = spawn_app(false).await;
    let pool = create_pool(true).await;
    let sender = crate::notify::verified_sender().await;
    let log = std::env::temp_dir().join(format!("reset-log-{}.jsonl", rand::random::<u32>()));
    let mut server = spawn_binary(
        &pool,
        &[
            ("RATE_LIMIT_USER", "4/15m"),
            (
                "SERVER_SECRET",
                "log-test-secret-log-test-secret-0123456789",
            ),
            // Production's format, at debug level for the app itself and its HTTP layer.
            ("NOTIFY_EMAIL", "true"),
            ("NOTIFY_FROM", sender.as_str()),
            ("NOT_ME_SIGN_OUT", "true"),
            (
                "RUST_LOG",
                "info,app=debug,server=debug,tower_http=debug,tower_sessions=debug",
            ),
        ],
        &log,
    )
    .await;
    let base = server.base.clone();
    let user = random_user();
    confirmed_user(&pool, &user, OLD_PW).await;
    let mut secrets = vec![
        "log-test-secret-log-test-secret-0123456789".to_string(),
        pool.secret.clone().unwrap(),
    ];
    secrets.extend(resets(&base, &pool, &user).await);
    secrets.extend(sign_ins(&base, &pool, &user).await);
    secrets.extend(refusals(&base, &pool, &user).await);
    secrets.extend(second_factor(&base, &pool).await);
    secrets.extend(not_me(&base, &pool, &user).await);
    // Everything moto now holds that must stay secret.
    secrets.extend(moto_secrets(&pool).await);
    assert!(
        secrets.iter().any(|s| s.starts_with("eyJ")),
        "moto's tokens were collected"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    Run { log: text, secrets }
}

/// Resets: with JavaScript (a wrong code, then the right one), without, and by the email's
/// link (opened, confirmed, opened again). Returns what was typed.
async fn resets(base: &str, pool: &Pool, user: &str) -> Vec<String> {
    let a = fresh(base, pool);
    assert_eq!(
        location(&a.call("reset/request", &[("username", user)]).await),
        "/reset/confirm"
    );
    let code = latest_code(pool, user).await.unwrap();
    let r = a.confirm("moto-confirmation-code:999999", NEW_PW).await;
    assert_eq!(r.status(), 400);
    let r = a.confirm(code.as_str(), NEW_PW).await;
    assert_eq!(location(&r), "/sign-in");

    let c = fresh(base, pool);
    let r = c
        .post_form("/reset", "reset/request", &[("username", user)])
        .await;
    assert_eq!(r.status(), 303);
    let code2 = latest_code(pool, user).await.unwrap();
    let r = c
        .post_form(
            "/reset/confirm",
            "reset/confirm",
            &[
                ("code", code2.as_str()),
                ("new_password", "Fourth-Passw0rd!"),
                ("confirm_password", "Fourth-Passw0rd!"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/sign-in");

    let r = fresh(base, pool)
        .call("reset/request", &[("username", user)])
        .await;
    assert_eq!(location(&r), "/reset/confirm");
    let code3 = latest_code(pool, user).await.unwrap();
    let e = fresh(base, pool);
    let open = |c: &reqwest::Client| {
        c.get(format!("{base}/reset/link"))
            .query(&[("u", user), ("c", code3.as_str())])
            .send()
    };
    assert_eq!(location(&open(&e.client).await.unwrap()), "/reset/confirm");
    assert_eq!(
        location(&e.confirm(&code3, "Fifth-Passw0rd!").await),
        "/sign-in"
    );
    assert_eq!(
        location(&open(&client()).await.unwrap()),
        "/reset/link/used"
    );
    let mut typed = vec![user.to_string(), OLD_PW.into(), NEW_PW.into()];
    typed.extend(["Fourth-Passw0rd!", "Fifth-Passw0rd!"].map(String::from));
    for c in [code, code2, code3] {
        typed.push(c.trim_start_matches("moto-confirmation-code:").to_string());
        typed.push(c);
    }
    typed
}

/// Signing in (wrong, then right), changing the password (a wrong current one first),
/// signing out; a temporary password and its challenge. Returns what was typed.
async fn sign_ins(base: &str, pool: &Pool, user: &str) -> Vec<String> {
    let b = fresh(base, pool);
    let r = b
        .call("sign-in", &[("username", user), ("password", OLD_PW)])
        .await;
    assert_eq!(r.status(), 401);
    let r = b
        .call(
            "sign-in",
            &[("username", user), ("password", "Fifth-Passw0rd!")],
        )
        .await;
    assert_eq!(location(&r), "/account");
    assert!(b.page("/account").await.contains(user));
    // A wrong current password: Cognito's own message for it can name the user.
    for (current, status) in [("Wrong-Passw0rd!", Some(401)), ("Fifth-Passw0rd!", None)] {
        let r = b
            .call(
                "account/password",
                &[
                    ("current_password", current),
                    ("new_password", "Third-Passw0rd!"),
                    ("confirm_password", "Third-Passw0rd!"),
                ],
            )
            .await;
        match status {
            Some(s) => assert_eq!(r.status(), s),
            None => assert_eq!(location(&r), "/account"),
        }
    }
    assert_eq!(location(&b.call("sign-out", &[]).await), "/sign-in");

    let temp = random_user();
    temporary_user(pool, &temp, TEMP_PW).await;
    let d = fresh(base, pool);
    let r = d
        .call("sign-in", &[("username", &temp), ("password", TEMP_PW)])
        .await;
    assert_eq!(location(&r), "/new-password");
    d.page("/new-password").await;
    let r = d
        .call(
            "new-password",
            &[("new_password", NEW_PW), ("confirm_password", NEW_PW)],
        )
        .await;
    assert_eq!(location(&r), "/account");
    ["Wrong-Passw0rd!", "Third-Passw0rd!", TEMP_PW, &temp]
        .map(String::from)
        .to_vec()
}

/// A rate limit and a CSRF refusal. Returns what was typed.
async fn refusals(base: &str, pool: &Pool, user: &str) -> Vec<String> {
    let limited = random_user();
    let mut last = 0;
    for _ in 0..5 {
        last = fresh(base, pool)
            .call(
                "sign-in",
                &[("username", &limited), ("password", "Any-Passw0rd!")],
            )
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    let r = client()
        .post(format!("{base}/api/sign-in"))
        .header("Origin", "https://evil.example")
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("username", user), ("password", NEW_PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    vec![limited]
}

/// A second factor: an authenticator app, a wrong code, then the right one. Returns what was
/// typed and the key.
async fn second_factor(base: &str, pool: &Pool) -> Vec<String> {
    let mfa_user = random_user();
    let totp_key = crate::mfa::totp_user(pool, &mfa_user).await;
    let c = fresh(base, pool);
    let r = c
        .call("sign-in", &[("username", &mfa_user), ("password", NEW_PW)])
        .await;
    assert_eq!(location(&r), "/sign-in/code");
    assert_eq!(
        c.call("mfa/code", &[("code", "000000")]).await.status(),
        400
    );
    let mfa_code = crate::mfa::totp(&totp_key).await;
    let r = c.call("mfa/code", &[("code", &mfa_code)]).await;
    assert_eq!(location(&r), "/account");
    vec![mfa_user, totp_key, mfa_code]
}

/// The security emails: their "This wasn't me" tokens are secrets too; one is acted on.
/// Returns the tokens.
async fn not_me(base: &str, pool: &Pool, user: &str) -> Vec<String> {
    let sent = crate::notify::wait_for(&format!("{user}@example.com"), 4).await;
    let links: Vec<String> = sent
        .iter()
        .map(|m| crate::notify::not_me_path(m, base))
        .collect();
    let n = fresh(base, pool);
    assert_eq!(location(&n.get(&links[0]).await), "/not-me");
    let r = n.post_form("/not-me", "not-me/secure", &[]).await;
    assert_eq!(location(&r), "/reset/confirm");
    links
        .iter()
        .map(|l| l.trim_start_matches("/not-me/link?t=").to_string())
        .collect()
}

#[tokio::test]
async fn the_log_holds_no_password_code_token_secret_or_username() {
    let run = run().await;
    for s in &run.secrets {
        assert!(
            !run.log.contains(s.as_str()),
            "the log contains a secret: {s:?}"
        );
    }
    assert!(!run.log.contains("eyJ"), "no JWT in the log");
}

/// The log's lines, each parsed (every line is JSON).
fn lines(run: &Run) -> Vec<Value> {
    let lines: Vec<&str> = run.log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 40, "{} log lines", lines.len());
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect()
}

/// The request span a log line was written in, if any.
fn request_span(v: &Value) -> Option<&Value> {
    v["spans"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "request"))
}

#[tokio::test]
async fn every_line_written_in_a_request_carries_its_request_id() {
    let lines = lines(run().await);
    let in_requests: Vec<&Value> = lines.iter().filter_map(request_span).collect();
    assert!(in_requests.len() > 20);
    for span in in_requests {
        let id = span["request_id"].as_str().unwrap_or("");
        assert_eq!(id.len(), 36, "a request id on {span}");
    }
}

#[tokio::test]
async fn every_outcome_is_audited_in_its_request_with_a_hashed_user() {
    let mut events: HashSet<(String, String)> = HashSet::new();
    for v in lines(run().await).iter().filter(|v| v["target"] == "audit") {
        assert!(
            request_span(v).is_some(),
            "audit events are tied to a request: {v}"
        );
        let f = &v["fields"];
        let user = f["user"].as_str().unwrap();
        assert!(
            user == "-" || (user.len() == 32 && user.chars().all(|c| c.is_ascii_hexdigit())),
            "{v}"
        );
        assert_eq!(f["client_ip"], json!("127.0.0.1"), "{v}");
        events.insert((
            f["event"].as_str().unwrap().to_string(),
            f["outcome"].as_str().unwrap().to_string(),
        ));
    }
    for (event, outcome) in [
        ("reset_requested", "ok"),
        ("reset_confirmed", "ExpiredCode"), // moto answers a wrong code so
        ("reset_confirmed", "ok"),
        ("reset_link_opened", "ok"),
        ("reset_link_opened", "used"),
        ("sign_in", "WrongCredentials"),
        ("sign_in", "ok"),
        ("password_changed", "ok"),
        ("challenge_completed", "ok"),
        ("mfa_code", "WrongAppCode"),
        ("mfa_code", "ok"),
        ("rate_limited", "user"),
        ("csrf_refused", "refused"),
        ("not_me_secured", "ok"),
        ("not_me_reported", "password_reset"),
    ] {
        assert!(
            events.contains(&(event.to_string(), outcome.to_string())),
            "audit {event}/{outcome} missing; have {events:?}"
        );
    }
}

/// The second review saw "you tried to access a reactive value … already been disposed"
/// panics under load around refused cross-site posts and error pages (each response still
/// went out; under `panic = "abort"` each would end the process). The cause: every render
/// spawns leptos_i18n's isomorphic effect; an error page renders without ever waiting, so its
/// body could end (disposing the render's owner) before or while another worker first ran
/// that effect. Error pages now render on a runtime of their own (`ErrorPages::page`). Before,
/// this load gave about one panic per 600 requests; it is 3 000 error pages in batches of
/// 300, a third of the clients gone before the answer, and not one panic may follow.
#[tokio::test]
async fn error_pages_under_load_with_clients_leaving_early_never_panic() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = spawn_app(false).await;
    let pool = create_pool(false).await;
    let log = std::env::temp_dir().join(format!("reset-panics-{}.log", rand::random::<u32>()));
    let server = spawn_binary(
        &pool,
        &[
            ("RATE_LIMIT_IP", "5/15m"),
            ("MAX_CONNECTIONS_PER_CLIENT", "1024"),
        ],
        &log,
    )
    .await;
    let addr = server.base.trim_start_matches("http://").to_string();
    for batch in 0..10 {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..300 {
            let (base, addr) = (server.base.clone(), addr.clone());
            tasks.spawn(async move {
                let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await else {
                    return;
                };
                // A cross-site post (403 page), or a post without JavaScript past the
                // client's allowance (its error's own page), in several languages.
                let (origin, path, body) = match i % 3 {
                    0 => ("https://evil.example".to_string(), "/api/sign-in", "username=x&password=y"),
                    1 => (base.clone(), "/api/reset/request", "username=jane"),
                    _ => (base.clone(), "/api/reset/confirm", "code=1&new_password=a&confirm_password=b"),
                };
                let lang = ["ar", "ja", "de, en;q=0.5", "zh-TW"][(i + batch) % 4];
                let req = format!(
                    "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nAccept: text/html\r\n\
                     Accept-Language: {lang}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(req.as_bytes()).await;
                match i % 3 {
                    0 => {}
                    1 => {
                        let mut first = [0u8; 64];
                        let _ = s.read(&mut first).await;
                    }
                    _ => {
                        let mut all = vec![];
                        let _ = tokio::time::timeout(
                            std::time::Duration::from_secs(10),
                            s.read_to_end(&mut all),
                        )
                        .await;
                    }
                }
            });
        }
        while let Some(t) = tasks.join_next().await {
            t.unwrap();
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let r = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the server is still up");
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    let panics = text.matches("panicked").count();
    assert_eq!(panics, 0, "panics in the log:\n{text}");
}

/// `METRICS_EMF_SECS`: the binary writes, on standard output, one line of CloudWatch's embedded
/// metric format per interval with that interval's counts (what the reference deployment's
/// alarms read).
#[tokio::test]
async fn the_binary_writes_its_counts_as_embedded_metric_lines() {
    let pool = create_pool(false).await;
    let log = std::env::temp_dir().join(format!("reset-emf-{}.log", rand::random::<u32>()));
    let emf = [
        ("METRICS_EMF_SECS", "1"),
        ("METRICS_EMF_NAMESPACE", "CognitoReset/test"),
    ];
    let server = spawn_binary_logging(&pool, &emf, &log, true).await;
    let c = client();
    for _ in 0..3 {
        c.get(format!("{}/reset", server.base))
            .send()
            .await
            .unwrap();
    }
    let mut requests = 0;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let text = std::fs::read_to_string(&log).unwrap();
        requests = text
            .lines()
            .filter(|l| l.starts_with("{\"_aws\""))
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .inspect(|v| {
                assert_eq!(
                    v["_aws"]["CloudWatchMetrics"][0]["Namespace"],
                    "CognitoReset/test"
                );
                assert_eq!(v["Service"], "cognito-reset");
            })
            .map(|v| v["Requests"].as_u64().unwrap())
            .sum::<u64>();
        if requests >= 3 {
            break;
        }
    }
    assert!(requests >= 3, "{}", std::fs::read_to_string(&log).unwrap());
    drop(server);
}

/// `OTEL_EXPORTER_OTLP_ENDPOINT`: the binary sends its traces over OTLP/HTTP (JSON) to a
/// collector; here a stand-in that keeps what it is sent. A request's span arrives with the
/// request's id (the one in its log lines and its `x-request-id` header), and the Cognito call
/// made inside it arrives as a span of its own in the same trace.
#[tokio::test]
async fn traces_reach_an_otlp_collector_with_the_request_id() {
    use std::sync::{Arc, Mutex};
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = got.clone();
    let collector = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let at = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, collector).await.unwrap() });

    let pool = create_pool(false).await;
    let log = std::env::temp_dir().join(format!("reset-otlp-{}.log", rand::random::<u32>()));
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", at.as_str()),
        ("OTEL_SERVICE_NAME", "reset-under-test"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let server = spawn_binary(&pool, &env, &log).await;
    let r = client()
        .post(format!("{}/api/sign-in", server.base))
        .header("Origin", &server.base)
        .header("Sec-Fetch-Site", "same-origin")
        .header("Accept", "application/json")
        .form(&[("username", "nobody-here"), ("password", "Wrong-Passw0rd!")])
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    // Every span received: (trace id, name, request_id attribute).
    let spans = |bodies: &[String]| -> Vec<(String, String, Option<String>)> {
        let mut out = vec![];
        for body in bodies {
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            for rs in v["resourceSpans"].as_array().into_iter().flatten() {
                for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                    for span in ss["spans"].as_array().into_iter().flatten() {
                        let request_id = span["attributes"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .find(|a| a["key"] == "request_id")
                            .and_then(|a| a["value"]["stringValue"].as_str())
                            .map(str::to_string);
                        out.push((
                            span["traceId"].as_str().unwrap_or("").to_string(),
                            span["name"].as_str().unwrap_or("").to_string(),
                            request_id,
                        ));
                    }
                }
            }
        }
        out
    };
    let mut seen = vec![];
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        seen = spans(&got.lock().unwrap());
        let trace = seen
            .iter()
            .find(|s| s.2.as_deref() == Some(id.as_str()))
            .map(|s| s.0.clone());
        if let Some(t) = trace {
            if seen.iter().filter(|s| s.0 == t).count() >= 3 {
                break;
            }
        }
    }
    let all = got.lock().unwrap().join("\n");
    assert!(
        all.contains("reset-under-test"),
        "the service's name: {all}"
    );
    let request = seen
        .iter()
        .find(|s| s.1 == "request" && s.2.as_deref() == Some(id.as_str()))
        .unwrap_or_else(|| panic!("the request's span with its id {id}: {seen:?}"));
    let in_it: Vec<&str> = seen
        .iter()
        .filter(|s| s.0 == request.0)
        .map(|s| s.1.as_str())
        .collect();
    // The server function's span and, inside it, the Cognito call's (`InitiateAuth`).
    assert!(
        in_it.contains(&"__server_sign_in") && in_it.contains(&"sign_in"),
        "the sign-in and its Cognito call in the request's trace: {in_it:?}"
    );
    assert!(!all.contains("Wrong-Passw0rd!"), "no password in a span");
    drop(server);
}
