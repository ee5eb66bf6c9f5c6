//! Typed settings, read once from the environment at start-up. A missing or malformed value
//! stops start-up with one line naming the variable and what was expected. One file per
//! section ([`cognito`], [`http`], [`session`], [`limits`], [`flows`], [`brand`], [`notify`],
//! [`ops`]); here the whole ([`Settings`]), the error and the parsers every section uses.

use std::{fmt, net::SocketAddr, time::Duration};

use secrecy::SecretString;

use crate::policy::PasswordPolicy;

mod brand;
mod cognito;
mod flows;
mod http;
mod limits;
mod notify;
mod ops;
mod session;
#[cfg(test)]
mod tests;

use brand::brand;
pub use brand::{BrandSettings, OperatorApp};
use cognito::cognito;
pub use cognito::CognitoSettings;
use flows::flows;
pub use flows::{FlowSettings, MfaReset, SignInFlow};
use http::{http, listen_addr};
pub use http::{HttpSettings, IpNet};
use limits::limits;
pub use limits::{Limit, LimitSettings};
use notify::notify;
pub use notify::NotifySettings;
use ops::ops;
pub use ops::OpsSettings;
use session::session;
pub use session::{SessionSettings, SessionStoreKind};

/// All settings of the app, in sections. Secrets are `SecretString`s, so `Debug` never prints
/// them.
#[derive(Clone, Debug)]
pub struct Settings {
    pub cognito: CognitoSettings,
    pub http: HttpSettings,
    pub session: SessionSettings,
    pub limits: LimitSettings,
    pub flows: FlowSettings,
    pub brand: BrandSettings,
    pub notify: NotifySettings,
    pub ops: OpsSettings,
    /// `SERVER_SECRET`: key (at least 32 characters) for decoy answers, the keyed username
    /// hashes in audit logs and the device cookies. Every instance of one deployment needs the
    /// same value; when unset a random key is made per process (fine for one instance, logged
    /// as a warning).
    pub server_secret: Option<SecretString>,
}

/// Why settings could not be read: names the variable and what was expected.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {} {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

fn err(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// How a section reads a variable: the environment, or a map in tests.
type Get<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Reads settings from the process environment, then the files they name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))?.load_files()
    }

    /// Only the address the app listens on, from the environment (for `server health`, which
    /// needs no other setting).
    pub fn listen_addr_from_env() -> Result<SocketAddr, ConfigError> {
        listen_addr(&|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Parses settings through `get` (the environment, or a map in tests), section by
    /// section. Reads no files: [`Settings::load_files`] does.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get: Get = &get;
        let cognito = cognito(get)?;
        let http = http(get)?;
        let flows = flows(get)?;
        let notify = notify(get)?;
        if flows.forgot_username && notify.from.is_empty() {
            return Err(err(
                "FORGOT_USERNAME",
                "=true needs NOTIFY_FROM: the SES sender of the email that carries the username",
            ));
        }
        if flows.mfa_reset.is_some() && notify.from.is_empty() {
            return Err(err(
                "MFA_RESET",
                "=true needs NOTIFY_FROM: the SES sender of the code and of the email that can cancel the request",
            ));
        }
        Ok(Settings {
            session: session(get, &http.public_origin)?,
            limits: limits(get)?,
            flows,
            brand: brand(get)?,
            notify,
            ops: ops(get)?,
            server_secret: server_secret(get)?,
            cognito,
            http,
        })
    }

    /// Reads the files the settings name (the `BRAND_LOGO` file), checking each.
    pub fn load_files(mut self) -> Result<Self, ConfigError> {
        if let Some(crate::branding::Logo::File { source, bytes, .. }) = &mut self.brand.logo {
            let read = std::fs::read(&*source);
            *bytes = read.map_err(|e| {
                err(
                    "BRAND_LOGO",
                    format!("cannot be read: {e} (got {source:?})"),
                )
            })?;
            if bytes.len() > 256 * 1024 {
                return Err(err("BRAND_LOGO", "is too large: expected at most 256 KB"));
            }
        }
        Ok(self)
    }

    /// The session cookie's name: `__Host-` prefixed whenever it is `Secure`.
    pub fn cookie_name(&self) -> &'static str {
        if self.session.cookie_secure {
            "__Host-sid"
        } else {
            "sid"
        }
    }

    /// The name of the device cookie (see [`crate::device`]).
    pub fn device_cookie_name(&self) -> &'static str {
        if self.session.cookie_secure {
            crate::device::SECURE_COOKIE
        } else {
            crate::device::COOKIE
        }
    }
}

fn required(get: Get, name: &'static str, what: &str) -> Result<String, ConfigError> {
    get(name).ok_or_else(|| err(name, format!("is not set: expected {what}")))
}

fn address(v: &str, name: &'static str, example: &str) -> Result<SocketAddr, ConfigError> {
    v.parse().map_err(|_| {
        err(
            name,
            format!("is malformed: expected ip:port, like {example} (got {v:?})"),
        )
    })
}

fn server_secret(get: Get) -> Result<Option<SecretString>, ConfigError> {
    match get("SERVER_SECRET") {
        None => Ok(None),
        Some(v) if v.chars().count() >= 32 => Ok(Some(SecretString::from(v))),
        Some(_) => Err(err(
            "SERVER_SECRET",
            "is too short: expected at least 32 random characters (e.g. `openssl rand -hex 32`)",
        )),
    }
}

fn parse_origin(value: &str) -> Result<String, ConfigError> {
    let bad = || {
        err(
            "PUBLIC_ORIGIN",
            format!(
                "is malformed: expected an origin like https://reset.example.com (got {value:?})"
            ),
        )
    };
    let url = url::Url::parse(value).map_err(|_| bad())?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad());
    }
    let origin = url.origin().ascii_serialization();
    if url.scheme() == "http" && !is_loopback_http(&origin) {
        return Err(err(
            "PUBLIC_ORIGIN",
            "must use https: plain http is only allowed for 127.0.0.1 and localhost",
        ));
    }
    Ok(origin)
}

fn is_loopback_http(origin: &str) -> bool {
    origin == "http://localhost"
        || origin.starts_with("http://localhost:")
        || origin == "http://127.0.0.1"
        || origin.starts_with("http://127.0.0.1:")
}

/// Whole seconds from `min` to `max`, as a duration.
fn secs(
    get: Get,
    name: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<Duration, ConfigError> {
    bounded(get, name, default, (min, max), "whole seconds").map(Duration::from_secs)
}

/// Milliseconds from `min` to `max`, as a duration.
fn millis(
    get: Get,
    name: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<Duration, ConfigError> {
    bounded(get, name, default, (min, max), "milliseconds").map(Duration::from_millis)
}

/// A whole number of `unit` within `range` (both ends included), else `default`.
fn bounded(
    get: Get,
    name: &'static str,
    default: u64,
    (min, max): (u64, u64),
    unit: &str,
) -> Result<u64, ConfigError> {
    let Some(v) = get(name) else {
        return Ok(default);
    };
    v.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            err(
                name,
                format!("is malformed: expected {unit} from {min} to {max} (got {v:?})"),
            )
        })
}

fn boolean(get: Get, name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match get(name).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(v) => Err(err(
            name,
            format!("is malformed: expected true or false (got {v:?})"),
        )),
    }
}
