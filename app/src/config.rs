//! Typed settings, read once from the environment at start-up. A missing or malformed value
//! stops start-up with one line naming the variable and what was expected.

use std::{fmt, net::SocketAddr, time::Duration};

use secrecy::SecretString;

use crate::policy::PasswordPolicy;

/// Where server-side sessions are kept.
#[derive(Clone, PartialEq, Eq)]
pub enum SessionStoreKind {
    /// In this process's memory: one instance only (the default, and the demo).
    Memory,
    /// Redis at this `redis://` (or `rediss://`) URL: shared by every instance; rate limits
    /// are counted there too. The URL may carry the AUTH password (`rediss://:token@host`).
    Redis(String),
}

/// Never prints the URL's user name or password.
impl std::fmt::Debug for SessionStoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory => f.write_str("Memory"),
            Self::Redis(url) => {
                let shown = match url::Url::parse(url) {
                    Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
                        let _ = u.set_username("");
                        let _ = u.set_password(Some("redacted"));
                        u.to_string()
                    }
                    Ok(u) => u.to_string(),
                    Err(_) => "<unparsable>".into(),
                };
                f.debug_tuple("Redis").field(&shown).finish()
            }
        }
    }
}

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

/// The user pool, the app client and how Cognito is called.
#[derive(Clone, Debug)]
pub struct CognitoSettings {
    /// `COGNITO_USER_POOL_ID`, e.g. `eu-west-1_AbCdEf123`.
    pub user_pool_id: String,
    /// `COGNITO_CLIENT_ID`: the app client users sign in through.
    pub client_id: String,
    /// `COGNITO_CLIENT_SECRET`: set when the app client has a secret; every call then carries
    /// a `SECRET_HASH`.
    pub client_secret: Option<SecretString>,
    /// `AWS_REGION`: the region of the user pool.
    pub region: String,
    /// `COGNITO_TIMEOUT_MS`: the longest a Cognito call may take, retries included (default
    /// 10 s; each attempt gets at most 5 s and the connection 3 s).
    pub timeout: Duration,
    /// The Cognito endpoint (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, `AWS_ENDPOINT_URL`,
    /// else the region's public endpoint): host and port, for the readiness check.
    pub endpoint: (String, u16),
    /// The endpoint URL when one of those variables set it (else the SDK's default).
    pub endpoint_url: Option<String>,
    /// `DESCRIBE_USER_POOL`: read the pool's password policy from Cognito at start-up
    /// (default true; needs `cognito-idp:DescribeUserPool`).
    pub describe_user_pool: bool,
}

/// The public listener and the connections it takes.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// `PUBLIC_ORIGIN`: the origin users see, e.g. `https://reset.example.com`.
    pub public_origin: String,
    /// `LISTEN_ADDR` (else `LEPTOS_SITE_ADDR`, else 127.0.0.1:3000).
    pub listen_addr: SocketAddr,
    /// `TRUSTED_PROXIES`: comma-separated IPs or CIDRs of the load balancers whose
    /// `X-Forwarded-For` is believed. Empty (the default): the peer address is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// `HTTP_HEADER_TIMEOUT_SECS`: how long a connection may take to send a request's headers,
    /// and how long an idle keep-alive connection stays open (default 10 s). Behind a load
    /// balancer, set it above the balancer's idle timeout (65 for an ALB's default 60).
    pub header_timeout: Duration,
    /// `HTTP_BODY_TIMEOUT_SECS`: how long a request body may take to arrive (default 10 s).
    pub body_timeout: Duration,
    /// `MAX_CONNECTIONS`: open connections at once (default 1024); more are closed at once.
    pub max_connections: usize,
    /// `MAX_CONNECTIONS_PER_CLIENT`: open connections at once from one peer address (default
    /// 256, at most `MAX_CONNECTIONS`), so one client cannot hold them all.
    pub max_connections_per_client: usize,
}

/// Server-side sessions and their cookie.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// `SESSION_STORE`: `memory` or a `redis://` URL.
    pub store: SessionStoreKind,
    /// `SESSION_COOKIE_SECURE`: `false` only for local development over plain http on a
    /// loopback origin; the cookie is then named `sid` instead of `__Host-sid`.
    pub cookie_secure: bool,
    /// `SESSION_IDLE_SECS`: a session unused this long ends (default 30 minutes).
    pub idle: Duration,
    /// `SESSION_ABSOLUTE_SECS`: a session ends this long after it began, used or not
    /// (default 8 hours).
    pub absolute: Duration,
}

/// Rate limits and the uniform answer time.
#[derive(Clone, Debug)]
pub struct LimitSettings {
    /// `RATE_LIMIT_USER`: attempts per normalised username and action, like `5/15m`.
    pub user: Limit,
    /// `RATE_LIMIT_IP`: attempts per client IP and action, like `60/15m`.
    pub ip: Limit,
    /// `RATE_LIMIT_GLOBAL`: attempts for the whole deployment per action, like `20/1s` (below
    /// Cognito's account-wide 30 requests/s quota for account recovery).
    pub global: Limit,
    /// `RATE_LIMIT_USER_CEILING`: attempts per username and action from all clients together
    /// (default `20/15m`); a browser the user signed in with before is not held by it.
    pub user_ceiling: Limit,
    /// `CODES_PER_HOUR`: one-time codes (reset codes, email and text-message sign-in codes)
    /// the whole deployment may have Cognito send, like `500/1h` (the default): a ceiling on
    /// what anyone can make the operator pay for (SMS toll fraud), over the per-user and
    /// per-IP limits.
    pub codes: Limit,
    /// `RESET_MIN_RESPONSE_MS`: every reset request takes at least this long, so the answer
    /// time does not tell a real account from an unknown one (default 600 ms).
    pub reset_min_response: Duration,
}

/// How the flows behave: timings, the password rules, what follows a password change.
#[derive(Clone, Debug)]
pub struct FlowSettings {
    /// `CHALLENGE_TTL_SECS`: how long Cognito's challenge session lives (the app client's
    /// "authentication flow session duration"; Cognito's default is 3 minutes).
    pub challenge_ttl: Duration,
    /// `RESEND_COOLDOWN_SECS`: the wait between two reset codes for one user.
    pub resend_cooldown: Duration,
    /// `CODE_WINDOW_SECS`: a code is accepted for this long after it was sent (default 10
    /// minutes; Cognito itself accepts it for an hour).
    pub code_window: Duration,
    /// `SIGN_OUT_EVERYWHERE_AFTER_RESET`: after a reset or a temporary-password change, end the
    /// user's other sessions with `AdminUserGlobalSignOut` (default true).
    pub sign_out_everywhere: bool,
    /// `SIGN_IN_FLOW`: `password` (`USER_PASSWORD_AUTH`, the default) or `choice`
    /// (`USER_AUTH`, for app clients that allow only choice-based sign-in: the password is
    /// the preferred first factor, and without one the user picks a one-time code).
    pub sign_in_flow: SignInFlow,
    /// Password rules used when the app may not call `DescribeUserPool`
    /// (`PASSWORD_MIN_LENGTH`, `PASSWORD_REQUIRE_UPPERCASE|LOWERCASE|NUMBERS|SYMBOLS`).
    pub password_policy: PasswordPolicy,
    /// `STEP_UP_SECS`: a change on the security page needs the password entered within this
    /// long (default 5 minutes), else it is asked for again.
    pub step_up: Duration,
    /// `POOL_FEATURES`: what the pool offers when the app may not read it from Cognito
    /// (`GetUserPoolMfaConfig`, `DescribeUserPool`): a comma list of `off|optional|required`
    /// and any of `totp`, `sms`, `email`, `passkeys`, `devices` (default `optional,totp`).
    pub pool_features: crate::pool::PoolFeatures,
}

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

/// Security notifications: an email (Amazon SES) after a password or MFA change, with a
/// "This wasn't me" link.
#[derive(Clone, Debug)]
pub struct NotifySettings {
    /// `NOTIFY_EMAIL`: send them (default false; needs `ses:SendEmail` and
    /// `cognito-idp:AdminGetUser`).
    pub enabled: bool,
    /// `NOTIFY_FROM`: the sender, an SES-verified identity, e.g.
    /// `Account security <no-reply@example.com>` (required with `NOTIFY_EMAIL=true`).
    pub from: String,
    /// `SES_CONFIGURATION_SET`: the SES configuration set to send with (optional).
    pub configuration_set: Option<String>,
    /// `NOT_ME_SIGN_OUT`: the "This wasn't me" page offers to sign the user out everywhere
    /// (`AdminUserGlobalSignOut`) and start a reset (default false).
    pub not_me_action: bool,
    /// `NOT_ME_FEEDBACK`: with `NOT_ME_SIGN_OUT`, "This wasn't me" also tells Cognito's threat
    /// protection that the sign-ins around the reported change were not the user's
    /// (`AdminUpdateAuthEventFeedback`, default false; needs the pool's threat protection).
    pub not_me_feedback: bool,
    /// `NOT_ME_LINK_TTL_SECS`: how long the "This wasn't me" link works (default 7 days).
    pub not_me_ttl: Duration,
    /// The SES endpoint when `AWS_ENDPOINT_URL_SESV2` or `AWS_ENDPOINT_URL` set one.
    pub endpoint_url: Option<String>,
}

/// Running the service: metrics and shutdown.
#[derive(Clone, Debug)]
pub struct OpsSettings {
    /// `METRICS_ADDR`: when set, `/metrics` and `/readyz` are served on this address only
    /// (not on the public listener).
    pub metrics_addr: Option<SocketAddr>,
    /// `SHUTDOWN_GRACE_SECS`: on SIGTERM/SIGINT, how long in-flight requests may take to
    /// finish (default 20 s).
    pub shutdown_grace: Duration,
}

/// How the app starts a sign-in (`SIGN_IN_FLOW`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInFlow {
    /// `USER_PASSWORD_AUTH`.
    Password,
    /// `USER_AUTH` (choice-based).
    Choice,
}

/// A rate: at most `max` attempts per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

impl Limit {
    /// Parses `N/<duration>`, e.g. `5/15m`, `20/1s`, `100/1h`.
    pub fn parse(v: &str) -> Option<Limit> {
        let (n, p) = v.trim().split_once('/')?;
        let max: u32 = n.trim().parse().ok().filter(|n| *n > 0)?;
        let p = p.trim();
        let unit = p.chars().last()?;
        let num: u64 = p[..p.len() - unit.len_utf8()]
            .parse()
            .ok()
            .filter(|n| *n > 0)?;
        let secs = match unit {
            's' => num,
            'm' => num * 60,
            'h' => num * 3600,
            _ => return None,
        };
        Some(Limit {
            max,
            per: Duration::from_secs(secs),
        })
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.max, self.per.as_secs())
    }
}

/// An IP network (`10.0.0.0/8`, or one address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    pub addr: std::net::IpAddr,
    pub prefix: u8,
}

impl IpNet {
    /// Parses `a.b.c.d`, `a.b.c.d/n`, or the IPv6 forms.
    pub fn parse(v: &str) -> Option<IpNet> {
        let (a, p) = match v.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (v.trim(), None),
        };
        let addr: std::net::IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => p.parse().ok().filter(|n| *n <= max)?,
        };
        Some(IpNet { addr, prefix })
    }

    /// Whether `ip` is inside this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr::*;
        let ip = match ip {
            V6(v6) => v6.to_ipv4_mapped().map(V4).unwrap_or(V6(v6)),
            v4 => v4,
        };
        match (self.addr, ip) {
            (V4(n), V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (V6(n), V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
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
        Ok(Settings {
            session: session(get, &http.public_origin)?,
            limits: limits(get)?,
            flows: flows(get)?,
            brand: brand(get)?,
            notify: notify(get)?,
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

const POOL_ID_SHAPE: &str = "is malformed: expected <region>_<id>, like eu-west-1_AbCdEf123";

fn cognito(get: Get) -> Result<CognitoSettings, ConfigError> {
    let user_pool_id = required(
        get,
        "COGNITO_USER_POOL_ID",
        "the user pool id, like eu-west-1_AbCdEf123",
    )?;
    let (pool_region, pool_suffix) = user_pool_id
        .split_once('_')
        .ok_or_else(|| err("COGNITO_USER_POOL_ID", POOL_ID_SHAPE))?;
    if pool_region.is_empty()
        || pool_suffix.is_empty()
        || !pool_suffix.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(err("COGNITO_USER_POOL_ID", POOL_ID_SHAPE));
    }
    let client_id = required(get, "COGNITO_CLIENT_ID", "the app client id")?;
    if !client_id.chars().all(|c| c.is_ascii_alphanumeric()) || client_id.len() > 128 {
        return Err(err(
            "COGNITO_CLIENT_ID",
            "is malformed: expected letters and digits only",
        ));
    }
    let region = region(get, pool_region)?;
    let (endpoint, endpoint_url) = endpoint(get, &region)?;
    Ok(CognitoSettings {
        client_secret: get("COGNITO_CLIENT_SECRET").map(SecretString::from),
        timeout: millis(get, "COGNITO_TIMEOUT_MS", 10_000, 100, 60_000)?,
        describe_user_pool: boolean(get, "DESCRIBE_USER_POOL", true)?,
        endpoint,
        endpoint_url,
        region,
        client_id,
        user_pool_id: user_pool_id.clone(),
    })
}

fn region(get: Get, pool_region: &str) -> Result<String, ConfigError> {
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
    Ok(region)
}

/// The Cognito endpoint's host and port, and its URL when one is configured.
fn endpoint(get: Get, region: &str) -> Result<((String, u16), Option<String>), ConfigError> {
    let url = get("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER").or_else(|| get("AWS_ENDPOINT_URL"));
    let endpoint = url
        .clone()
        .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com"));
    let host_port = url::Url::parse(&endpoint)
        .ok()
        .and_then(|u| Some((u.host_str()?.to_string(), u.port_or_known_default()?)))
        .ok_or_else(|| {
            err(
                "AWS_ENDPOINT_URL",
                format!("is malformed: expected a URL like https://cognito-idp.eu-west-1.amazonaws.com (got {endpoint:?})"),
            )
        })?;
    Ok((host_port, url))
}

/// `LISTEN_ADDR`, else `LEPTOS_SITE_ADDR`, else 127.0.0.1:3000.
fn listen_addr(get: Get) -> Result<SocketAddr, ConfigError> {
    match get("LISTEN_ADDR").or_else(|| get("LEPTOS_SITE_ADDR")) {
        None => Ok(SocketAddr::from(([127, 0, 0, 1], 3000))),
        Some(v) => address(&v, "LISTEN_ADDR", "0.0.0.0:3000"),
    }
}

fn http(get: Get) -> Result<HttpSettings, ConfigError> {
    let public_origin = required(
        get,
        "PUBLIC_ORIGIN",
        "the https origin users see, like https://reset.example.com",
    )?;
    let listen_addr = listen_addr(get)?;
    let max_connections = bounded(
        get,
        "MAX_CONNECTIONS",
        1024,
        (1, 1_000_000),
        "a whole number",
    )
    .map_err(|_| {
        err(
            "MAX_CONNECTIONS",
            "is malformed: expected a whole number from 1 to 1000000",
        )
    })? as usize;
    let per_client = bounded(
        get,
        "MAX_CONNECTIONS_PER_CLIENT",
        256,
        (1, 1_000_000),
        "a whole number",
    )
    .map_err(|_| {
        err(
            "MAX_CONNECTIONS_PER_CLIENT",
            "is malformed: expected a whole number from 1 to 1000000",
        )
    })? as usize;
    Ok(HttpSettings {
        max_connections_per_client: per_client.min(max_connections),
        public_origin: parse_origin(&public_origin)?,
        listen_addr,
        trusted_proxies: trusted_proxies(get)?,
        header_timeout: secs(get, "HTTP_HEADER_TIMEOUT_SECS", 10, 1, 3600)?,
        body_timeout: secs(get, "HTTP_BODY_TIMEOUT_SECS", 10, 1, 3600)?,
        max_connections,
    })
}

fn address(v: &str, name: &'static str, example: &str) -> Result<SocketAddr, ConfigError> {
    v.parse().map_err(|_| {
        err(
            name,
            format!("is malformed: expected ip:port, like {example} (got {v:?})"),
        )
    })
}

fn trusted_proxies(get: Get) -> Result<Vec<IpNet>, ConfigError> {
    let Some(v) = get("TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    v.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            IpNet::parse(p).ok_or_else(|| {
                err(
                    "TRUSTED_PROXIES",
                    format!("is malformed: expected IPs or CIDRs separated by commas, like 10.0.0.0/8,127.0.0.1 (got {p:?})"),
                )
            })
        })
        .collect()
}

const STORE_SHAPE: &str = "expected memory or a URL like redis://10.0.0.7:6379/0";

fn session(get: Get, public_origin: &str) -> Result<SessionSettings, ConfigError> {
    let store = match get("SESSION_STORE").as_deref() {
        None | Some("memory") => SessionStoreKind::Memory,
        Some(v) if v.starts_with("redis://") || v.starts_with("rediss://") => {
            let no_host = url::Url::parse(v)
                .map(|u| u.host_str().is_none())
                .unwrap_or(true);
            if no_host {
                return Err(err("SESSION_STORE", format!("is malformed: {STORE_SHAPE}")));
            }
            SessionStoreKind::Redis(v.to_string())
        }
        Some(_) => {
            return Err(err(
                "SESSION_STORE",
                format!("is not supported: {STORE_SHAPE}"),
            ))
        }
    };
    let cookie_secure = boolean(get, "SESSION_COOKIE_SECURE", true)?;
    if !cookie_secure && !is_loopback_http(public_origin) {
        return Err(err(
            "SESSION_COOKIE_SECURE",
            "is false but PUBLIC_ORIGIN is not http://127.0.0.1 or http://localhost: plain-http cookies are for local development only",
        ));
    }
    let idle = secs(get, "SESSION_IDLE_SECS", 1800, 60, 86_400)?;
    let absolute = secs(get, "SESSION_ABSOLUTE_SECS", 8 * 3600, 60, 7 * 86_400)?;
    if absolute < idle {
        return Err(err(
            "SESSION_ABSOLUTE_SECS",
            "is shorter than SESSION_IDLE_SECS: expected the absolute lifetime to be at least the idle timeout",
        ));
    }
    Ok(SessionSettings {
        store,
        cookie_secure,
        idle,
        absolute,
    })
}

fn limits(get: Get) -> Result<LimitSettings, ConfigError> {
    let limit = |name: &'static str, default: &str| -> Result<Limit, ConfigError> {
        let v = get(name).unwrap_or_else(|| default.to_string());
        Limit::parse(&v).ok_or_else(|| {
            err(
                name,
                format!("is malformed: expected attempts/period like 5/15m, 20/1s or 100/1h (got {v:?})"),
            )
        })
    };
    Ok(LimitSettings {
        user: limit("RATE_LIMIT_USER", "5/15m")?,
        ip: limit("RATE_LIMIT_IP", "60/15m")?,
        global: limit("RATE_LIMIT_GLOBAL", "20/1s")?,
        user_ceiling: limit("RATE_LIMIT_USER_CEILING", "20/15m")?,
        codes: limit("CODES_PER_HOUR", "500/1h")?,
        reset_min_response: millis(get, "RESET_MIN_RESPONSE_MS", 600, 0, 10_000)?,
    })
}

fn flows(get: Get) -> Result<FlowSettings, ConfigError> {
    Ok(FlowSettings {
        challenge_ttl: secs(get, "CHALLENGE_TTL_SECS", 180, 1, 900)?,
        step_up: secs(get, "STEP_UP_SECS", 300, 30, 3600)?,
        pool_features: pool_features(get)?,
        resend_cooldown: secs(get, "RESEND_COOLDOWN_SECS", 60, 0, 3600)?,
        code_window: secs(get, "CODE_WINDOW_SECS", 600, 1, 3600)?,
        sign_out_everywhere: boolean(get, "SIGN_OUT_EVERYWHERE_AFTER_RESET", true)?,
        sign_in_flow: match get("SIGN_IN_FLOW").as_deref() {
            None | Some("password") => SignInFlow::Password,
            Some("choice") => SignInFlow::Choice,
            Some(v) => {
                return Err(err(
                    "SIGN_IN_FLOW",
                    format!("is malformed: expected password or choice (got {v:?})"),
                ))
            }
        },
        password_policy: password_policy(get)?,
    })
}

fn pool_features(get: Get) -> Result<crate::pool::PoolFeatures, ConfigError> {
    use crate::pool::{MfaRule, PoolFeatures};
    let Some(v) = get("POOL_FEATURES") else {
        return Ok(PoolFeatures::default());
    };
    let mut f = PoolFeatures {
        mfa: MfaRule::Optional,
        totp: false,
        sms: false,
        email: false,
        passkeys: false,
        devices: false,
    };
    for word in v.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match word {
            "off" => f.mfa = MfaRule::Off,
            "optional" => f.mfa = MfaRule::Optional,
            "required" => f.mfa = MfaRule::Required,
            "totp" => f.totp = true,
            "sms" => f.sms = true,
            "email" => f.email = true,
            "passkeys" => f.passkeys = true,
            "devices" => f.devices = true,
            other => {
                return Err(err(
                    "POOL_FEATURES",
                    format!("is malformed: {other:?} is not one of off, optional, required, totp, sms, email, passkeys, devices"),
                ))
            }
        }
    }
    Ok(f)
}

fn password_policy(get: Get) -> Result<PasswordPolicy, ConfigError> {
    let min_length = match get("PASSWORD_MIN_LENGTH") {
        None => PasswordPolicy::default().min_length,
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
    Ok(PasswordPolicy {
        min_length,
        require_uppercase: boolean(get, "PASSWORD_REQUIRE_UPPERCASE", true)?,
        require_lowercase: boolean(get, "PASSWORD_REQUIRE_LOWERCASE", true)?,
        require_numbers: boolean(get, "PASSWORD_REQUIRE_NUMBERS", true)?,
        require_symbols: boolean(get, "PASSWORD_REQUIRE_SYMBOLS", true)?,
    })
}

fn brand(get: Get) -> Result<BrandSettings, ConfigError> {
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
fn logo(v: &str) -> Result<crate::branding::Logo, ConfigError> {
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

fn notify(get: Get) -> Result<NotifySettings, ConfigError> {
    let enabled = boolean(get, "NOTIFY_EMAIL", false)?;
    let from = get("NOTIFY_FROM").unwrap_or_default();
    let address = from
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(&from)
        .trim();
    let well_formed = matches!(address.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.'))
        && !from.contains(['\r', '\n']);
    if (enabled || !from.is_empty()) && !well_formed {
        return Err(err(
            "NOTIFY_FROM",
            format!("is missing or malformed: expected the SES sender, like no-reply@example.com or \"Account security <no-reply@example.com>\" (got {from:?})"),
        ));
    }
    Ok(NotifySettings {
        enabled,
        from,
        configuration_set: get("SES_CONFIGURATION_SET"),
        not_me_action: boolean(get, "NOT_ME_SIGN_OUT", false)?,
        not_me_feedback: boolean(get, "NOT_ME_FEEDBACK", false)?,
        not_me_ttl: secs(
            get,
            "NOT_ME_LINK_TTL_SECS",
            7 * 24 * 3600,
            3600,
            30 * 24 * 3600,
        )?,
        endpoint_url: get("AWS_ENDPOINT_URL_SESV2").or_else(|| get("AWS_ENDPOINT_URL")),
    })
}

fn ops(get: Get) -> Result<OpsSettings, ConfigError> {
    Ok(OpsSettings {
        metrics_addr: get("METRICS_ADDR")
            .map(|v| address(&v, "METRICS_ADDR", "127.0.0.1:9100"))
            .transpose()?,
        shutdown_grace: secs(get, "SHUTDOWN_GRACE_SECS", 20, 0, 600)?,
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
        Settings::from_lookup(|k| map.get(k).map(|v| v.to_string()))?.load_files()
    }

    #[test]
    fn notifications_are_off_by_default_and_need_a_sender_when_on() {
        let s = read(&base()).unwrap();
        assert!(!s.notify.enabled && !s.notify.not_me_action);
        assert_eq!(s.notify.not_me_ttl, Duration::from_secs(7 * 24 * 3600));
        let mut m = base();
        m.insert("NOTIFY_EMAIL", "true");
        assert_eq!(read(&m).unwrap_err().variable, "NOTIFY_FROM");
        for bad in [
            "no-reply",
            "a@b",
            "Security <x@example.com>\nBcc: y@example.com",
        ] {
            m.insert("NOTIFY_FROM", bad);
            assert_eq!(read(&m).unwrap_err().variable, "NOTIFY_FROM", "{bad:?}");
        }
        m.insert("NOTIFY_FROM", "Account security <no-reply@example.com>");
        m.insert("NOT_ME_LINK_TTL_SECS", "60");
        assert_eq!(read(&m).unwrap_err().variable, "NOT_ME_LINK_TTL_SECS");
        m.remove("NOT_ME_LINK_TTL_SECS");
        let s = read(&m).unwrap();
        assert!(s.notify.enabled);
        assert_eq!(s.notify.from, "Account security <no-reply@example.com>");
    }

    #[test]
    fn minimal_environment_gives_safe_defaults() {
        let s = read(&base()).unwrap();
        assert!(s.session.cookie_secure);
        assert_eq!(s.cookie_name(), "__Host-sid");
        assert_eq!(s.flows.challenge_ttl, Duration::from_secs(180));
        assert_eq!(s.flows.password_policy, PasswordPolicy::default());
        assert_eq!(s.http.public_origin, "https://reset.example.com");
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
            s.cognito.client_secret.as_ref().unwrap().expose_secret(),
            "s3cr3t-value"
        );
        assert!(!format!("{s:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn rate_limits_and_proxies_parse_or_name_the_variable() {
        assert_eq!(
            Limit::parse("5/15m"),
            Some(Limit {
                max: 5,
                per: Duration::from_secs(900)
            })
        );
        assert_eq!(Limit::parse("20/1s").unwrap().per, Duration::from_secs(1));
        assert_eq!(Limit::parse("0/1s"), None);
        assert_eq!(Limit::parse("5 per minute"), None);
        let mut m = base();
        m.insert("RATE_LIMIT_IP", "lots");
        assert_eq!(read(&m).unwrap_err().variable, "RATE_LIMIT_IP");
        m.remove("RATE_LIMIT_IP");
        m.insert("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1");
        let s = read(&m).unwrap();
        assert_eq!(s.http.trusted_proxies.len(), 3);
        assert!(s.http.trusted_proxies[0].contains("10.2.3.4".parse().unwrap()));
        assert!(!s.http.trusted_proxies[0].contains("11.2.3.4".parse().unwrap()));
        assert!(s.http.trusted_proxies[1].contains("::ffff:127.0.0.1".parse().unwrap()));
        m.insert("TRUSTED_PROXIES", "10.0.0.0/33");
        assert_eq!(read(&m).unwrap_err().variable, "TRUSTED_PROXIES");
    }

    #[test]
    fn redis_store_endpoint_and_timeouts_are_read() {
        let mut m = base();
        m.insert("SESSION_STORE", "redis://10.0.0.7:6379/0");
        m.insert("AWS_ENDPOINT_URL", "http://127.0.0.1:5000");
        m.insert("METRICS_ADDR", "127.0.0.1:9100");
        let s = read(&m).unwrap();
        assert_eq!(
            s.session.store,
            SessionStoreKind::Redis("redis://10.0.0.7:6379/0".into())
        );
        assert_eq!(s.cognito.endpoint, ("127.0.0.1".to_string(), 5000));
        assert_eq!(s.ops.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
        assert_eq!(s.cognito.timeout, Duration::from_secs(10));
        let d = read(&base()).unwrap();
        assert_eq!(
            d.cognito.endpoint,
            ("cognito-idp.eu-west-1.amazonaws.com".to_string(), 443)
        );
        m.insert(
            "SESSION_STORE",
            "rediss://:s3cr3t-token@cache.example:6379/0",
        );
        let store = read(&m).unwrap().session.store;
        assert_eq!(
            store,
            SessionStoreKind::Redis("rediss://:s3cr3t-token@cache.example:6379/0".into())
        );
        let shown = format!("{store:?}");
        assert!(
            !shown.contains("s3cr3t-token") && shown.contains("cache.example"),
            "{shown}"
        );
        m.insert("SESSION_STORE", "postgres://x");
        assert_eq!(read(&m).unwrap_err().variable, "SESSION_STORE");
        m.insert("SESSION_STORE", "memory");
        m.insert("COGNITO_TIMEOUT_MS", "5");
        assert_eq!(read(&m).unwrap_err().variable, "COGNITO_TIMEOUT_MS");
    }

    #[test]
    fn brand_colour_and_logo_are_checked() {
        let mut m = base();
        m.insert("BRAND_COLOR", "orange");
        assert_eq!(read(&m).unwrap_err().variable, "BRAND_COLOR");
        m.insert("BRAND_COLOR", "#ffcc00");
        m.insert("BRAND_LOGO", "/no/such/logo.svg");
        assert_eq!(read(&m).unwrap_err().variable, "BRAND_LOGO");
        m.insert("BRAND_LOGO", "logo.gif");
        assert_eq!(read(&m).unwrap_err().variable, "BRAND_LOGO");
        m.insert("BRAND_LOGO", "https://cdn.example.com/logo.svg");
        let s = read(&m).unwrap();
        assert!(s.brand.colour.unwrap().warning().is_some());
    }

    #[test]
    fn session_lifetimes_and_secret_are_checked() {
        let mut m = base();
        m.insert("SESSION_IDLE_SECS", "3600");
        m.insert("SESSION_ABSOLUTE_SECS", "600");
        assert_eq!(read(&m).unwrap_err().variable, "SESSION_ABSOLUTE_SECS");
        let mut m = base();
        m.insert("SERVER_SECRET", "short");
        assert_eq!(read(&m).unwrap_err().variable, "SERVER_SECRET");
        let s = read(&base()).unwrap();
        assert_eq!(s.flows.code_window, Duration::from_secs(600));
        assert!(s.flows.sign_out_everywhere);
        assert_eq!(s.limits.global.max, 20);
    }

    #[test]
    fn the_sign_in_flow_is_password_unless_choice() {
        assert_eq!(
            read(&base()).unwrap().flows.sign_in_flow,
            SignInFlow::Password
        );
        let mut m = base();
        m.insert("SIGN_IN_FLOW", "choice");
        assert_eq!(read(&m).unwrap().flows.sign_in_flow, SignInFlow::Choice);
        m.insert("SIGN_IN_FLOW", "srp");
        assert_eq!(read(&m).unwrap_err().variable, "SIGN_IN_FLOW");
        m.remove("SIGN_IN_FLOW");
        m.insert("POOL_FEATURES", "required, sms,passkeys");
        let f = read(&m).unwrap().flows.pool_features;
        assert_eq!(f.mfa, crate::pool::MfaRule::Required);
        assert!(f.sms && f.passkeys && !f.totp && !f.email && !f.devices);
        m.insert("POOL_FEATURES", "required,webauthn");
        let e = read(&m).unwrap_err();
        assert_eq!(e.variable, "POOL_FEATURES");
        assert!(e.problem.contains("webauthn"), "{}", e.problem);
    }

    #[test]
    fn malformed_numbers_are_refused_with_the_name() {
        let mut m = base();
        m.insert("CHALLENGE_TTL_SECS", "three minutes");
        assert_eq!(read(&m).unwrap_err().variable, "CHALLENGE_TTL_SECS");
    }
}
