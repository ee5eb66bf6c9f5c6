//! Typed settings, read once from the environment at start-up. A missing or malformed value
//! stops start-up with one line naming the variable and what was expected.

use std::{fmt, net::SocketAddr, time::Duration};

use secrecy::SecretString;

use crate::password::PasswordPolicy;

/// Where server-side sessions are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionStoreKind {
    /// In this process's memory: one instance only (the default, and the demo).
    Memory,
}

/// All settings of the app. Secrets are `SecretString`s, so `Debug` never prints them.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `COGNITO_USER_POOL_ID`, e.g. `eu-west-1_AbCdEf123`.
    pub user_pool_id: String,
    /// `COGNITO_CLIENT_ID`: the app client users sign in through.
    pub client_id: String,
    /// `COGNITO_CLIENT_SECRET`: set when the app client has a secret; every call then carries
    /// a `SECRET_HASH`.
    pub client_secret: Option<SecretString>,
    /// `AWS_REGION`: the region of the user pool.
    pub region: String,
    /// `PUBLIC_ORIGIN`: the origin users see, e.g. `https://reset.example.com`.
    pub public_origin: String,
    /// `SESSION_STORE`: `memory`.
    pub session_store: SessionStoreKind,
    /// `LISTEN_ADDR` (else `LEPTOS_SITE_ADDR`, else 127.0.0.1:3000).
    pub listen_addr: SocketAddr,
    /// `PRODUCT_NAME`: shown in the header and page titles.
    pub product_name: String,
    /// `CHALLENGE_TTL_SECS`: how long Cognito's challenge session lives (the app client's
    /// "authentication flow session duration"; Cognito's default is 3 minutes).
    pub challenge_ttl: Duration,
    /// `RESEND_COOLDOWN_SECS`: the wait between two reset codes for one user.
    pub resend_cooldown: Duration,
    /// `SESSION_COOKIE_SECURE`: `false` only for local development over plain http on a
    /// loopback origin; the cookie is then named `sid` instead of `__Host-sid`.
    pub cookie_secure: bool,
    /// Password rules used when the app may not call `DescribeUserPool`
    /// (`PASSWORD_MIN_LENGTH`, `PASSWORD_REQUIRE_UPPERCASE|LOWERCASE|NUMBERS|SYMBOLS`).
    pub password_policy: PasswordPolicy,
    /// `DESCRIBE_USER_POOL`: read the pool's password policy from Cognito at start-up
    /// (default true; needs `cognito-idp:DescribeUserPool`).
    pub describe_user_pool: bool,
    /// `SUPPORT_URL`: where the footer's "Get help" link points (optional).
    pub support_url: Option<String>,
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

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Reads settings through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str, what: &str| {
            get(name).ok_or_else(|| err(name, format!("is not set: expected {what}")))
        };

        let user_pool_id = required(
            "COGNITO_USER_POOL_ID",
            "the user pool id, like eu-west-1_AbCdEf123",
        )?;
        let Some((pool_region, pool_suffix)) = user_pool_id.split_once('_') else {
            return Err(err(
                "COGNITO_USER_POOL_ID",
                "is malformed: expected <region>_<id>, like eu-west-1_AbCdEf123",
            ));
        };
        if pool_region.is_empty()
            || pool_suffix.is_empty()
            || !pool_suffix.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(err(
                "COGNITO_USER_POOL_ID",
                "is malformed: expected <region>_<id>, like eu-west-1_AbCdEf123",
            ));
        }

        let client_id = required("COGNITO_CLIENT_ID", "the app client id")?;
        if !client_id.chars().all(|c| c.is_ascii_alphanumeric()) || client_id.len() > 128 {
            return Err(err(
                "COGNITO_CLIENT_ID",
                "is malformed: expected letters and digits only",
            ));
        }
        let client_secret = get("COGNITO_CLIENT_SECRET").map(SecretString::from);

        let region = get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .ok_or_else(|| {
                err(
                    "AWS_REGION",
                    "is not set: expected the user pool's region, like eu-west-1",
                )
            })?;
        if region != pool_region {
            return Err(err(
                "AWS_REGION",
                format!("is {region} but COGNITO_USER_POOL_ID is in {pool_region}: expected the pool's region"),
            ));
        }

        let public_origin = required(
            "PUBLIC_ORIGIN",
            "the https origin users see, like https://reset.example.com",
        )?;
        let public_origin = parse_origin(&public_origin)?;

        let session_store = match get("SESSION_STORE").as_deref() {
            None | Some("memory") => SessionStoreKind::Memory,
            Some(_) => return Err(err("SESSION_STORE", "is not supported: expected `memory`")),
        };

        let listen_addr = match get("LISTEN_ADDR").or_else(|| get("LEPTOS_SITE_ADDR")) {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v.parse().map_err(|_| {
                err(
                    "LISTEN_ADDR",
                    format!("is malformed: expected ip:port, like 0.0.0.0:3000 (got {v:?})"),
                )
            })?,
        };

        let product_name = get("PRODUCT_NAME").unwrap_or_else(|| "Account recovery".into());
        if product_name.chars().count() > 60 {
            return Err(err(
                "PRODUCT_NAME",
                "is too long: expected at most 60 characters",
            ));
        }

        let challenge_ttl = secs(&get, "CHALLENGE_TTL_SECS", 180, 1, 900)?;
        let resend_cooldown = secs(&get, "RESEND_COOLDOWN_SECS", 60, 0, 3600)?;

        let cookie_secure = boolean(&get, "SESSION_COOKIE_SECURE", true)?;
        if !cookie_secure && !is_loopback_http(&public_origin) {
            return Err(err(
                "SESSION_COOKIE_SECURE",
                "is false but PUBLIC_ORIGIN is not http://127.0.0.1 or http://localhost: plain-http cookies are for local development only",
            ));
        }

        let defaults = PasswordPolicy::default();
        let min_length = match get("PASSWORD_MIN_LENGTH") {
            None => defaults.min_length,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (6..=99).contains(n))
                .ok_or_else(|| {
                    err(
                        "PASSWORD_MIN_LENGTH",
                        "is malformed: expected a number from 6 to 99",
                    )
                })?,
        };
        let password_policy = PasswordPolicy {
            min_length,
            require_uppercase: boolean(&get, "PASSWORD_REQUIRE_UPPERCASE", true)?,
            require_lowercase: boolean(&get, "PASSWORD_REQUIRE_LOWERCASE", true)?,
            require_numbers: boolean(&get, "PASSWORD_REQUIRE_NUMBERS", true)?,
            require_symbols: boolean(&get, "PASSWORD_REQUIRE_SYMBOLS", true)?,
        };
        let describe_user_pool = boolean(&get, "DESCRIBE_USER_POOL", true)?;

        let support_url = match get("SUPPORT_URL") {
            None => None,
            Some(v)
                if v.starts_with("https://")
                    || v.starts_with("mailto:")
                    || v.starts_with("http://") =>
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

        Ok(Self {
            user_pool_id,
            client_id,
            client_secret,
            region,
            public_origin,
            session_store,
            listen_addr,
            product_name,
            challenge_ttl,
            resend_cooldown,
            cookie_secure,
            password_policy,
            describe_user_pool,
            support_url,
        })
    }

    /// The session cookie's name: `__Host-` prefixed whenever it is `Secure`.
    pub fn cookie_name(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-sid"
        } else {
            "sid"
        }
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

fn secs(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<Duration, ConfigError> {
    match get(name) {
        None => Ok(Duration::from_secs(default)),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .map(Duration::from_secs)
            .ok_or_else(|| {
                err(
                    name,
                    format!("is malformed: expected whole seconds from {min} to {max} (got {v:?})"),
                )
            }),
    }
}

fn boolean(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn base() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("COGNITO_CLIENT_ID", "abc123"),
            ("AWS_REGION", "eu-west-1"),
            ("PUBLIC_ORIGIN", "https://reset.example.com"),
        ])
    }

    fn read(map: &HashMap<&'static str, &'static str>) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|k| map.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn minimal_environment_gives_safe_defaults() {
        let s = read(&base()).unwrap();
        assert!(s.cookie_secure);
        assert_eq!(s.cookie_name(), "__Host-sid");
        assert_eq!(s.challenge_ttl, Duration::from_secs(180));
        assert_eq!(s.password_policy, PasswordPolicy::default());
        assert_eq!(s.public_origin, "https://reset.example.com");
    }

    #[test]
    fn missing_pool_id_names_the_variable() {
        let mut m = base();
        m.remove("COGNITO_USER_POOL_ID");
        let e = read(&m).unwrap_err();
        assert_eq!(e.variable, "COGNITO_USER_POOL_ID");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let mut m = base();
        m.insert("PUBLIC_ORIGIN", "http://reset.example.com");
        assert_eq!(read(&m).unwrap_err().variable, "PUBLIC_ORIGIN");
        m.insert("PUBLIC_ORIGIN", "http://127.0.0.1:3000");
        m.insert("SESSION_COOKIE_SECURE", "false");
        assert_eq!(read(&m).unwrap().cookie_name(), "sid");
    }

    #[test]
    fn insecure_cookies_need_a_loopback_origin() {
        let mut m = base();
        m.insert("SESSION_COOKIE_SECURE", "false");
        assert_eq!(read(&m).unwrap_err().variable, "SESSION_COOKIE_SECURE");
    }

    #[test]
    fn region_must_match_the_pool() {
        let mut m = base();
        m.insert("AWS_REGION", "us-east-1");
        assert_eq!(read(&m).unwrap_err().variable, "AWS_REGION");
    }

    #[test]
    fn secret_is_kept_but_never_debug_printed() {
        let mut m = base();
        m.insert("COGNITO_CLIENT_SECRET", "s3cr3t-value");
        let s = read(&m).unwrap();
        assert_eq!(
            s.client_secret.as_ref().unwrap().expose_secret(),
            "s3cr3t-value"
        );
        assert!(!format!("{s:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn malformed_numbers_are_refused_with_the_name() {
        let mut m = base();
        m.insert("CHALLENGE_TTL_SECS", "three minutes");
        assert_eq!(read(&m).unwrap_err().variable, "CHALLENGE_TTL_SECS");
    }
}
