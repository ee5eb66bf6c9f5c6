//! Running as many instances: health, readiness and metrics; sessions and rate limits shared
//! through Redis; Cognito or Redis down or slow; graceful shutdown on SIGTERM.

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::json;

const NEW_PW: &str = "New-Passw0rd!";

async fn text(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.get(path).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

// ---- Health, readiness, metrics -------------------------------------------------------------

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app(false).await;
    assert_eq!(text(&app, "/healthz").await, (200, "ok".into()));
    assert_eq!(text(&app, "/readyz").await, (200, "ready".into()));

    let user = random_user();
    confirmed_user(&app.pool, &user, "Old-Passw0rd!").await;
    // The registry is the process's: other tests in this binary count into it too.
    let forgot =
        "reset_cognito_request_duration_seconds_count{operation=\"ForgotPassword\",outcome=\"ok\"}";
    let before = metric(&app.get("/metrics").await.text().await.unwrap(), forgot);
    let r = app.call("reset/request", &[("username", &user)]).await;
    assert_eq!(r.status(), 200);
    let r = app
        .fresh()
        .call(
            "sign-in",
            &[("username", &user), ("password", "Wrong-Passw0rd!")],
        )
        .await;
    assert_eq!(r.status(), 401);

    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 200);
    assert!(r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("openmetrics-text"));
    let m = r.text().await.unwrap();
    for needle in [
        "reset_http_requests_total{route=\"/api/reset/request\",method=\"POST\",status=\"200\"}",
        "reset_http_requests_total{route=\"/api/sign-in\",method=\"POST\",status=\"401\"}",
        "reset_http_request_duration_seconds_bucket{",
        "reset_flow_outcomes_total{event=\"reset_requested\",outcome=\"ok\"}",
        "reset_flow_outcomes_total{event=\"sign_in\",outcome=\"WrongCredentials\"}",
        "reset_cognito_request_duration_seconds_count{operation=\"InitiateAuth\",outcome=\"error\"}",
    ] {
        assert!(m.contains(needle), "{needle} missing from\n{m}");
    }
    assert!(
        metric(&m, forgot) > before,
        "the ForgotPassword call was counted"
    );
    assert!(!m.contains(&user), "no usernames in metrics");
}

/// The value of the metric line that starts with `name` (0 when absent).
fn metric(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_and_readiness_can_be_kept_off_the_public_listener() {
    let pool = create_pool(false).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let ops_port = free_port();
    let settings = settings_for(
        &pool,
        port,
        &[("METRICS_ADDR", &format!("127.0.0.1:{ops_port}"))],
    );
    let options = server::leptos_options(&settings);
    let services = server::build(settings, options).await.unwrap();
    let ops: axum::Router = server::ops_router(services.ready.clone());
    let ops_listener = tokio::net::TcpListener::bind(("127.0.0.1", ops_port))
        .await
        .unwrap();
    tokio::spawn(server::serve(ops_listener, ops, Default::default()));
    tokio::spawn(server::serve(
        listener,
        server::router(services),
        Default::default(),
    ));
    let public = format!("http://127.0.0.1:{port}");
    let private = format!("http://127.0.0.1:{ops_port}");
    for path in ["/metrics", "/readyz"] {
        let r = reqwest::get(format!("{public}{path}")).await.unwrap();
        assert_eq!(r.status(), 404, "public {path}");
        let r = reqwest::get(format!("{private}{path}")).await.unwrap();
        assert_eq!(r.status(), 200, "ops {path}");
    }
    let r = reqwest::get(format!("{public}/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
}

// ---- Cognito down or slow -------------------------------------------------------------------

#[tokio::test]
async fn cognito_down_gives_a_503_page_and_not_ready_then_recovers() {
    let proxy = Proxy::start(moto_addr()).await;
    let pool = create_pool(false).await;
    let url = proxy.url();
    let app = spawn_on(&pool, &[("AWS_ENDPOINT_URL", url.as_str())]).await;
    let user = random_user();
    confirmed_user(&pool, &user, "Old-Passw0rd!").await;
    assert_eq!(text(&app, "/readyz").await.0, 200);

    proxy.down().await;
    let t = Instant::now();
    let r = app
        .fresh()
        .call("reset/request", &[("username", &user)])
        .await;
    assert_eq!(error_of(r).await, (503, json!("Unavailable")));
    let r = app
        .fresh()
        .post_form("/reset", "reset/request", &[("username", &user)])
        .await;
    assert_eq!(r.status(), 503);
    let body = r.text().await.unwrap();
    assert!(body.contains("Temporarily unavailable"), "{body}");
    assert!(body.contains("try again"), "{body}");
    assert!(t.elapsed() < Duration::from_secs(15));
    let (status, why) = text(&app, "/readyz").await;
    assert_eq!(status, 503);
    assert!(why.contains("Cognito"), "{why}");

    proxy.up().await;
    assert_eq!(text(&app, "/readyz").await.0, 200);
    let r = app
        .fresh()
        .call("reset/request", &[("username", &user)])
        .await;
    assert_eq!(r.status(), 200, "recovered");
}

#[tokio::test]
async fn slow_cognito_ends_within_the_configured_timeout_with_the_friendly_answer() {
    let proxy = Proxy::start(moto_addr()).await;
    let pool = create_pool(false).await;
    let url = proxy.url();
    let app = spawn_on(
        &pool,
        &[
            ("AWS_ENDPOINT_URL", url.as_str()),
            ("COGNITO_TIMEOUT_MS", "1000"),
            ("DESCRIBE_USER_POOL", "false"),
        ],
    )
    .await;
    proxy.delay(Duration::from_secs(30));
    let t = Instant::now();
    let r = app
        .fresh()
        .call("reset/request", &[("username", "someone")])
        .await;
    let took = t.elapsed();
    assert_eq!(error_of(r).await, (503, json!("Unavailable")));
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    let t = Instant::now();
    let r = app
        .fresh()
        .post_form("/reset", "reset/request", &[("username", "someone")])
        .await;
    assert_eq!(r.status(), 503);
    assert!(t.elapsed() < Duration::from_millis(2500));
}

// ---- Redis: shared sessions and limits, outages ---------------------------------------------

#[tokio::test]
async fn with_redis_a_flow_moves_between_instances_and_limits_hold_across_them() {
    let redis = start_redis();
    let pool = create_pool(false).await;
    let store = format!("redis://127.0.0.1:{}", redis.port);
    let env = [
        ("SESSION_STORE", store.as_str()),
        ("SERVER_SECRET", "shared-secret-shared-secret-shared-secret"),
        ("RATE_LIMIT_USER", "3/15m"),
    ];
    let a = spawn_on(&pool, &env).await;
    let b = spawn_on(&pool, &env).await;
    assert_eq!(text(&a, "/readyz").await.0, 200);

    // Started on A, finished on B (the cookie is the same for both: same host).
    let user = random_user();
    confirmed_user(&pool, &user, "Old-Passw0rd!").await;
    let c = client();
    let on = |app: &TestApp| TestApp {
        base: app.base.clone(),
        pool: pool.clone(),
        client: c.clone(),
        sessions: None,
    };
    let r = on(&a).call("reset/request", &[("username", &user)]).await;
    assert_eq!(location(&r), "/reset/confirm");
    let page = on(&b).page("/reset/confirm").await;
    assert!(page.contains("We sent a code"), "B sees A's session");
    let code = latest_code(&pool, &user).await.unwrap();
    let r = on(&b).confirm(code.as_str(), NEW_PW).await;
    assert_eq!(location(&r), "/sign-in");
    // The code's email link, opened through A, knows B used it.
    let r = client()
        .get(format!("{}/reset/link", a.base))
        .query(&[("u", user.as_str()), ("c", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/reset/link/used", "the used mark is shared");

    // Three attempts through A use up the user's allowance on B too.
    let limited = random_user();
    for _ in 0..3 {
        let r = a
            .fresh()
            .call(
                "sign-in",
                &[("username", &limited), ("password", "X-Passw0rd!1")],
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    let r = b
        .fresh()
        .call(
            "sign-in",
            &[("username", &limited), ("password", "X-Passw0rd!1")],
        )
        .await;
    assert_eq!(r.status(), 429, "the limit reached through A holds on B");
    assert!(r.headers().contains_key("retry-after"));
}

/// ElastiCache with encryption in transit and AUTH (the reference deployment): `rediss://` is
/// TLS for real (checked against the CA in `SSL_CERT_FILE`), the password is sent, sessions
/// work, and neither the password nor the URL reaches a log line. A plain-text URL or a wrong
/// password is not ready.
#[tokio::test]
async fn rediss_is_tls_with_the_password_and_sessions_work_through_it() {
    let _ = spawn_app(false).await; // moto and the environment
    const TOKEN: &str = "auth-token-3f9d1c0b7a";
    let redis = start_tls_redis(TOKEN);
    let pool = create_pool(false).await;
    let ca = redis.ca.to_string_lossy().into_owned();
    let log = std::env::temp_dir().join(format!("reset-tls-{}.log", rand::random::<u32>()));
    let store = format!("rediss://:{TOKEN}@127.0.0.1:{}/0", redis.port);
    let bin = spawn_binary(
        &pool,
        &[("SESSION_STORE", &store), ("SSL_CERT_FILE", &ca)],
        &log,
    )
    .await;
    let app = TestApp {
        base: bin.base.clone(),
        pool: pool.clone(),
        client: client(),
        sessions: None,
    };
    // The first connection (TLS handshake, AUTH) may still be under way.
    let mut ready = text(&app, "/readyz").await;
    for _ in 0..20 {
        if ready.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        ready = text(&app, "/readyz").await;
    }
    assert_eq!(ready, (200, "ready".into()));
    let user = random_user();
    confirmed_user(&pool, &user, "Old-Passw0rd!").await;
    let r = app.call("reset/request", &[("username", &user)]).await;
    assert_eq!(location(&r), "/reset/confirm");
    assert!(
        app.page("/reset/confirm").await.contains("We sent a code"),
        "the session was kept in Redis"
    );
    drop(bin);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        !logged.contains(TOKEN) && !logged.contains("rediss://"),
        "{logged}"
    );

    let readiness = |store: String, ca: String| {
        let (pool, log) = (pool.clone(), log.clone());
        async move {
            let env = [
                ("SESSION_STORE", store.as_str()),
                ("SSL_CERT_FILE", ca.as_str()),
            ];
            let bin = spawn_binary(&pool, &env, &log).await;
            let app = TestApp {
                base: bin.base.clone(),
                pool,
                client: client(),
                sessions: None,
            };
            text(&app, "/readyz").await.0
        }
    };
    let port = redis.port;
    // Plain text to the TLS port, a wrong password, and a CA the app does not trust.
    let plain = format!("redis://:{TOKEN}@127.0.0.1:{port}/0");
    assert_eq!(readiness(plain, ca.clone()).await, 503);
    let wrong = format!("rediss://:wrong-token@127.0.0.1:{port}/0");
    assert_eq!(readiness(wrong, ca.clone()).await, 503);
    let system_cas = "/etc/ssl/certs/ca-certificates.crt".to_string();
    assert_eq!(
        readiness(store, system_cas).await,
        503,
        "a certificate from an unknown CA is refused"
    );
}

#[tokio::test]
async fn redis_down_gives_a_503_and_not_ready_then_recovers() {
    let redis = start_redis();
    let proxy = Proxy::start(format!("127.0.0.1:{}", redis.port).parse().unwrap()).await;
    let pool = create_pool(false).await;
    let store = format!("redis://127.0.0.1:{}", proxy.port);
    let app = spawn_on(&pool, &[("SESSION_STORE", store.as_str())]).await;
    let user = random_user();
    confirmed_user(&pool, &user, "Old-Passw0rd!").await;
    let r = app.call("reset/request", &[("username", &user)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(text(&app, "/readyz").await.0, 200);

    proxy.down().await;
    let t = Instant::now();
    let (status, why) = text(&app, "/readyz").await;
    assert_eq!(status, 503);
    assert!(why.contains("Redis"), "{why}");
    // A page that needs the session, with JS off and on.
    let r = app.get("/reset/confirm").await;
    assert_eq!(r.status(), 503);
    let body = r.text().await.unwrap();
    assert!(body.contains("temporarily unavailable"), "{body}");
    let r = app
        .fresh()
        .call("reset/request", &[("username", &user)])
        .await;
    assert_eq!(error_of(r).await, (503, json!("Unavailable")));
    let r = app
        .fresh()
        .post_form("/reset", "reset/request", &[("username", &user)])
        .await;
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("Temporarily unavailable"));
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "no hang: {:?}",
        t.elapsed()
    );

    proxy.up().await;
    let mut ready = false;
    for _ in 0..50 {
        if text(&app, "/readyz").await.0 == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "ready again once Redis is back");
    let r = app
        .fresh()
        .call("reset/request", &[("username", &user)])
        .await;
    assert_eq!(r.status(), 200, "recovered");
}

// ---- Graceful shutdown ----------------------------------------------------------------------

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_then_exits_0() {
    let _ = spawn_app(false).await; // moto and the environment
    let pool = create_pool(false).await;
    let log = std::env::temp_dir().join(format!("reset-term-{}.log", rand::random::<u32>()));
    let mut bin = spawn_binary(&pool, &[("RESET_MIN_RESPONSE_MS", "1500")], &log).await;
    let base = bin.base.clone();
    let in_flight = tokio::spawn({
        let base = base.clone();
        async move {
            client()
                .post(format!("{base}/api/reset/request"))
                .header("Accept", "application/json")
                .header("Sec-Fetch-Site", "same-origin")
                .form(&[("username", "someone")])
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let pid = bin.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // No new connections once shutdown began.
    assert!(
        reqwest::Client::new()
            .get(format!("{base}/healthz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_err(),
        "refused after SIGTERM"
    );
    assert_eq!(
        in_flight.await.unwrap().unwrap(),
        200,
        "the request in flight finished"
    );
    let mut status = None;
    for _ in 0..50 {
        if let Some(s) = bin.child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = status.expect("exited within 5 s");
    assert!(status.success(), "exit code 0, got {status:?}");
    let _ = std::fs::remove_file(&log);
}
