//! `BRAND_*`, `PRODUCT_NAME`, `SUPPORT_URL`, `APP_URL`, `APP_NAME`, `RETURN_TO_ORIGINS`: what
//! users see of the operator, and where they go when they are done.

use super::*;

/// What users see of the operator.
#[derive(Clone, Debug)]
pub struct BrandSettings {
    /// `PRODUCT_NAME`: shown in the header and page titles.
    pub product_name: String,
    /// `SUPPORT_URL`: where the footer's "Get help" link points (optional).
    pub support_url: Option<String>,
    /// `BRAND_COLOR`: the primary colour (`#rrggbb`), held to WCAG AA contrast.
    pub colour: Option<crate::branding::BrandColour>,
    /// `BRAND_LOGO`: a logo file (SVG, PNG, JPEG or WebP, at most 256 KB) the app serves, or an
    /// `https://` URL. A file is read by [`Settings::load_files`], not while parsing.
    pub logo: Option<crate::branding::Logo>,
    /// `APP_URL` and `APP_NAME`: the operator's app, where "Continue to …" leads after a
    /// success; `RETURN_TO_ORIGINS`: the other origins a `return_to` may lead to.
    pub app: Option<OperatorApp>,
}

/// The operator's app: its name, its address, and the origins a `return_to` may name (the
/// app's own first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorApp {
    pub name: String,
    pub url: String,
    pub origins: Vec<String>,
}

impl OperatorApp {
    /// Where a `return_to` leads, when it is an absolute `http(s)` URL on one of the allowed
    /// origins (scheme, host and port all equal), without user name or password: the URL as
    /// the browser will read it (`url`'s serialisation, so what is checked is what is
    /// followed). Anything else (relative, protocol-relative, other schemes, look-alike
    /// hosts, `user@host` tricks, backslashes, control characters) is refused.
    pub fn return_target(&self, raw: &str) -> Option<String> {
        if raw.len() > 2048 || raw.chars().any(|c| c.is_control() || c == '\\') {
            return None;
        }
        let url = url::Url::parse(raw).ok()?;
        let web = matches!(url.scheme(), "https" | "http");
        if !web || !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        let origin = url.origin().ascii_serialization();
        self.origins.contains(&origin).then(|| url.to_string())
    }
}

/// An origin as `RETURN_TO_ORIGINS` or `APP_URL` gives it, serialised as browsers do
/// (`https://app.example.com`, a port only when not the scheme's own).
fn origin_of(variable: &'static str, v: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| err(variable, format!("is malformed: {why} (got {v:?})"));
    let url = url::Url::parse(v).map_err(|_| bad("expected an https:// address"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad("expected an https:// address"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("expected no user name or password in it"));
    }
    Ok(url.origin().ascii_serialization())
}

fn operator_app(get: Get) -> Result<Option<OperatorApp>, ConfigError> {
    let (url, name) = match (get("APP_URL"), get("APP_NAME")) {
        (None, None) => {
            if get("RETURN_TO_ORIGINS").is_some() {
                return Err(err("RETURN_TO_ORIGINS", "needs APP_URL and APP_NAME too"));
            }
            return Ok(None);
        }
        (Some(url), Some(name)) => (url, name),
        (Some(_), None) => return Err(err("APP_NAME", "is required with APP_URL")),
        (None, Some(_)) => return Err(err("APP_URL", "is required with APP_NAME")),
    };
    if name.trim().is_empty() || name.chars().count() > 60 {
        return Err(err("APP_NAME", "expected 1 to 60 characters"));
    }
    let mut origins = vec![origin_of("APP_URL", &url)?];
    for o in get("RETURN_TO_ORIGINS").unwrap_or_default().split(',') {
        let o = o.trim();
        if !o.is_empty() {
            origins.push(origin_of("RETURN_TO_ORIGINS", o)?);
        }
    }
    Ok(Some(OperatorApp {
        name: name.trim().to_string(),
        url,
        origins,
    }))
}

pub(super) fn brand(get: Get) -> Result<BrandSettings, ConfigError> {
    let product_name = get("PRODUCT_NAME").unwrap_or_else(|| "Account recovery".into());
    if product_name.chars().count() > 60 {
        return Err(err(
            "PRODUCT_NAME",
            "is too long: expected at most 60 characters",
        ));
    }
    let support_url = match get("SUPPORT_URL") {
        None => None,
        Some(v)
            if ["https://", "mailto:"].iter().any(|p| v.starts_with(p))
                || local_http(&v) =>
        {
            Some(v)
        }
        Some(v) => {
            return Err(err(
                "SUPPORT_URL",
                format!("is malformed: expected an https:// or mailto: address (http:// only for 127.0.0.1 or localhost; got {v:?})"),
            ))
        }
    };
    let colour = match get("BRAND_COLOR") {
        None => None,
        Some(v) => Some(crate::branding::BrandColour::new(
            crate::branding::Rgb::parse(&v).ok_or_else(|| {
                err(
                    "BRAND_COLOR",
                    format!("is malformed: expected a colour like #0b5cad (got {v:?})"),
                )
            })?,
        )),
    };
    Ok(BrandSettings {
        product_name,
        support_url,
        colour,
        logo: get("BRAND_LOGO").map(|v| logo(&v)).transpose()?,
        app: operator_app(get)?,
    })
}

/// A `BRAND_LOGO` value: an https URL, or a file of a supported type (read later).
pub(super) fn logo(v: &str) -> Result<crate::branding::Logo, ConfigError> {
    if v.starts_with("https://") {
        url::Url::parse(v).map_err(|_| {
            err(
                "BRAND_LOGO",
                format!("is malformed: expected an https URL or a file path (got {v:?})"),
            )
        })?;
        return Ok(crate::branding::Logo::Url(v.to_string()));
    }
    let ext = v.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let content_type = match ext.as_str() {
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        _ => {
            return Err(err(
                "BRAND_LOGO",
                format!("is not a supported image: expected .svg, .png, .jpg or .webp (got {v:?})"),
            ))
        }
    };
    Ok(crate::branding::Logo::File {
        source: v.to_string(),
        bytes: Vec::new(),
        content_type,
        path: format!("/brand/logo.{ext}"),
    })
}

/// An `http://` URL on this machine (local development and the tests' emulated help desk).
fn local_http(v: &str) -> bool {
    let Some(rest) = v.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost")
}
