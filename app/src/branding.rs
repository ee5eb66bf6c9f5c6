//! Operator branding: product name, logo, primary colour, support link. The colour is held to
//! WCAG AA: a colour that would not reach 4.5:1 is adjusted (darkened for the light theme,
//! lightened for the dark one) and the adjustment is reported at start-up.

/// Operator branding shown on every page (the server renders it; no island needs it).
/// Its texts are shared, so the per-request copy allocates nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Branding {
    pub product_name: std::sync::Arc<str>,
    pub support_url: Option<std::sync::Arc<str>>,
    /// The logo's URL (`/brand/logo.svg` when the app serves the file).
    pub logo: Option<std::sync::Arc<str>>,
    /// A `BRAND_COLOR` is set: the page links `/brand.css`.
    pub styled: bool,
}

/// The operator's `SUPPORT_URL`, where the page being rendered has its branding.
pub fn support_url() -> Option<std::sync::Arc<str>> {
    leptos::prelude::use_context::<Branding>().and_then(|b| b.support_url)
}

/// Where "Continue to …" leads on this request (the server provides it): the operator's app by
/// name, at its `APP_URL` or at the `return_to` this browser came with (already checked
/// against the allowed origins).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContinueTo {
    pub name: std::sync::Arc<str>,
    pub url: String,
}

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#rrggbb` (or `#rgb`).
    pub fn parse(v: &str) -> Option<Rgb> {
        let h = v.trim().strip_prefix('#')?;
        let h: String = match h.len() {
            3 => h.chars().flat_map(|c| [c, c]).collect(),
            6 => h.to_string(),
            _ => return None,
        };
        let n = u32::from_str_radix(&h, 16).ok()?;
        Some(Rgb((n >> 16) as u8, (n >> 8) as u8, n as u8))
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = c as f64 / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    /// WCAG contrast ratio with `other` (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    fn mix(self, to: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgb(m(self.0, to.0), m(self.1, to.1), m(self.2, to.2))
    }

    /// The closest colour towards `toward` that has at least `ratio` against every colour of
    /// `against` (itself when it already has).
    pub fn adjusted(self, toward: Rgb, against: &[Rgb], ratio: f64) -> Rgb {
        let ok = |c: Rgb| against.iter().all(|a| c.contrast(*a) >= ratio);
        (0..=100)
            .map(|i| self.mix(toward, i as f64 / 100.0))
            .find(|c| ok(*c))
            .unwrap_or(toward)
    }
}

/// The light theme's surfaces (page, card, button text) and the dark theme's.
pub const LIGHT_SURFACES: [Rgb; 2] = [Rgb(0xff, 0xff, 0xff), Rgb(0xf4, 0xf6, 0xf8)];
pub const DARK_SURFACES: [Rgb; 3] = [
    Rgb(0x11, 0x14, 0x17),
    Rgb(0x1c, 0x21, 0x26),
    Rgb(0x0b, 0x15, 0x20),
];

/// The primary colour for each theme, and what was changed (if anything).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrandColour {
    pub requested: Rgb,
    pub light: Rgb,
    pub dark: Rgb,
}

impl BrandColour {
    pub fn new(requested: Rgb) -> Self {
        BrandColour {
            requested,
            light: requested.adjusted(Rgb(0, 0, 0), &LIGHT_SURFACES, 4.5),
            dark: requested.adjusted(Rgb(0xff, 0xff, 0xff), &DARK_SURFACES, 4.5),
        }
    }

    /// A start-up warning when the requested colour had to be adjusted for the light theme.
    pub fn warning(&self) -> Option<String> {
        (self.light != self.requested).then(|| {
            format!(
                "BRAND_COLOR {} has only {:.1}:1 contrast with white; using {} ({:.1}:1) so text stays readable (WCAG AA)",
                self.requested.hex(),
                self.requested.contrast(Rgb(255, 255, 255)),
                self.light.hex(),
                self.light.contrast(Rgb(255, 255, 255)),
            )
        })
    }

    /// The stylesheet that applies it (`/brand.css`).
    pub fn css(&self) -> String {
        format!(
            ":root{{--primary:{}}}@media (prefers-color-scheme: dark){{:root{{--primary:{}}}}}\n",
            self.light.hex(),
            self.dark.hex()
        )
    }
}

/// A logo from `BRAND_LOGO`: a file the app serves, or an https URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Logo {
    File {
        /// Where `BRAND_LOGO` said the file is.
        source: String,
        /// Its content (read by `Settings::load_files`).
        bytes: Vec<u8>,
        content_type: &'static str,
        path: String,
    },
    Url(String),
}

impl Logo {
    /// The URL the page uses.
    pub fn src(&self) -> String {
        match self {
            Logo::File { path, .. } => path.clone(),
            Logo::Url(u) => u.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_wcag_examples() {
        let white = Rgb(255, 255, 255);
        assert!((Rgb(0, 0, 0).contrast(white) - 21.0).abs() < 0.01);
        assert!((Rgb(0x76, 0x76, 0x76).contrast(white) - 4.54).abs() < 0.02);
        assert_eq!(Rgb::parse("#0b5cad"), Some(Rgb(0x0b, 0x5c, 0xad)));
        assert_eq!(Rgb::parse("#fc0"), Some(Rgb(0xff, 0xcc, 0x00)));
        assert_eq!(Rgb::parse("yellow"), None);
    }

    #[test]
    fn a_pale_colour_is_darkened_and_reported_a_good_one_kept() {
        let c = BrandColour::new(Rgb::parse("#ffcc00").unwrap());
        assert_ne!(c.light, c.requested);
        for s in LIGHT_SURFACES {
            assert!(c.light.contrast(s) >= 4.5);
        }
        for s in DARK_SURFACES {
            assert!(c.dark.contrast(s) >= 4.5);
        }
        assert!(c.warning().unwrap().contains("#ffcc00"));
        let good = BrandColour::new(Rgb::parse("#0b5cad").unwrap());
        assert_eq!(good.light, good.requested);
        assert!(good.warning().is_none());
    }
}
