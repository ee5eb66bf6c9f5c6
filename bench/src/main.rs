//! The performance benchmark behind `make bench` (see `scripts/bench.sh`, which builds the
//! release site first). In one run, on one machine, it measures:
//!
//! 1. bytes sent to the browser for every page ([`PAGES`], each reached as a visitor reaches it,
//!    against a Cognito stub) and for the anchor, Amplify UI's Authenticator on its
//!    forgot-password screen (`BENCH_AMPLIFY`: its Vite build; `Accept-Encoding: br, gzip`);
//! 2. `GET /reset` throughput and latency at 64 connections, next to a baseline: a minimal
//!    axum server answering the same HTML bytes from memory;
//! 3. the reset-request server function (the JavaScript path) against a zero-latency Cognito
//!    stub, same load;
//! 4. Lighthouse (mobile) performance score and total blocking time for every page and the
//!    anchor;
//! 5. the server's idle RSS, and its RSS after 10 000 sessions in the memory store; and Redis'
//!    memory for the same 10 000 sessions on a Redis store (`BENCH_REDIS`: redis-server);
//!
//! and writes them, with the budgets, as a Markdown table.
//!
//! `bench bytes` measures only the bytes, of every page in [`PAGES`] and of the pages with a
//! passkey button ([`PASSKEY_PAGES`]), and fails when one weighs more than its budget
//! (`BENCH_PAGE_BUDGET_KIB`, 55): `make test` runs it on the release site (bytes, unlike times,
//! are the same on every machine). Its server may be the debug one: the bytes are the site's
//! and the HTML's, not the server's code.
//!
//! The baseline and the stub run as separate processes (this binary with `baseline` or `stub`),
//! so the server and the baseline each have a process of their own, like-for-like. The timed
//! load runs are wrk's (`WRK`, with `bench/wrk/bench.lua`, which counts the answers by
//! status); making exactly 10 000 sessions is a small HTTP/1.1 client of ours, as wrk runs for
//! a time, not a number of requests.
//!
//! Settings (environment): `BENCH_SERVER` (the release server binary), `BENCH_SITE_ROOT`,
//! `BENCH_OUT` (the Markdown file), `BENCH_SECS` (seconds per load run, default 10),
//! `BENCH_CONNS` (default 64), `LIGHTHOUSE` (the lighthouse CLI; skipped when unset),
//! `CHROME_PATH`, `BENCH_AMPLIFY` (the Amplify page's built folder; skipped when unset),
//! `BENCH_NOTE` (a line about the build, e.g. the commit).

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::PathBuf,
    process::Stdio,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    process::{Child, Command},
};

type Error = Box<dyn std::error::Error + Send + Sync>;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn main() -> Result<(), Error> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("baseline") => rt.block_on(baseline(PathBuf::from(&args[2]))),
        Some("stub") => rt.block_on(cognito_stub()),
        Some("static") => rt.block_on(static_site(PathBuf::from(&args[2]))),
        Some("bytes") => rt.block_on(bytes_gate()),
        _ => rt.block_on(run()),
    }
}

// ---- The two helper servers ---------------------------------------------------------------

/// Prints the port it listens on, then serves until killed.
async fn serve(router: axum::Router) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    axum::serve(listener, router).await?;
    Ok(())
}

/// The baseline: the same HTML bytes as `/reset`, from memory, with the content type.
async fn baseline(html: PathBuf) -> Result<(), Error> {
    let bytes = axum::body::Bytes::from(std::fs::read(html)?);
    let router = axum::Router::new().route(
        "/reset",
        axum::routing::get(move || {
            let bytes = bytes.clone();
            async move { ([("content-type", "text/html; charset=utf-8")], bytes) }
        }),
    );
    serve(router).await
}

/// A built site from a folder, with the brotli and gzip copies beside each file sent as they
/// are (the Amplify page: what any static host or CDN does).
async fn static_site(dir: PathBuf) -> Result<(), Error> {
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    serve(axum::Router::new().fallback_service(files)).await
}

/// A Cognito that answers at once: `ForgotPassword`, and the sign-in calls that lead to each
/// page of the app (see [`stub_answer`]); anything else is refused.
async fn cognito_stub() -> Result<(), Error> {
    let router = axum::Router::new().fallback(
        |headers: axum::http::HeaderMap, body: String| async move {
            let target = headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let op = target.rsplit('.').next().unwrap_or("");
            let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let user = request["AuthParameters"]["USERNAME"].as_str().unwrap_or("");
            let json = [("content-type", "application/x-amz-json-1.1")];
            match stub_answer(op, user) {
                // A refusal (an account state), as Cognito sends one.
                Some(answer) if answer.starts_with(r#"{"__type""#) => {
                    (axum::http::StatusCode::BAD_REQUEST, json, answer)
                }
                Some(answer) => (axum::http::StatusCode::OK, json, answer),
                None => (
                    axum::http::StatusCode::BAD_REQUEST,
                    json,
                    format!(r#"{{"__type":"InvalidParameterException","message":"the benchmark stub does not answer {op}"}}"#),
                ),
            }
        },
    );
    serve(router).await
}

/// The stub's answer to `op`. Signing in, the user's name picks what comes next: a new
/// password (`bench-new`), an authenticator code (`bench-totp`), a choice of second factor
/// (`bench-choose`), setting one up (`bench-setup`), a sign-up never confirmed
/// (`bench-unconfirmed`), an expired invitation (`bench-expired`); anyone else is signed in.
fn stub_answer(op: &str, user: &str) -> Option<String> {
    let challenge = |name: &str, params: &str| {
        format!(
            r#"{{"ChallengeName":"{name}","Session":"bench-session-0123456789","ChallengeParameters":{{"USER_ID_FOR_SRP":"{user}"{params}}}}}"#
        )
    };
    Some(match (op, user) {
        ("ForgotPassword", _) => r#"{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"b***@e***"}}"#.into(),
        ("InitiateAuth", "bench-new") => challenge(
            "NEW_PASSWORD_REQUIRED",
            r#","requiredAttributes":"[]","userAttributes":"{}""#,
        ),
        ("InitiateAuth", "bench-totp") => challenge("SOFTWARE_TOKEN_MFA", ""),
        ("InitiateAuth", "bench-choose") => challenge(
            "SELECT_MFA_TYPE",
            r#","MFAS_CAN_CHOOSE":"[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]""#,
        ),
        ("InitiateAuth", "bench-setup") => challenge(
            "MFA_SETUP",
            r#","MFAS_CAN_SETUP":"[\"SOFTWARE_TOKEN_MFA\"]""#,
        ),
        ("InitiateAuth", "bench-unconfirmed") => {
            r#"{"__type":"UserNotConfirmedException","message":"User is not confirmed."}"#.into()
        }
        ("InitiateAuth", "bench-expired") => r#"{"__type":"NotAuthorizedException","message":"Temporary password has expired and must be reset by an administrator."}"#.into(),
        ("ResendConfirmationCode", _) => r#"{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"b***@e***"}}"#.into(),
        ("InitiateAuth", _) => r#"{"AuthenticationResult":{"AccessToken":"bench.access.token","ExpiresIn":3600,"IdToken":"bench.id.token","RefreshToken":"bench-refresh","TokenType":"Bearer"},"ChallengeParameters":{}}"#.into(),
        ("AssociateSoftwareToken", _) => r#"{"SecretCode":"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP","Session":"bench-session-0123456789"}"#.into(),
        ("GetUser", _) => r#"{"Username":"bench-user","UserAttributes":[{"Name":"email","Value":"bench@example.com"},{"Name":"email_verified","Value":"true"}]}"#.into(),
        ("ListDevices", _) => r#"{"Devices":[]}"#.into(),
        ("ListWebAuthnCredentials", _) => r#"{"Credentials":[]}"#.into(),
        _ => return None,
    })
}

/// Starts this binary in `mode` and reads the port it prints.
async fn helper(mode: &str, arg: Option<&str>) -> Result<(Child, u16), Error> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg(mode)
        .args(arg)
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let out = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).await?;
    Ok((child, line.trim().parse()?))
}

// ---- The app under test ------------------------------------------------------------------

struct App {
    child: Child,
    base: String,
    addr: SocketAddr,
}

impl App {
    async fn start(
        server: &str,
        site: &str,
        cognito: u16,
        log: &std::path::Path,
        extra: &[(&str, String)],
    ) -> Result<App, Error> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let base = format!("http://127.0.0.1:{port}");
        let log_path = log.to_path_buf();
        let log = std::fs::File::create(log)?;
        let child = Command::new(server)
            .env_clear()
            .env("PATH", env("PATH", "/usr/bin:/bin"))
            .envs([
                ("COGNITO_USER_POOL_ID", "us-east-1_Bench0001"),
                ("COGNITO_CLIENT_ID", "benchclient0001"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "bench"),
                ("AWS_SECRET_ACCESS_KEY", "bench"),
                ("DESCRIBE_USER_POOL", "false"),
                ("SESSION_COOKIE_SECURE", "false"),
                (
                    "SERVER_SECRET",
                    "benchmark-secret-benchmark-secret-0123456789",
                ),
                // The uniform-timing floor would measure the sleep, not the app.
                ("RESET_MIN_RESPONSE_MS", "0"),
                // Every request comes from one IP: limits would answer 429 instead. (Limits
                // count in milliseconds, so a burst of 10 million, then 1000/s.)
                ("RATE_LIMIT_USER", "10000000/10000s"),
                ("RATE_LIMIT_USER_CEILING", "10000000/10000s"),
                ("RATE_LIMIT_IP", "10000000/10000s"),
                ("RATE_LIMIT_GLOBAL", "10000000/10000s"),
                ("LEPTOS_OUTPUT_NAME", "reset"),
                ("LEPTOS_ENV", "PROD"),
                ("LEPTOS_SITE_ROOT", site),
            ])
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{cognito}"))
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("PUBLIC_ORIGIN", &base)
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()?;
        let app = App {
            child,
            addr: format!("127.0.0.1:{port}").parse()?,
            base,
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{}/healthz", app.base)).send().await {
                if r.status().is_success() {
                    return Ok(app);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("the server did not start; see {}", log_path.display()).into())
    }

    /// Resident set size in bytes (Linux).
    fn rss(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    }
}

// ---- Bytes --------------------------------------------------------------------------------

#[derive(Default, Clone)]
struct Transfer {
    html: u64,
    css: u64,
    js: u64,
    wasm: u64,
    html_raw: u64,
    css_raw: u64,
    js_raw: u64,
    wasm_raw: u64,
    encodings: Vec<String>,
    /// The page holds the passkey button.
    passkey: bool,
}

impl Transfer {
    fn total(&self) -> u64 {
        self.html + self.css + self.js + self.wasm
    }
}

/// The files a page loads from its own site: stylesheets, module scripts, the WASM preload
/// (`href="/…"` and `src="/…"`).
fn asset_paths(html: &str) -> Vec<String> {
    let mut paths = vec![];
    for attr in ["href=\"", "src=\""] {
        let found = html
            .split(attr)
            .skip(1)
            .filter_map(|rest| rest.split('"').next());
        paths.extend(
            found
                .filter(|p| p.starts_with('/') && !p.starts_with("//"))
                .filter(|p| [".css", ".js", ".wasm"].iter().any(|e| p.ends_with(e)))
                .map(str::to_string),
        );
    }
    paths.sort();
    paths.dedup();
    paths
}

/// Bytes on the wire for a body (the client does not decode), and its encoding.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    encoding: &str,
) -> Result<(u64, String, String), Error> {
    let r = client
        .get(url)
        .header("Accept-Encoding", encoding)
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(format!("GET {url}: {}", r.status()).into());
    }
    let enc = r
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_string();
    let body = r.bytes().await?;
    Ok((
        body.len() as u64,
        enc,
        String::from_utf8_lossy(&body).into_owned(),
    ))
}

async fn transfer(client: &reqwest::Client, base: &str, page: &str) -> Result<Transfer, Error> {
    let mut t = Transfer::default();
    let (n, enc, _) = fetch(client, &format!("{base}{page}"), "br, gzip").await?;
    let (raw, _, html) = fetch(client, &format!("{base}{page}"), "identity").await?;
    t.html = n;
    t.html_raw = raw;
    t.encodings.push(format!("HTML {enc}"));
    t.passkey = html.contains("id=\"passkey\"");
    for path in asset_paths(&html) {
        let url = format!("{base}{path}");
        let (n, enc, _) = fetch(client, &url, "br, gzip").await?;
        let (raw, _, _) = fetch(client, &url, "identity").await?;
        let (slot, raw_slot, kind) = if path.ends_with(".css") {
            (&mut t.css, &mut t.css_raw, "CSS")
        } else if path.ends_with(".js") {
            (&mut t.js, &mut t.js_raw, "JS")
        } else if path.ends_with(".wasm") {
            (&mut t.wasm, &mut t.wasm_raw, "WASM")
        } else {
            continue;
        };
        *slot += n;
        *raw_slot += raw;
        t.encodings.push(format!("{kind} {enc}"));
    }
    Ok(t)
}

// ---- Redis --------------------------------------------------------------------------------

/// A Redis server of its own on a free port (no persistence), killed on drop.
async fn redis(bin: &str) -> Result<(Child, SocketAddr), Error> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(bin)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    for _ in 0..100 {
        if redis_command(addr, &["PING"]).await.is_ok() {
            return Ok((child, addr));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("redis-server did not start".into())
}

/// One Redis command; its answer as text (a status, a number or a bulk string).
async fn redis_command(addr: SocketAddr, args: &[&str]) -> Result<String, Error> {
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    let mut conn = BufReader::new(TcpStream::connect(addr).await?);
    conn.get_mut().write_all(req.as_bytes()).await?;
    let mut head = String::new();
    conn.read_line(&mut head).await?;
    match head.chars().next() {
        Some('$') => {
            let len: usize = head[1..].trim().parse()?;
            let mut body = vec![0; len + 2];
            conn.read_exact(&mut body).await?;
            body.truncate(len);
            Ok(String::from_utf8(body)?)
        }
        Some('+' | ':') => Ok(head[1..].trim().to_string()),
        _ => Err(format!("redis: {}", head.trim()).into()),
    }
}

/// Redis' `used_memory` in bytes.
async fn redis_memory(addr: SocketAddr) -> Result<u64, Error> {
    let info = redis_command(addr, &["INFO", "memory"]).await?;
    let line = info.lines().find_map(|l| l.strip_prefix("used_memory:"));
    Ok(line.ok_or("no used_memory in INFO")?.trim().parse()?)
}

// ---- Visitors -----------------------------------------------------------------------------

/// A browser of its own (cookies kept, redirects not followed), and its cookie jar.
fn browser() -> Result<(reqwest::Client, Arc<reqwest::cookie::Jar>), Error> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    Ok((client, jar))
}

/// How a visitor gets to a page: a fresh visit, a reset asked for, or signed in as one of the
/// stub's users (see [`stub_answer`]).
#[derive(Clone, Copy)]
enum Visit {
    Fresh,
    ResetAsked,
    SignedIn(&'static str),
}

/// The app's pages the benchmark measures, and how each is reached.
const PAGES: [(&str, Visit); 13] = [
    ("/reset", Visit::Fresh),
    ("/reset/confirm", Visit::ResetAsked),
    ("/sign-in", Visit::Fresh),
    ("/new-password", Visit::SignedIn("bench-new")),
    ("/sign-in/code", Visit::SignedIn("bench-totp")),
    ("/sign-in/choose", Visit::SignedIn("bench-choose")),
    ("/sign-in/setup", Visit::SignedIn("bench-setup")),
    ("/account/password", Visit::SignedIn("bench-user")),
    ("/sign-in/confirm", Visit::SignedIn("bench-unconfirmed")),
    ("/sign-in/invitation", Visit::SignedIn("bench-expired")),
    ("/sign-in/username", Visit::Fresh),
    ("/sign-in/recovery", Visit::SignedIn("bench-totp")),
    ("/sign-in/lost", Visit::SignedIn("bench-totp")),
];

/// The pages with a passkey button, on an instance whose pool offers passkeys to a
/// choice-based sign-in: signing in, and adding one on the security page.
const PASSKEY_PAGES: [(&str, Visit); 2] = [
    ("/sign-in", Visit::Fresh),
    ("/account/security", Visit::SignedIn("bench-user")),
];

/// `bench bytes`: every page's bytes against its budget; an error (exit 1) when one is over.
async fn bytes_gate() -> Result<(), Error> {
    let server = env("BENCH_SERVER", "target/debug/server");
    let site = env("BENCH_SITE_ROOT", "target/site");
    let out = PathBuf::from(env("BENCH_OUT", "target/bench/bytes.md"));
    let budget: u64 = env("BENCH_PAGE_BUDGET_KIB", "55").parse()?;
    let dir = out
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&dir)?;
    let (_stub, stub_port) = helper("stub", None).await?;
    let plain = App::start(
        &server,
        &site,
        stub_port,
        &dir.join("bytes-server.log"),
        &[],
    )
    .await?;
    let passkeys = [
        ("SIGN_IN_FLOW", "choice".to_string()),
        ("POOL_FEATURES", "optional,totp,passkeys".to_string()),
    ];
    let log = dir.join("bytes-server-passkeys.log");
    let with_passkeys = App::start(&server, &site, stub_port, &log, &passkeys).await?;
    let mut md = format!(
        "| Page | HTML | CSS | JS | WASM | Total (budget {budget} KiB) |\n|---|---|---|---|---|---|\n"
    );
    let mut over = vec![];
    let all = PAGES.iter().map(|p| (&plain, *p, "")).chain(
        PASSKEY_PAGES
            .iter()
            .map(|p| (&with_passkeys, *p, " (passkey button)")),
    );
    for (app, (path, visit), note) in all {
        let (browser, _) = visitor(&app.base, visit).await?;
        let t = transfer(&browser, &app.base, path).await?;
        if !note.is_empty() && !t.passkey {
            return Err(format!("{path} has no passkey button to weigh").into());
        }
        let verdict = if t.total() > budget * 1024 {
            over.push(format!("{path}{note}: {}", kib(t.total())));
            " **over**"
        } else {
            ""
        };
        md.push_str(&format!(
            "| `{path}`{note} | {} | {} | {} | {} | {}{verdict} |\n",
            kib(t.html),
            kib(t.css),
            kib(t.js),
            kib(t.wasm),
            kib(t.total())
        ));
    }
    std::fs::write(&out, &md)?;
    print!("{md}");
    if over.is_empty() {
        println!("every page within {budget} KiB (brotli, as sent)");
        Ok(())
    } else {
        Err(format!("over the {budget} KiB budget: {}", over.join("; ")).into())
    }
}

/// A visitor who has made `visit`'s posts (as a browser does: same origin, form-encoded);
/// returns its browser and its `Cookie` header.
async fn visitor(base: &str, visit: Visit) -> Result<(reqwest::Client, Option<String>), Error> {
    let (client, jar) = browser()?;
    let post = |path: &str, form: Vec<(&'static str, &'static str)>| {
        client
            .post(format!("{base}{path}"))
            .header("Origin", base)
            .header("Accept", "application/json")
            .form(&form)
            .send()
    };
    let answer = match visit {
        Visit::Fresh => None,
        Visit::ResetAsked => {
            Some(post("/api/reset/request", vec![("username", "bench-bytes")]).await?)
        }
        Visit::SignedIn(user) => Some(
            post(
                "/api/sign-in",
                vec![("username", user), ("password", "Bench-password-1")],
            )
            .await?,
        ),
    };
    if let Some(a) = answer.filter(|a| !a.status().is_success()) {
        return Err(format!("{base}: getting there ({}): {}", a.url(), a.status()).into());
    }
    let url = reqwest::Url::parse(base)?;
    let cookie = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url)
        .and_then(|v| v.to_str().ok().map(str::to_string));
    Ok((client, cookie))
}

// ---- Load ---------------------------------------------------------------------------------

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    io: BufReader<TcpStream>,
    line: String,
    body: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        Ok(Conn {
            io: BufReader::new(s),
            line: String::new(),
            body: Vec::with_capacity(64 * 1024),
        })
    }

    async fn read_line(&mut self) -> std::io::Result<&str> {
        self.line.clear();
        if self.io.read_line(&mut self.line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(self.line.trim_end())
    }

    /// Sends one request and reads the whole answer: (status, body bytes, keep-alive).
    async fn request(&mut self, req: &[u8]) -> std::io::Result<(u16, usize, bool)> {
        self.io.get_mut().write_all(req).await?;
        let status: u16 = self
            .read_line()
            .await?
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or(std::io::ErrorKind::InvalidData)?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            let line = self.read_line().await?.to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("content-length:") {
                length = v.trim().parse::<usize>().ok();
            } else if line.starts_with("transfer-encoding:") && line.contains("chunked") {
                chunked = true;
            } else if line.starts_with("connection:") && line.contains("close") {
                close = true;
            }
        }
        let mut size = 0;
        if chunked {
            loop {
                let n = usize::from_str_radix(
                    self.read_line()
                        .await?
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim(),
                    16,
                )
                .map_err(|_| std::io::ErrorKind::InvalidData)?;
                if n == 0 {
                    while !self.read_line().await?.is_empty() {}
                    break;
                }
                self.body.resize(n + 2, 0);
                self.io.read_exact(&mut self.body).await?;
                size += n;
            }
        } else if let Some(n) = length {
            self.body.resize(n, 0);
            self.io.read_exact(&mut self.body).await?;
            size = n;
        } else {
            self.body.clear();
            size = self.io.read_to_end(&mut self.body).await?;
            close = true;
        }
        Ok((status, size, !close))
    }
}

struct Run {
    requests: u64,
    seconds: f64,
    statuses: BTreeMap<u16, u64>,
    failures: u64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Run {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
    fn ok(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| (200..400).contains(*s))
            .map(|(_, n)| n)
            .sum()
    }
}

/// What a timed run asks for: GETs of the URL with these headers, or the reset request
/// posted from `Origin`, a new username each time.
enum Ask<'a> {
    Get(&'a [&'a str]),
    ResetRequest { origin: &'a str },
}

/// A timed load run by wrk with `bench/wrk/bench.lua`: `conns` connections on two threads,
/// keep-alive, for `secs`, after a warm-up run of `warmup` that is not counted.
async fn wrk(
    bin: &str,
    script: &str,
    url: &str,
    ask: Ask<'_>,
    conns: usize,
    warmup: Duration,
    secs: Duration,
) -> Result<Run, Error> {
    let mut out = String::new();
    for d in [warmup, secs] {
        let mut cmd = Command::new(bin);
        cmd.args([
            "-t2",
            &format!("-c{conns}"),
            &format!("-d{}s", d.as_secs().max(1)),
        ])
        .args(["--timeout", "5s", "-s", script]);
        match &ask {
            Ask::Get(headers) => {
                for h in *headers {
                    cmd.args(["-H", h]);
                }
            }
            Ask::ResetRequest { origin } => {
                cmd.env("WRK_POST", "1").env("WRK_ORIGIN", origin);
            }
        }
        let done = cmd.arg(url).stderr(Stdio::inherit()).output().await?;
        if !done.status.success() {
            return Err(format!("wrk exited with {}", done.status).into());
        }
        out = String::from_utf8_lossy(&done.stdout).into_owned();
    }
    let mut run = Run {
        requests: 0,
        seconds: secs.as_secs_f64(),
        statuses: BTreeMap::new(),
        failures: 0,
        p50_ms: f64::NAN,
        p99_ms: f64::NAN,
    };
    for line in out.lines().filter_map(|l| l.strip_prefix("bench ")) {
        let words: Vec<&str> = line.split(' ').collect();
        let num = |i: usize| {
            words
                .get(i)
                .and_then(|w| w.parse::<u64>().ok())
                .unwrap_or(0)
        };
        match words[0] {
            "requests" => run.requests = num(1),
            "micros" => run.seconds = num(1) as f64 / 1e6,
            "p50" => run.p50_ms = num(1) as f64 / 1000.0,
            "p99" => run.p99_ms = num(1) as f64 / 1000.0,
            "failures" => run.failures = num(1),
            "status" => *run.statuses.entry(num(1) as u16).or_insert(0) += num(2),
            _ => {}
        }
    }
    if run.requests == 0 {
        return Err(format!("wrk printed no result: {out}").into());
    }
    Ok(run)
}

/// The reset request as the hydrated page sends it: a same-origin form-encoded POST that
/// asks for JSON. No cookie: each is a new visitor (and a new session).
fn server_fn_request(host: &str, n: u64) -> Vec<u8> {
    let body = format!("username=bench-user-{n}");
    format!(
        "POST /api/reset/request HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nUser-Agent: bench\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

// ---- Lighthouse ---------------------------------------------------------------------------

struct Lighthouse {
    score: f64,
    tbt_ms: f64,
    fcp_ms: f64,
    lcp_ms: f64,
    /// What the browser loaded (Lighthouse's `total-byte-weight`: on the wire, headers too).
    bytes: f64,
}

async fn lighthouse(
    bin: &str,
    url: &str,
    cookie: Option<&str>,
    out: &std::path::Path,
) -> Result<Lighthouse, Error> {
    let mut cmd = Command::new(bin);
    if let Some(c) = cookie {
        cmd.arg(format!(
            "--extra-headers={}",
            serde_json::json!({ "Cookie": c })
        ));
    }
    let status = cmd
        .arg(url)
        .args([
            "--only-categories=performance",
            "--output=json",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        ])
        .arg(format!("--output-path={}", out.display()))
        .status()
        .await?;
    if !status.success() {
        return Err(format!("lighthouse exited with {status}").into());
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out)?)?;
    let audit = |id: &str| {
        report["audits"][id]["numericValue"]
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    Ok(Lighthouse {
        score: report["categories"]["performance"]["score"]
            .as_f64()
            .unwrap_or(f64::NAN)
            * 100.0,
        tbt_ms: audit("total-blocking-time"),
        fcp_ms: audit("first-contentful-paint"),
        lcp_ms: audit("largest-contentful-paint"),
        bytes: audit("total-byte-weight"),
    })
}

// ---- The run ------------------------------------------------------------------------------

fn kib(n: u64) -> String {
    format!("{:.1} KiB", n as f64 / 1024.0)
}

fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or("?".into(), |kb| {
            format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0)
        });
    format!("{cpu}, {cores} cores, {mem} RAM")
}

async fn run() -> Result<(), Error> {
    let server = env("BENCH_SERVER", "target/release/server");
    let site = env("BENCH_SITE_ROOT", "target/site");
    let out = PathBuf::from(env("BENCH_OUT", "target/bench/bench.md"));
    let secs: u64 = env("BENCH_SECS", "10").parse()?;
    let conns: usize = env("BENCH_CONNS", "64").parse()?;
    let dir = out
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&dir)?;
    let warmup = Duration::from_secs(2);
    let dur = Duration::from_secs(secs);

    let (_stub, stub_port) = helper("stub", None).await?;
    let app = App::start(&server, &site, stub_port, &dir.join("server.log"), &[]).await?;
    let host = app.addr.to_string();
    eprintln!("bench: server up at {}", app.base);

    // 5a. Idle RSS: started, one page rendered (so lazily built state exists), then quiet.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    client.get(format!("{}/reset", app.base)).send().await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = app.rss().unwrap_or(0);

    // 1. Bytes of every page, each reached the way a visitor reaches it.
    let mut pages = vec![];
    for (path, visit) in PAGES {
        let (browser, cookie) = visitor(&app.base, visit).await?;
        let bytes = transfer(&browser, &app.base, path).await?;
        pages.push((path, bytes, cookie));
    }
    let reset = pages[0].1.clone();
    let heaviest = pages.iter().map(|(_, t, _)| t.total()).max().unwrap_or(0);
    // The anchor: Amplify UI's Authenticator on its forgot-password screen (scripts/bench.sh
    // builds it), served from its folder with brotli and gzip copies like our assets.
    let amplify = match std::env::var("BENCH_AMPLIFY") {
        Ok(dir) if !dir.is_empty() => {
            let (child, port) = helper("static", Some(&dir)).await?;
            let base = format!("http://127.0.0.1:{port}");
            let bytes = transfer(&browser()?.0, &base, "/").await?;
            Some((child, base, bytes))
        }
        _ => None,
    };

    // 5b. RSS after 10 000 sessions: each server-function call without a cookie is a new
    // visitor, whose reset in progress the memory store keeps.
    let sessions = 10_000u64;
    let h = host.clone();
    let made = load_n(
        app.addr,
        Arc::new(move |n| server_fn_request(&h, 1_000_000 + n)),
        conns,
        sessions,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sessions_rss = app.rss().unwrap_or(0);
    eprintln!(
        "bench: idle RSS {}, after {made} sessions {}",
        mib(idle_rss),
        mib(sessions_rss)
    );

    // 5c. The same sessions on Redis: a second instance with a Redis of its own; Redis'
    // `used_memory` before and after, per session made (limits' counters included).
    let on_redis = match std::env::var("BENCH_REDIS").ok().filter(|b| !b.is_empty()) {
        Some(bin) => {
            eprintln!("bench: {sessions} sessions on Redis");
            let (_redis, raddr) = redis(&bin).await?;
            let store = [("SESSION_STORE", format!("redis://{raddr}"))];
            let log = dir.join("server-redis.log");
            let second = App::start(&server, &site, stub_port, &log, &store).await?;
            let before = redis_memory(raddr).await?;
            let h = second.addr.to_string();
            let request = Arc::new(move |n| server_fn_request(&h, 2_000_000 + n));
            let made = load_n(second.addr, request, conns, sessions).await;
            let after = redis_memory(raddr).await?;
            let keys: u64 = redis_command(raddr, &["DBSIZE"]).await?.parse()?;
            Some((made, keys, after.saturating_sub(before)))
        }
        None => None,
    };

    // 2. SSR against the baseline (the same bytes the app sends without compression).
    let html_file = dir.join("reset.html");
    let raw_html = client
        .get(format!("{}/reset", app.base))
        .header("Accept", "text/html")
        .send()
        .await?
        .bytes()
        .await?;
    std::fs::write(&html_file, &raw_html)?;
    let (_base_child, base_port) = helper("baseline", Some(&html_file.to_string_lossy())).await?;
    let base_addr: SocketAddr = format!("127.0.0.1:{base_port}").parse()?;
    let wrk_bin = env("WRK", "wrk");
    let script = env("BENCH_WRK_SCRIPT", "bench/wrk/bench.lua");
    let page = ["Accept: text/html", "Accept-Language: en-GB,en;q=0.8"];
    let timed = |url: String, ask| {
        let (bin, script) = (wrk_bin.clone(), script.clone());
        async move { wrk(&bin, &script, &url, ask, conns, warmup, dur).await }
    };
    eprintln!("bench: baseline GET /reset ({secs} s, {conns} connections, wrk)");
    let base_run = timed(format!("http://{base_addr}/reset"), Ask::Get(&page)).await?;
    eprintln!("bench: app GET /reset");
    let ssr_run = timed(format!("{}/reset", app.base), Ask::Get(&page)).await?;
    // A visitor with a cookie (here one that is not a session) skips the page cache: every
    // request is rendered.
    eprintln!("bench: app GET /reset, rendered every time");
    let with_cookie = [page[0], page[1], "Cookie: seen=1"];
    let render_run = timed(format!("{}/reset", app.base), Ask::Get(&with_cookie)).await?;
    eprintln!("bench: app POST /api/reset/request");
    let ask = Ask::ResetRequest { origin: &app.base };
    let fn_run = timed(format!("{}/reset", app.base), ask).await?;

    // 4. Lighthouse on every page (with its visitor's cookie: loading a page does not use up
    // the step it shows) and on the Amplify page, with the server quiet again.
    let mut lh: Vec<(String, Result<Lighthouse, Error>)> = vec![];
    if let Some(bin) = std::env::var("LIGHTHOUSE").ok().filter(|b| !b.is_empty()) {
        for (path, _, cookie) in &pages {
            eprintln!("bench: lighthouse {path}");
            let report = dir.join(format!("lighthouse{}.json", path.replace('/', "-")));
            let url = format!("{}{path}", app.base);
            let run = lighthouse(&bin, &url, cookie.as_deref(), &report).await;
            lh.push((format!("`{path}`"), run));
        }
        if let Some((_, base, _)) = &amplify {
            eprintln!("bench: lighthouse Amplify");
            let report = dir.join("lighthouse-amplify.json");
            let run = lighthouse(&bin, &format!("{base}/"), None, &report).await;
            lh.push(("Amplify Authenticator".into(), run));
        }
    }

    // ---- The report ----
    let mut md = String::new();
    let line = |md: &mut String, s: String| {
        md.push_str(&s);
        md.push('\n');
    };
    line(
        &mut md,
        format!(
            "Machine: {}. Load generator, server and baseline share it.",
            machine()
        ),
    );
    if let Ok(note) = std::env::var("BENCH_NOTE") {
        line(&mut md, format!("Build: {note}."));
    }
    line(&mut md, String::new());
    line(&mut md, "**Bytes to the browser** (`Accept-Encoding: br, gzip`; bodies as sent, headers not counted; raw size in brackets)".into());
    line(&mut md, String::new());
    line(
        &mut md,
        "| Page | HTML | CSS | JS | WASM | Total | HTML + CSS |".into(),
    );
    line(&mut md, "|---|---|---|---|---|---|---|".into());
    let amplify_bytes = amplify.as_ref().map(|(_, _, t)| t.clone());
    let rows = pages
        .iter()
        .map(|(path, t, _)| (format!("`{path}`"), t.clone()))
        .chain(
            amplify_bytes
                .clone()
                .map(|t| ("Amplify Authenticator, forgot password".to_string(), t)),
        );
    for (name, t) in rows {
        line(
            &mut md,
            format!(
                "| {name} | {} ({}) | {} ({}) | {} ({}) | {} ({}) | {} | {} |",
                kib(t.html),
                kib(t.html_raw),
                kib(t.css),
                kib(t.css_raw),
                kib(t.js),
                kib(t.js_raw),
                kib(t.wasm),
                kib(t.wasm_raw),
                kib(t.total()),
                kib(t.html + t.css),
            ),
        );
    }
    let ratio = amplify_bytes
        .as_ref()
        .map(|a| heaviest as f64 / a.total().max(1) as f64);
    if let Some(r) = ratio {
        line(
            &mut md,
            format!(
                "\nThe heaviest page against Amplify's: {:.1} % ({} of {}).",
                100.0 * r,
                kib(heaviest),
                kib(amplify_bytes.as_ref().map_or(0, |a| a.total()))
            ),
        );
    }
    line(
        &mut md,
        format!("\nEncodings: {}.\n", reset.encodings.join(", ")),
    );
    line(&mut md, format!("**Load**: {conns} connections, keep-alive, {secs} s after a 2 s warm-up, no compression asked for.\n"));
    line(
        &mut md,
        "| Target | Requests/s | vs baseline | p50 | p99 | Answers |".into(),
    );
    line(&mut md, "|---|---|---|---|---|---|".into());
    let answers = |r: &Run| {
        let mut parts: Vec<String> = r.statuses.iter().map(|(s, n)| format!("{n}×{s}")).collect();
        if r.failures > 0 {
            parts.push(format!("{} failed", r.failures));
        }
        parts.join(", ")
    };
    for (name, r) in [
        ("Baseline: the same HTML from memory (axum)", &base_run),
        ("`GET /reset` (SSR, anonymous: page cache)", &ssr_run),
        ("`GET /reset` (SSR, rendered every time)", &render_run),
        (
            "`POST /api/reset/request` (server function, Cognito stub)",
            &fn_run,
        ),
    ] {
        line(
            &mut md,
            format!(
                "| {name} | {:.0} | {:.1} % | {:.2} ms | {:.2} ms | {} |",
                r.rps(),
                100.0 * r.rps() / base_run.rps(),
                r.p50_ms,
                r.p99_ms,
                answers(r),
            ),
        );
    }
    line(&mut md, String::new());
    line(
        &mut md,
        "**Lighthouse** (mobile preset, simulated throttling)\n".into(),
    );
    let mut ours: Vec<(f64, f64)> = vec![];
    if lh.is_empty() {
        line(
            &mut md,
            "Lighthouse was not run (`LIGHTHOUSE` unset).".into(),
        );
    } else {
        line(
            &mut md,
            "| Page | Performance | TBT | FCP | LCP | Bytes loaded |\n|---|---|---|---|---|---|"
                .into(),
        );
    }
    for (name, run) in &lh {
        match run {
            Ok(l) => {
                line(
                    &mut md,
                    format!(
                        "| {name} | {:.0} | {:.0} ms | {:.0} ms | {:.0} ms | {} |",
                        l.score,
                        l.tbt_ms,
                        l.fcp_ms,
                        l.lcp_ms,
                        kib(l.bytes as u64)
                    ),
                );
                if name.starts_with('`') {
                    ours.push((l.score, l.tbt_ms));
                }
            }
            Err(e) => line(&mut md, format!("| {name} | failed: {e} | | | | |")),
        }
    }
    // Every page measured, or the budget is not met.
    let lh_ok = (ours.len() == pages.len()).then(|| {
        let worst_score = ours.iter().map(|o| o.0).fold(f64::INFINITY, f64::min);
        let worst_tbt = ours.iter().map(|o| o.1).fold(0.0, f64::max);
        (worst_score, worst_tbt)
    });
    line(&mut md, String::new());
    let per_memory = sessions_rss.saturating_sub(idle_rss) / made.max(1);
    line(
        &mut md,
        format!(
            "**Memory**: server RSS idle {}, after {made} sessions in the memory store {} ({per_memory} bytes a session).",
            mib(idle_rss),
            mib(sessions_rss)
        ),
    );
    let per_redis = on_redis.map(|(made, _, grew)| grew / made.max(1));
    match on_redis {
        Some((made, keys, grew)) => line(
            &mut md,
            format!(
                "On Redis: `used_memory` grew by {} for {made} sessions ({keys} keys): {} bytes a session.\n",
                mib(grew),
                grew / made.max(1)
            ),
        ),
        None => line(&mut md, "Redis was not measured (`BENCH_REDIS` unset).\n".into()),
    }

    let budget_kib = |n: u64| n * 1024;
    line(&mut md, "**Budgets**\n".into());
    line(&mut md, "| Budget | Measured | |".into());
    line(&mut md, "|---|---|---|".into());
    let rows: Vec<(String, String, bool)> = vec![
        (
            format!(
                "Every page ({} measured), total compressed ≤ 55 KiB (the heaviest; `make test` gates it)",
                pages.len()
            ),
            kib(heaviest),
            heaviest <= budget_kib(55),
        ),
        (
            "The heaviest page ≤ ⅓ of Amplify's, in the same run".into(),
            ratio.map_or("not measured".into(), |r| format!("{:.1} %", 100.0 * r)),
            ratio.is_some_and(|r| r <= 1.0 / 3.0),
        ),
        (
            "`/reset` HTML + CSS ≤ 15 KiB".into(),
            kib(reset.html + reset.css),
            reset.html + reset.css <= budget_kib(15),
        ),
        (
            "SSR through the page cache ≥ 50 % of baseline throughput".into(),
            format!("{:.1} %", 100.0 * ssr_run.rps() / base_run.rps()),
            ssr_run.rps() >= 0.5 * base_run.rps(),
        ),
        (
            "SSR rendered every time ≥ 25 % of baseline throughput".into(),
            format!("{:.1} %", 100.0 * render_run.rps() / base_run.rps()),
            render_run.rps() >= 0.25 * base_run.rps(),
        ),
        (
            "Server function ≥ 15 % of baseline throughput".into(),
            format!("{:.1} %", 100.0 * fn_run.rps() / base_run.rps()),
            fn_run.rps() >= 0.15 * base_run.rps(),
        ),
        (
            "SSR p99 < 10 ms at 64 connections".into(),
            format!("{:.2} ms", ssr_run.p99_ms),
            ssr_run.p99_ms < 10.0,
        ),
        (
            "Server function p99 < 10 ms at 64 connections".into(),
            format!("{:.2} ms", fn_run.p99_ms),
            fn_run.p99_ms < 10.0,
        ),
        (
            "Lighthouse performance 100, every page (the lowest)".into(),
            lh_ok.map_or("not measured".into(), |(s, _)| format!("{s:.0}")),
            lh_ok.is_some_and(|(s, _)| s >= 100.0),
        ),
        (
            "Lighthouse TBT 0 ms, every page (the highest)".into(),
            lh_ok.map_or("not measured".into(), |(_, t)| format!("{t:.0} ms")),
            lh_ok.is_some_and(|(_, t)| t < 0.5),
        ),
        (
            "Redis memory per session ≤ 640 bytes".into(),
            per_redis.map_or("not measured".into(), |b| format!("{b} bytes")),
            per_redis.is_some_and(|b| b <= 640),
        ),
        (
            "Idle RSS < 40 MiB".into(),
            mib(idle_rss),
            idle_rss > 0 && idle_rss < 40 * 1024 * 1024,
        ),
        (
            "Every answer 2xx/3xx during the load runs".into(),
            format!(
                "{} of {}",
                ssr_run.ok() + fn_run.ok(),
                ssr_run.requests + fn_run.requests + ssr_run.failures + fn_run.failures
            ),
            ssr_run.ok() == ssr_run.requests
                && fn_run.ok() == fn_run.requests
                && ssr_run.failures + fn_run.failures == 0,
        ),
    ];
    for (b, m, ok) in rows {
        line(&mut md, format!("| {b} | {m} | {} |", verdict(ok)));
    }
    std::fs::write(&out, &md)?;
    println!("{md}");
    eprintln!("bench: wrote {}", out.display());
    Ok(())
}

/// Sends exactly `total` requests over `conns` connections; returns how many got a 2xx/3xx.
async fn load_n(
    addr: SocketAddr,
    request: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>,
    conns: usize,
    total: u64,
) -> u64 {
    let next = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (request, next, ok) = (request.clone(), next.clone(), ok.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn: Option<Conn> = None;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                if conn.is_none() {
                    conn = Conn::open(addr).await.ok();
                }
                let Some(c) = conn.as_mut() else { continue };
                match c.request(&request(n)).await {
                    Ok((status, _, keep)) => {
                        if (200..400).contains(&status) {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        if !keep {
                            conn = None;
                        }
                    }
                    Err(_) => conn = None,
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    ok.load(Ordering::Relaxed)
}
