//! `LISTEN_ADDR`, `PUBLIC_ORIGIN`, `TRUSTED_PROXIES`, `HTTP_*`: the public listener and the
//! connections it takes.

use super::*;

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

/// `LISTEN_ADDR`, else `LEPTOS_SITE_ADDR`, else 127.0.0.1:3000.
pub(super) fn listen_addr(get: Get) -> Result<SocketAddr, ConfigError> {
    match get("LISTEN_ADDR").or_else(|| get("LEPTOS_SITE_ADDR")) {
        None => Ok(SocketAddr::from(([127, 0, 0, 1], 3000))),
        Some(v) => address(&v, "LISTEN_ADDR", "0.0.0.0:3000"),
    }
}

pub(super) fn http(get: Get) -> Result<HttpSettings, ConfigError> {
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

pub(super) fn trusted_proxies(get: Get) -> Result<Vec<IpNet>, ConfigError> {
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
