//! The findings of the outside review (probes as a new user, then as an attacker, all on
//! 127.0.0.1), one test each: every one failed on the code before the fix.

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PW: &str = "Old-Passw0rd!";

fn memory(app: &TestApp) -> server::store::MemoryStore {
    match app.sessions.clone() {
        Some(server::store::Backend::Memory(m)) => m,
        _ => panic!("an in-process app with the memory store"),
    }
}

/// The size (JSON bytes) of the record the response's session cookie names, if it is stored.
async fn stored_record(app: &TestApp, r: &reqwest::Response) -> Option<usize> {
    use tower_sessions::SessionStore;
    let cookie = header(r, "set-cookie");
    let id = cookie.split(';').next()?.split_once('=')?.1;
    let record = memory(app).load(&id.parse().ok()?).await.ok()??;
    Some(serde_json::to_vec(&record.data).unwrap().len())
}

// ---- 1. Anonymous memory growth -----------------------------------------------------------

#[tokio::test]
async fn large_bodies_are_refused_and_error_records_stay_small_and_bounded_per_client() {
    let app = spawn_app_with(false, &[("RATE_LIMIT_IP", "5/15m")]).await;
    let huge = "u".repeat(1024 * 1024);

    // A 1 MB username: 413 before any session exists, with a page or with JSON.
    let r = app
        .fresh()
        .post_form("/reset", "reset/request", &[("username", &huge)])
        .await;
    assert_eq!(r.status(), 413);
    assert!(header(&r, "set-cookie").is_empty(), "no session for it");
    let page = r.text().await.unwrap();
    assert!(page.contains("What you entered is too long."), "{page}");
    assert!(page.contains("href=\"/reset\""), "a way back to the form");
    let r = app
        .fresh()
        .call("reset/request", &[("username", &huge)])
        .await;
    assert!(
        header(&r, "set-cookie").is_empty(),
        "nothing stored for refused bodies"
    );
    assert_eq!(error_of(r).await, (413, json!("TooLarge")));

    // A long username that fits the body limit: kept, but only Cognito's 128 characters.
    let long = "v".repeat(20_000);
    let c = app.fresh();
    let r = c
        .post_form("/reset", "reset/request", &[("username", &long)])
        .await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/reset".into()));
    let size = stored_record(&app, &r).await.expect("the error is kept");
    assert!(size < 1024, "the record holds {size} bytes");
    let form = c.page("/reset").await;
    assert!(form.contains(&format!("value=\"{}\"", "v".repeat(128))));

    // A client without a session creates at most its per-IP allowance of records; past it
    // the error is answered with a page of its own and nothing is kept.
    let (mut statuses, mut kept) = (vec![], vec![]);
    for _ in 0..8 {
        let r = app
            .fresh()
            .post_form("/reset", "reset/request", &[("username", "")])
            .await;
        statuses.push(r.status().as_u16());
        kept.push(stored_record(&app, &r).await.is_some());
    }
    // (The long username above used one of the five; its record went when the form read it.)
    assert_eq!(statuses, vec![303, 303, 303, 303, 400, 400, 400, 400]);
    assert_eq!(
        kept.iter().filter(|k| **k).count(),
        4,
        "bounded per client: {kept:?}"
    );
    let r = app
        .fresh()
        .post_form("/reset", "reset/request", &[("username", "")])
        .await;
    assert!(r.text().await.unwrap().contains("Enter your username."));
}

// ---- 2. Open redirect ---------------------------------------------------------------------

#[tokio::test]
async fn the_language_switch_only_goes_back_to_the_apps_own_pages() {
    let app = spawn_app(false).await;
    let back = |q: &str| {
        let url = format!("{}/language/fr?back={q}", app.base);
        let c = client();
        async move { location(&c.get(url).send().await.unwrap()) }
    };
    for evil in [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "//evil.example",
        "/%2F/evil.example",
        "%2F%2Fevil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "https:evil.example",
        "/reset/../..//evil.example",
        "/reset%09",
        "/reset?x=//evil.example",
        "",
    ] {
        assert_eq!(back(evil).await, "/", "{evil:?}");
    }
    assert_eq!(back("/reset").await, "/reset");
    assert_eq!(back("/account/password").await, "/account/password");
    assert_eq!(back("/no-such-page").await, "/");
}

// ---- 3. Enumeration by the shape of the destination ---------------------------------------

/// A pool that recovers accounts by email: moto then answers a real user with `s***@e***`
/// and an unknown one with the unmasked-looking `<username>@h***.com`.
async fn email_recovery_pool() -> Pool {
    create_pool_with(
        false,
        json!({"AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Name": "verified_email", "Priority": 1}]}}),
    )
    .await
}

#[tokio::test]
async fn real_and_unknown_users_see_the_same_destination_even_to_someone_who_knows_the_address() {
    let pool = email_recovery_pool().await;
    let app = spawn_on(
        &pool,
        &[
            ("RATE_LIMIT_USER", "100/1m"),
            ("RATE_LIMIT_IP", "1000/1m"),
            ("RATE_LIMIT_GLOBAL", "1000/1s"),
        ],
    )
    .await;
    // Many users, real and unknown, with plain usernames (the harness gives each an email of
    // its own, unlike its username) and usernames that are their address.
    let mut seen = vec![];
    for known in [true, false] {
        for i in 0..10 {
            let plain = random_user();
            let address = format!("{}@w{i}mail.example", random_user());
            for name in [plain, address] {
                if known && name.contains('@') {
                    // A username that is the address (its email the same address).
                    moto_call(
                        "AdminCreateUser",
                        json!({"UserPoolId": app.pool.id, "Username": name,
                               "MessageAction": "SUPPRESS", "TemporaryPassword": "Temp-Passw0rd!",
                               "UserAttributes": [{"Name": "email", "Value": name},
                                                  {"Name": "email_verified", "Value": "true"}]}),
                    )
                    .await;
                    moto_call(
                        "AdminSetUserPassword",
                        json!({"UserPoolId": app.pool.id, "Username": name, "Password": PW, "Permanent": true}),
                    )
                    .await;
                } else if known {
                    confirmed_user(&app.pool, &name, PW).await;
                }
                let c = app.fresh();
                let r = c.call("reset/request", &[("username", &name)]).await;
                assert_eq!(r.status(), 200, "{name} {known}: {:?}", r.text().await);
                let page = c.page("/reset/confirm").await;
                let start = page.find("id=\"delivery\"").expect("the delivery line");
                let text = &page[start..];
                let text =
                    text[text.find('>').unwrap() + 1..text.find("</p>").unwrap()].to_string();
                seen.push((known, name, text));
            }
        }
    }
    for (known, name, text) in &seen {
        if let Some((local, domain)) = name.split_once('@') {
            // The mask comes from what was typed: the same for a real and an unknown account,
            // and nothing an attacker who knows the address could check it against.
            let mask = format!(
                "{}***@{}***",
                local.chars().next().unwrap(),
                domain.chars().next().unwrap()
            );
            assert!(text.contains(&mask), "known={known} {name}: {text}");
        } else {
            assert!(
                text.contains("We sent a code by email to the address on your account."),
                "known={known} {name}: {text}"
            );
            assert!(!text.contains("***"), "no letters of any address: {text}");
        }
    }
}

// ---- 4. Lockout ---------------------------------------------------------------------------

async fn sign_in_from(c: &reqwest::Client, base: &str, ip: &str, user: &str, pw: &str) -> u16 {
    c.post(format!("{base}/api/sign-in"))
        .header("Accept", "application/json")
        .header("Sec-Fetch-Site", "same-origin")
        .header("X-Forwarded-For", ip)
        .form(&[("username", user), ("password", pw)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_attacker_cannot_lock_a_user_out_from_elsewhere() {
    let app = spawn_app_with(
        false,
        &[
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("RATE_LIMIT_USER", "3/15m"),
            ("RATE_LIMIT_USER_CEILING", "6/15m"),
        ],
    )
    .await;
    let user = random_user();
    confirmed_user(&app.pool, &user, PW).await;
    let base = app.base.as_str();
    // The user signs in at home: this browser gets a device cookie.
    let home = client();
    assert_eq!(
        sign_in_from(&home, base, "198.51.100.1", &user, PW).await,
        200
    );
    assert_eq!(
        sign_in_from(&home, base, "198.51.100.1", &user, "X").await,
        401
    );

    // The attacker guesses from one address and is held there.
    let attacker = client();
    let mut got = vec![];
    for _ in 0..4 {
        got.push(sign_in_from(&attacker, base, "203.0.113.9", &user, "Guess-1!").await);
    }
    assert_eq!(got, vec![401, 401, 401, 429]);

    // The user, from another address and another browser, still signs in.
    assert_eq!(
        sign_in_from(&client(), base, "192.0.2.44", &user, PW).await,
        200
    );

    // Guesses from many addresses reach the per-user ceiling (6): then browsers that never
    // signed in as the user are held, wherever they are...
    for i in 0..3 {
        sign_in_from(
            &client(),
            base,
            &format!("203.0.113.{}", 20 + i),
            &user,
            "G!",
        )
        .await;
    }
    assert_eq!(
        sign_in_from(&client(), base, "192.0.2.45", &user, PW).await,
        429
    );
    // ...but the browser the user signed in with before keeps its own allowance.
    assert_eq!(
        sign_in_from(&home, base, "198.51.100.2", &user, PW).await,
        200
    );
}

// ---- 5. Page-cache poisoning --------------------------------------------------------------

#[tokio::test]
async fn an_odd_first_request_does_not_change_what_the_next_visitor_gets() {
    let app = spawn_app(false).await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str, accept: &str| {
        plain
            .get(format!("{}{path}", app.base))
            .header("Accept", accept)
            .send()
    };
    // The account page, anonymous, with unusual Accept headers first...
    for accept in ["*/*", "application/json", "text/plain"] {
        let _ = get("/account", accept).await.unwrap();
    }
    // ...then a browser without JavaScript is still sent to sign in.
    for _ in 0..2 {
        let r = get("/account", "text/html").await.unwrap();
        assert!(r.status().is_redirection(), "{}", r.status());
        assert_eq!(location(&r), "/sign-in");
    }
    // A public page asked for with another Accept is not served to browsers as is.
    let odd = get("/reset", "application/json").await.unwrap();
    let odd_type = header(&odd, "content-type");
    let r = get("/reset", "text/html").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        header(&r, "content-type").starts_with("text/html"),
        "{odd_type}"
    );
    assert!(r.text().await.unwrap().contains("id=\"username\""));
}

// ---- 6. Error pages in the app's shell, every stylesheet there ----------------------------

fn stylesheets(html: &str) -> Vec<String> {
    html.split("<link")
        .skip(1)
        .filter(|l| l.contains("stylesheet"))
        .filter_map(|l| l.split("href=\"").nth(1))
        .filter_map(|l| l.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn every_page_and_error_page_is_styled_by_stylesheets_that_answer() {
    let app = spawn_app_with(false, &[("RATE_LIMIT_USER", "1/15m")]).await;
    let mut pages: Vec<(String, u16, String)> = vec![];
    for path in [
        "/",
        "/reset",
        "/sign-in",
        "/reset/confirm",
        "/new-password",
        "/no-such-page",
    ] {
        let r = app.fresh().get(path).await;
        pages.push((path.into(), r.status().as_u16(), r.text().await.unwrap()));
    }
    // 403: a cross-site post.
    let r = client()
        .post(format!("{}/api/reset/request", app.base))
        .header("Accept", "text/html")
        .header("Origin", "https://evil.example")
        .form(&[("username", "x")])
        .send()
        .await
        .unwrap();
    pages.push(("403".into(), r.status().as_u16(), r.text().await.unwrap()));
    // 413: too large.
    let r = app
        .fresh()
        .post_form(
            "/reset",
            "reset/request",
            &[("username", &"x".repeat(70_000))],
        )
        .await;
    pages.push(("413".into(), r.status().as_u16(), r.text().await.unwrap()));
    // 429: the second request for one user.
    let user = random_user();
    for _ in 0..2 {
        let r = app
            .fresh()
            .post_form("/reset", "reset/request", &[("username", &user)])
            .await;
        if r.status() == 429 {
            pages.push(("429".into(), 429, r.text().await.unwrap()));
        }
    }
    let statuses: Vec<u16> = pages.iter().map(|p| p.1).collect();
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 404, 403, 413, 429]);
    for (what, _, html) in &pages {
        assert!(
            html.contains("class=\"site-header\""),
            "{what}: in the shell"
        );
        let sheets = stylesheets(html);
        assert!(!sheets.is_empty(), "{what}: no stylesheet");
        for href in sheets {
            let r = client()
                .get(format!("{}{href}", app.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{what}: {href}");
            assert!(header(&r, "content-type").starts_with("text/css"), "{href}");
        }
        if what.len() == 3 {
            // Nothing to hydrate: no app bundle (Leptos' inline bootstrap data may remain).
            assert!(
                !html.contains(".wasm") && !html.contains(".js\""),
                "{what}: an error page loads no app code: {html}"
            );
            assert!(html.contains("id=\"error-summary\""), "{what}");
        }
    }
}

// ---- 8. Timeouts and the connection limit -------------------------------------------------

/// Reads until the server closes the connection (or `limit` passes); what it sent and when it
/// closed.
async fn read_until_closed(s: &mut tokio::net::TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut out = vec![];
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), s.read(&mut buf)).await
        {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => panic!("still open after {limit:?}"),
        }
    }
    (
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    )
}

async fn connect(app: &TestApp) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

#[tokio::test]
async fn slow_idle_and_short_bodied_connections_are_closed_in_time() {
    let app = spawn_app_with(
        false,
        &[
            ("HTTP_HEADER_TIMEOUT_SECS", "1"),
            ("HTTP_BODY_TIMEOUT_SECS", "1"),
        ],
    )
    .await;
    let limit = Duration::from_secs(4);
    // Connected, nothing sent.
    let mut s = connect(&app).await;
    let (_, took) = read_until_closed(&mut s, limit).await;
    assert!(took >= Duration::from_millis(900), "{took:?}");
    // Headers that never end.
    let mut s = connect(&app).await;
    s.write_all(b"GET /reset HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
        .await
        .unwrap();
    read_until_closed(&mut s, limit).await;
    // Idle after an answered request (keep-alive).
    let mut s = connect(&app).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut s, limit).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A body shorter than it said: 408 within the body timeout.
    let mut s = connect(&app).await;
    s.write_all(
        b"POST /api/reset/request HTTP/1.1\r\nHost: x\r\nSec-Fetch-Site: same-origin\r\n\
          Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 100\r\n\r\nusername=a",
    )
    .await
    .unwrap();
    let (answer, took) = read_until_closed(&mut s, limit).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn connections_past_the_limit_are_closed_at_once() {
    let app = spawn_app_with(
        false,
        &[("MAX_CONNECTIONS", "3"), ("HTTP_HEADER_TIMEOUT_SECS", "2")],
    )
    .await;
    let mut held = vec![];
    for _ in 0..3 {
        held.push(connect(&app).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = connect(&app).await;
    let (_, took) = read_until_closed(&mut extra, Duration::from_secs(1)).await;
    assert!(
        took < Duration::from_millis(500),
        "closed at once: {took:?}"
    );
    // Once the idle ones are gone, the server takes connections again.
    for s in &mut held {
        read_until_closed(s, Duration::from_secs(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(r.status(), 200);
}

/// The session id a response sets, if any.
fn sid_of(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sid="))
        .map(|c| c[4..].split(';').next().unwrap().to_string())
}

/// A session made by a failed no-JS post (it keeps its error): its id.
async fn planted_session(app: &TestApp, plain: &reqwest::Client) -> String {
    let r = plain
        .post(format!("{}/api/sign-in", app.base))
        .header("Accept", "text/html")
        .header("Origin", &app.base)
        .form(&[("username", ""), ("password", "")])
        .send()
        .await
        .unwrap();
    sid_of(&r).expect("a session for the error")
}

/// A connection from another loopback address (127.0.0.2: another client to the server).
async fn connect_from(app: &TestApp, from: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let to = app.base.trim_start_matches("http://").parse().unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test]
async fn one_client_cannot_hold_every_connection() {
    let app = spawn_app_with(
        false,
        &[
            ("MAX_CONNECTIONS", "20"),
            ("MAX_CONNECTIONS_PER_CLIENT", "3"),
            ("HTTP_HEADER_TIMEOUT_SECS", "5"),
        ],
    )
    .await;
    let mut held = vec![];
    for _ in 0..3 {
        held.push(connect_from(&app, "127.0.0.2").await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = connect_from(&app, "127.0.0.2").await;
    let (_, took) = read_until_closed(&mut extra, Duration::from_secs(1)).await;
    assert!(
        took < Duration::from_millis(500),
        "closed at once: {took:?}"
    );
    // Everyone else is still served while that client holds its three.
    let r = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    drop(held);
}

#[tokio::test]
async fn opening_this_wasnt_me_gives_a_new_session_id() {
    let app = spawn_app(false).await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // A session exists first (a failed no-JS post keeps its error): an attacker's, planted.
    let before = planted_session(&app, &plain).await;
    let r = plain
        .get(format!("{}/not-me/link?t=some-token", app.base))
        .header("Cookie", format!("sid={before}"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/not-me");
    let after = sid_of(&r).expect("a new id when the link is opened");
    assert_ne!(before, after);
}

// ---- 9. Session fixation at reset start ---------------------------------------------------

#[tokio::test]
async fn starting_a_reset_gives_the_browser_a_new_session_id() {
    let app = spawn_app(false).await;
    let user = random_user();
    confirmed_user(&app.pool, &user, PW).await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // A session exists first (a failed no-JS post keeps its error).
    let before = planted_session(&app, &plain).await;
    let r = plain
        .post(format!("{}/api/reset/request", app.base))
        .header("Accept", "application/json")
        .header("Origin", &app.base)
        .header("Cookie", format!("sid={before}"))
        .form(&[("username", user.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/reset/confirm");
    let after = sid_of(&r).expect("a new id when the reset starts");
    assert_ne!(before, after);
    let page = |id: String| {
        plain
            .get(format!("{}/reset/confirm", app.base))
            .header("Cookie", format!("sid={id}"))
            .send()
    };
    let old = page(before).await.unwrap().text().await.unwrap();
    assert!(!old.contains("We sent a code"), "the old id holds no reset");
    let new = page(after).await.unwrap().text().await.unwrap();
    assert!(new.contains("We sent a code"), "{new}");
}

// ---- 10. Current-password guesses ---------------------------------------------------------

#[tokio::test]
async fn current_password_guesses_on_change_password_are_limited() {
    let app = spawn_app_with(false, &[("RATE_LIMIT_USER", "3/15m")]).await;
    app.signed_in_user(PW).await;
    let mut got = vec![];
    for i in 0..4 {
        let r = app
            .call(
                "account/password",
                &[
                    ("current_password", format!("Guess-{i}-Passw0rd!").as_str()),
                    ("new_password", "Third-Passw0rd!"),
                    ("confirm_password", "Third-Passw0rd!"),
                ],
            )
            .await;
        got.push(r.status().as_u16());
    }
    assert_eq!(got, vec![401, 401, 401, 429]);
}

// ---- 11. An exception the app does not know -----------------------------------------------

/// A stand-in for Cognito on 127.0.0.1 that answers every call with an exception no version
/// of the app knows.
async fn unknown_exception_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                break;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                let body = r#"{"__type":"BrandNewException","message":"about someone"}"#;
                let answer = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\n\
                     x-amzn-ErrorType: BrandNewException\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_unknown_exception_on_sign_in_is_service_unavailable_with_javascript() {
    let endpoint = unknown_exception_endpoint().await;
    let app = spawn_app_with(
        false,
        &[
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("DESCRIBE_USER_POOL", "false"),
        ],
    )
    .await;
    let r = app
        .call("sign-in", &[("username", "someone"), ("password", PW)])
        .await;
    assert_eq!(error_of(r).await, (503, json!("Unavailable")));
}
