//! Pages as anonymous visitors get them, rendered once. Without a session, a page depends only
//! on its path and the visitor's language (the `lang` cookie and `Accept-Language`), plus the
//! per-response CSP nonce. So the first render of each (path, language) is kept with the nonce
//! cut out, and later visitors get it back with their own nonce stitched in. Most traffic is
//! exactly this (people arriving at `/reset` from a link), and a flood of it then costs little.
//!
//! Only [`PUBLIC_PAGES`] are kept: pages whose anonymous view is the same for everyone (the
//! signed-in and flow pages redirect or explain, and are always rendered). The key holds
//! everything that changes the answer: path, `Accept`, `Accept-Language` and the `lang` cookie.
//! Anything else is rendered every time: another method, a query string, any cookie but
//! `lang` and the device cookie (a session may hold a flash message or a flow), a response
//! other than a plain 200 page, one that redirects, or one that sets a cookie.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::security::CspNonce;

/// The pages that may be kept: the same for every anonymous visitor.
pub const PUBLIC_PAGES: &[&str] = &[
    app::paths::HOME,
    app::paths::RESET,
    app::paths::SIGN_IN,
    app::paths::RESET_LINK_USED,
];

/// At most this many (path, language) pages are kept; later ones are rendered every time.
const MAX_ENTRIES: usize = 256;
/// Header values longer than this are not used as keys.
const MAX_KEY_PART: usize = 256;
/// Larger pages are not kept.
const MAX_PAGE: usize = 512 * 1024;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Key {
    path: String,
    accept: String,
    accept_language: String,
    lang: String,
}

struct Entry {
    headers: HeaderMap,
    /// The page split where the nonce was.
    parts: Vec<Bytes>,
}

/// The cache, shared by every request of this process.
pub struct PageCache {
    pages: HashSet<String>,
    entries: Mutex<HashMap<Key, Arc<Entry>>>,
}

impl PageCache {
    /// A cache for these page paths (the app's routes without parameters).
    pub fn new(pages: impl IntoIterator<Item = String>) -> Arc<PageCache> {
        Arc::new(PageCache {
            pages: pages.into_iter().collect(),
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// The key for an anonymous page view, or `None` when this request must be rendered.
    fn key(&self, method: &Method, uri: &http::Uri, headers: &HeaderMap) -> Option<Key> {
        if method != Method::GET || uri.query().is_some() || !self.pages.contains(uri.path()) {
            return None;
        }
        let mut lang = String::new();
        for value in headers.get_all(header::COOKIE) {
            for pair in value.to_str().ok()?.split(';') {
                let (name, v) = pair.trim().split_once('=')?;
                if name == app::text::LANG_COOKIE {
                    lang = v.to_string();
                } else if !app::device::is_device_cookie(name) {
                    return None;
                }
            }
        }
        let one = |name: header::HeaderName| -> Option<String> {
            match headers.get_all(&name).iter().count() {
                0 => Some(String::new()),
                1 => {
                    let v = headers.get(&name)?.to_str().ok()?;
                    (v.len() <= MAX_KEY_PART).then(|| v.to_string())
                }
                _ => None,
            }
        };
        let accept = one(header::ACCEPT)?;
        let accept_language = one(header::ACCEPT_LANGUAGE)?;
        if lang.len() > MAX_KEY_PART {
            return None;
        }
        Some(Key {
            path: uri.path().to_string(),
            accept,
            accept_language,
            lang,
        })
    }

    fn get(&self, key: &Key) -> Option<Arc<Entry>> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: Key, entry: Entry) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() < MAX_ENTRIES {
                entries.insert(key, Arc::new(entry));
            }
        }
    }
}

impl Entry {
    fn response(&self, nonce: &str) -> Response {
        let mut body = Vec::with_capacity(
            self.parts.iter().map(Bytes::len).sum::<usize>() + nonce.len() * self.parts.len(),
        );
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(nonce.as_bytes());
            }
            body.extend_from_slice(part);
        }
        let mut res = Response::new(Body::from(body));
        *res.headers_mut() = self.headers.clone();
        res
    }
}

/// Splits `body` at every occurrence of `nonce`.
fn split(body: &Bytes, nonce: &[u8]) -> Vec<Bytes> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while !nonce.is_empty() && i + nonce.len() <= body.len() {
        if &body[i..i + nonce.len()] == nonce {
            parts.push(body.slice(start..i));
            i += nonce.len();
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(body.slice(start..));
    parts
}

/// The middleware (inside the one that picks the nonce).
pub async fn serve(State(cache): State<Arc<PageCache>>, req: Request, next: Next) -> Response {
    let Some(key) = cache.key(req.method(), req.uri(), req.headers()) else {
        return next.run(req).await;
    };
    let Some(nonce) = req.extensions().get::<CspNonce>().map(|n| n.0.clone()) else {
        return next.run(req).await;
    };
    if let Some(entry) = cache.get(&key) {
        return entry.response(&nonce);
    }
    let res = next.run(req).await;
    let plain_page = res.status() == StatusCode::OK
        && !res.headers().contains_key(header::SET_COOKIE)
        && !res.headers().contains_key(header::LOCATION)
        && !res.headers().contains_key(header::CONTENT_ENCODING)
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if !plain_page {
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE).await else {
        // Too large to keep (or the body failed): render it again for this visitor.
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut headers = parts.headers.clone();
    headers.remove(header::CONTENT_LENGTH);
    cache.put(
        key,
        Entry {
            headers,
            parts: split(&bytes, nonce.as_bytes()),
        },
    );
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> Arc<PageCache> {
        PageCache::new(["/reset".to_string(), "/sign-in".to_string()])
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_anonymous_gets_of_known_pages_have_a_key() {
        let c = cache();
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        let none = HeaderMap::new();
        assert!(c.key(&Method::GET, &uri("/reset"), &none).is_some());
        assert!(c.key(&Method::POST, &uri("/reset"), &none).is_none());
        assert!(c.key(&Method::GET, &uri("/reset?x=1"), &none).is_none());
        assert!(c
            .key(&Method::GET, &uri("/api/reset/request"), &none)
            .is_none());
        assert!(c.key(&Method::GET, &uri("/account"), &none).is_none());
        let session = headers(&[("cookie", "__Host-sid=abc")]);
        assert!(c.key(&Method::GET, &uri("/reset"), &session).is_none());
        let mixed = headers(&[("cookie", "lang=ja; __Host-sid=abc")]);
        assert!(c.key(&Method::GET, &uri("/reset"), &mixed).is_none());
        let lang = headers(&[("cookie", "lang=ja")]);
        let ja = c.key(&Method::GET, &uri("/reset"), &lang).unwrap();
        assert_eq!(ja.lang, "ja");
        let accept = headers(&[("accept-language", "ko")]);
        let ko = c.key(&Method::GET, &uri("/reset"), &accept).unwrap();
        assert_ne!(ja, ko);
        let long = "x".repeat(MAX_KEY_PART + 1);
        let long = headers(&[("accept-language", &long)]);
        assert!(c.key(&Method::GET, &uri("/reset"), &long).is_none());
        // `Accept` changes the answer, so it is part of the key.
        let html = headers(&[("accept", "text/html")]);
        let any = headers(&[("accept", "*/*")]);
        assert_ne!(
            c.key(&Method::GET, &uri("/reset"), &html),
            c.key(&Method::GET, &uri("/reset"), &any)
        );
        // The device cookie does not change a page; a session does.
        let device = headers(&[("cookie", "device=v1.abc")]);
        assert!(c.key(&Method::GET, &uri("/reset"), &device).is_some());
    }

    #[test]
    fn the_nonce_is_cut_out_and_stitched_back() {
        let body = Bytes::from_static(b"<script nonce=\"N0\">a</script><link nonce=\"N0\">");
        let parts = split(&body, b"N0");
        assert_eq!(parts.len(), 3);
        let entry = Entry {
            headers: HeaderMap::new(),
            parts,
        };
        let res = entry.response("Zz9");
        let bytes = futures_body(res);
        assert_eq!(
            bytes,
            "<script nonce=\"Zz9\">a</script><link nonce=\"Zz9\">"
        );
        assert_eq!(split(&Bytes::from_static(b"abc"), b"N0").len(), 1);
    }

    fn futures_body(res: Response) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let b = rt
            .block_on(axum::body::to_bytes(res.into_body(), usize::MAX))
            .unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn the_cache_is_bounded() {
        let c = cache();
        for i in 0..(MAX_ENTRIES + 10) {
            c.put(
                Key {
                    path: "/reset".into(),
                    accept: String::new(),
                    accept_language: format!("x-{i}"),
                    lang: String::new(),
                },
                Entry {
                    headers: HeaderMap::new(),
                    parts: vec![],
                },
            );
        }
        assert_eq!(c.entries.lock().unwrap().len(), MAX_ENTRIES);
    }
}
