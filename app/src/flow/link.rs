//! What the links in emails share when opened (the reset link, "This wasn't me"): the secret
//! in the URL goes into the session and the browser is sent on at once, with nothing of the
//! URL passed on (`Referrer-Policy: no-referrer`) or kept (`Cache-Control: no-store`).

use axum::{
    response::{IntoResponse, Response},
    Extension,
};
use http::{header, HeaderValue, StatusCode};

use crate::state::ClientIp;

/// `303 See Other` to `to`, leaving the link's URL behind.
pub fn leave_for(to: &'static str) -> Response {
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    let h = res.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The client's address as the server decided it (unspecified when none was given).
pub fn client_ip(ip: Option<Extension<ClientIp>>) -> std::net::IpAddr {
    ip.map(|Extension(c)| c.0)
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into())
}
