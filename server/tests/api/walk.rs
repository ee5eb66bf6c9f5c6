//! The route walk: every route and server function the router knows (`server::every_route`,
//! built from the same lists as the router), requested anonymously with an oversized value in
//! every field and query parameter, with JavaScript on and off. No answer may be a 5xx, every
//! record left in the store must be small, and one client may create no more records than its
//! allowance. A route added without these properties fails here, whoever forgets what.

use crate::common::*;

/// What all the fields of one post may hold together: just within the body limit, so that
/// every post reaches its handler (each field then holds more than any bound lets be kept).
const BODY: usize = server::security::MAX_BODY - 2 * 1024;
/// A query parameter far over any bound (the reset link's username and code, the not-me
/// token, the language switch's way back).
const QUERY_HUGE: usize = 8_000;
/// The most an anonymous record may hold (a kept error with its fields, at most 1 536 bytes of
/// them; a link's token).
const ANONYMOUS_RECORD: usize = 2 * 1024;

/// What the walk is run with: choice-based sign-in and passkeys on (their routes do work
/// instead of saying "off"), a brand colour (its route exists), "This wasn't me" acting.
fn settings(ip_limit: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("SIGN_IN_FLOW", "choice"),
        ("DESCRIBE_USER_POOL", "false"),
        ("POOL_FEATURES", "optional,totp,passkeys"),
        ("BRAND_COLOR", "#0b5cad"),
        ("RATE_LIMIT_IP", ip_limit),
        ("RATE_LIMIT_USER", "100000/15m"),
    ]
}

fn memory(app: &TestApp) -> server::store::MemoryStore {
    match app.sessions.clone() {
        Some(server::store::Backend::Memory(m)) => m,
        _ => panic!("an in-process app with the memory store"),
    }
}

/// The field names a page's forms carry (`name="…"`).
fn form_fields(html: &str) -> Vec<String> {
    html.split("name=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|n| !n.is_empty() && n.len() <= 64)
        .map(str::to_string)
        .collect()
}

/// A route's pattern with each `{param}` filled with something long.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                "z".repeat(300)
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every route once, anonymous (a new client each time): GETs with every query parameter
/// oversized, other methods with every known field oversized, as a form post without
/// JavaScript and as an island's call. Returns what answered 5xx.
async fn walk(app: &TestApp, routes: &[(String, http::Method)]) -> Vec<String> {
    let mut fields: Vec<String> = app::paths::field::ALL
        .iter()
        .map(|f| f.to_string())
        .collect();
    for (path, method) in routes {
        if method == http::Method::GET && app::paths::PAGES.contains(&path.as_str()) {
            fields.extend(form_fields(
                &app.fresh().get(path).await.text().await.unwrap(),
            ));
        }
    }
    fields.sort();
    fields.dedup();
    // Each field as long as the body allows (over 2 000 characters: more than any bound).
    let each = BODY / fields.len() - fields.iter().map(String::len).max().unwrap_or(0) - 2;
    assert!(
        each > 2_000,
        "{} fields leave {each} characters each",
        fields.len()
    );
    let huge = "x".repeat(each);
    let form: Vec<(&str, &str)> = fields.iter().map(|f| (f.as_str(), huge.as_str())).collect();
    let q = "y".repeat(QUERY_HUGE);
    let query = format!("?u={q}&c={q}&t={q}&back=/{q}&resent={q}");
    let mut failures = vec![];
    for (pattern, method) in routes {
        let url = format!("{}{}", app.base, concrete(pattern));
        let asks: Vec<reqwest::RequestBuilder> = if method == http::Method::GET {
            ["text/html", "application/json"]
                .iter()
                .map(|accept| {
                    client()
                        .get(format!("{url}{query}"))
                        .header("Accept", *accept)
                })
                .collect()
        } else {
            let page = format!("{}/reset", app.base);
            vec![
                client()
                    .request(method.clone(), &url)
                    .header("Accept", "text/html,application/xhtml+xml")
                    .header("Referer", page)
                    .header("Origin", &app.base)
                    .form(&form),
                client()
                    .request(method.clone(), &url)
                    .header("Accept", "application/json")
                    .header("Sec-Fetch-Site", "same-origin")
                    .header("Origin", &app.base)
                    .form(&form),
            ]
        };
        for ask in asks {
            let r = ask.send().await.unwrap();
            if r.status().is_server_error() {
                failures.push(format!("{method} {pattern}: {}", r.status()));
            }
            // A post refused for its size never reached its handler: the walk would prove
            // nothing about it.
            if r.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
                failures.push(format!(
                    "{method} {pattern}: 413, the walk's body is too large"
                ));
            }
        }
    }
    failures
}

#[tokio::test]
async fn every_route_anonymous_and_oversized_answers_4xx_and_stores_little() {
    let extra = settings("100000/15m");
    let app = spawn_app_with(false, &extra).await;
    let routes = server::every_route(&settings_for(&app.pool, 0, &extra));
    // The walk covers what the router serves: the pages, the server functions, the links.
    for must in [
        "/reset/link",
        "/not-me/link",
        "/api/sign-in/passkey/options",
        "/api/sign-in/passkey",
        "/sign-in",
    ] {
        assert!(
            routes.iter().any(|(p, _)| p == must),
            "{must} in {routes:?}"
        );
    }
    let store = memory(&app);
    let failures = walk(&app, &routes).await;
    assert!(failures.is_empty(), "5xx answers: {failures:#?}");
    let sizes = store.sizes().await;
    let largest = sizes.iter().map(|(_, b)| *b).max().unwrap_or(0);
    assert!(
        largest <= ANONYMOUS_RECORD,
        "an anonymous record of {largest} bytes (of {} records)",
        sizes.len()
    );
    assert!(store.created() > 0, "the walk did create records");
}

#[tokio::test]
async fn one_client_walking_every_route_creates_no_more_records_than_its_allowance() {
    let extra = settings("6/15m");
    let app = spawn_app_with(false, &extra).await;
    let routes = server::every_route(&settings_for(&app.pool, 0, &extra));
    let store = memory(&app);
    let before = store.created();
    for _ in 0..2 {
        let failures = walk(&app, &routes).await;
        assert!(failures.is_empty(), "5xx answers: {failures:#?}");
    }
    let created = store.created() - before;
    assert!(
        created <= 6,
        "one client created {created} records with an allowance of 6"
    );
}

#[tokio::test]
async fn a_form_address_opened_in_the_browser_is_its_page() {
    // A reload of the page a post was answered with (the wait page), a bookmark or a shared
    // link: the form's page, not the browser's 405. Every server function the router has,
    // found from the router's own list.
    let extra = settings("100000/15m");
    let app = spawn_app_with(false, &extra).await;
    let routes = server::every_route(&settings_for(&app.pool, 0, &extra));
    let posts: Vec<&String> = routes
        .iter()
        .filter(|(p, m)| p.starts_with("/api/") && m == http::Method::POST)
        .map(|(p, _)| p)
        .collect();
    assert!(posts.len() > 20, "{posts:?}");
    for path in posts {
        let page = server::form_page(path);
        assert_ne!(
            page,
            app::paths::HOME,
            "{path} has no form page in form_page"
        );
        let r = client()
            .get(format!("{}{path}?x=1", app.base))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), http::StatusCode::SEE_OTHER, "GET {path}");
        assert_eq!(r.headers()["location"], page, "GET {path}");
        assert!(app::paths::PAGES.contains(&page), "{page}");
        let shown = client()
            .get(format!("{}{page}", app.base))
            .send()
            .await
            .unwrap();
        // The page itself (its state may be an error: no reset in progress, not signed in).
        let (status, html) = (shown.status(), shown.text().await.unwrap());
        assert!(
            !status.is_server_error() && status != 405,
            "{page}: {status}"
        );
        assert!(html.contains("<main"), "{page}: {html}");
    }
}
