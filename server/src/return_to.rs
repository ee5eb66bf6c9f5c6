//! Where a user goes when done: "Continue to …" leads to the operator's app (`APP_URL`), or to
//! the `return_to` the browser arrived with when it is on an allowed origin
//! (`RETURN_TO_ORIGINS`). A GET of any page with a `return_to` keeps it in a cookie of its
//! own (nothing is stored on the server: an anonymous visitor's `return_to` costs no memory),
//! and every render reads it back and checks it again.

use std::sync::Arc;

use app::{config::OperatorApp, ContinueTo};
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::Response,
};

use crate::security::Guard;

/// The cookie that holds an accepted `return_to` (for an hour).
pub const COOKIE: &str = "return_to";

/// The `return_to` query parameter of `query`, decoded.
fn asked(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v.into_owned())
}

/// A GET with an allowed `return_to` sets the cookie (an unknown one changes nothing, so a
/// crafted link cannot take away a good one).
pub async fn remember(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let target = match (&guard.app, req.method()) {
        (Some(app), &Method::GET) => asked(req.uri().query()).and_then(|r| app.return_target(&r)),
        _ => None,
    };
    let mut res = next.run(req).await;
    if let Some(t) = target {
        let value: String = url::form_urlencoded::byte_serialize(t.as_bytes()).collect();
        let cookie = format!(
            "{COOKIE}={value}; Path=/; Max-Age=3600; SameSite=Lax; HttpOnly{}",
            if guard.secure_cookies { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Where "Continue to …" leads for the request `parts`: the cookie's `return_to`, checked
/// again, else the app's address.
pub fn continue_to(app: &OperatorApp, parts: Option<&http::request::Parts>) -> ContinueTo {
    let kept = parts
        .into_iter()
        .flat_map(|p| p.headers.get_all(header::COOKIE))
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .and_then(|(_, v)| asked(Some(&format!("return_to={v}"))))
        .and_then(|raw| app.return_target(&raw));
    ContinueTo {
        name: app.name.as_str().into(),
        url: kept.unwrap_or_else(|| app.url.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> OperatorApp {
        OperatorApp {
            name: "Example Corp".into(),
            url: "https://app.example.com/home".into(),
            origins: vec![
                "https://app.example.com".into(),
                "http://localhost:3000".into(),
            ],
        }
    }

    #[test]
    fn only_allowed_origins_are_followed() {
        let a = app();
        for ok in [
            "https://app.example.com/",
            "https://app.example.com/deep/path?x=1#frag",
            "HTTPS://APP.EXAMPLE.COM/x",
            "https://app.example.com:443/x",
            "http://localhost:3000/after",
        ] {
            assert!(a.return_target(ok).is_some(), "{ok}");
        }
        // The open-redirect tricks: other hosts however written, look-alikes, user-info,
        // slashes and backslashes, schemes, ports, control characters, relative paths.
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "https:/\\evil.example",
            "https://evil.example/",
            "https://app.example.com.evil.example/",
            "https://app.example.com@evil.example/",
            "https://evil.example\\@app.example.com/",
            "https://user:pw@app.example.com/",
            "https://app.example.com%2F@evil.example/",
            "https://evil.example#@app.example.com",
            "https://evil.example?@app.example.com",
            "https://app.example.com:8443/",
            "http://app.example.com/",
            "http://localhost:3001/",
            "https://xn--pp-example-9ob.com/",
            "https://аpp.example.com/",
            "javascript:alert(1)//https://app.example.com",
            "data:text/html,<script>alert(1)</script>",
            "/account",
            "app.example.com",
            " https://evil.example",
            "https://app.example.com/\t/evil",
            "https://app.example.com/\n",
            "",
        ] {
            assert_eq!(a.return_target(bad), None, "{bad:?}");
        }
        assert_eq!(
            a.return_target("HTTPS://APP.EXAMPLE.COM/x").as_deref(),
            Some("https://app.example.com/x"),
            "what is followed is what was checked"
        );
    }

    #[test]
    fn the_cookie_is_read_back_and_checked_again() {
        let a = app();
        let with = |cookie: &str| {
            let req = http::Request::builder()
                .header(header::COOKIE, cookie)
                .body(())
                .unwrap();
            continue_to(&a, Some(&req.into_parts().0)).url
        };
        assert_eq!(
            with("sid=1; return_to=https%3A%2F%2Fapp.example.com%2Forders"),
            "https://app.example.com/orders"
        );
        // A forged cookie is no way around the allow-list.
        assert_eq!(
            with("return_to=https%3A%2F%2Fevil.example%2F"),
            "https://app.example.com/home"
        );
        assert_eq!(with("lang=ar"), "https://app.example.com/home");
        assert_eq!(continue_to(&a, None).name.as_ref(), "Example Corp");
    }
}
