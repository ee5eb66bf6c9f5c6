//! `BRAND_*`, `PRODUCT_NAME`, `SUPPORT_URL`: what users see of the operator.

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
            if ["https://", "mailto:", "http://"]
                .iter()
                .any(|p| v.starts_with(p)) =>
        {
            Some(v)
        }
        Some(_) => {
            return Err(err(
                "SUPPORT_URL",
                "is malformed: expected an https:// or mailto: address",
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
