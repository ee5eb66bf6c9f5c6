//! Test harness: moto (started once per test binary unless `MOTO_ENDPOINT` points at one), a
//! fresh user pool per test, and the app spawned in-process on port 0.
#![allow(dead_code)]

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{Once, OnceLock},
    time::Duration,
};

use serde_json::{json, Value};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

// Runs moto (through scripts/moto_server.py: the calls moto lacks that the app makes) and kills
// it when our end of its stdin closes (when the test binary exits).
const WATCHDOG: &str = "import subprocess,sys\n\
p=subprocess.Popen([sys.executable,sys.argv[1],'-H','127.0.0.1','-p',sys.argv[2]],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)\n\
sys.stdin.read()\n\
p.kill()\n";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// moto's endpoint (127.0.0.1 only).
pub fn moto() -> &'static str {
    static MOTO: OnceLock<String> = OnceLock::new();
    MOTO.get_or_init(|| {
        if let Ok(e) = std::env::var("MOTO_ENDPOINT") {
            return e;
        }
        let port = free_port();
        let venv = root().join(".tools/venv/bin");
        let child = Command::new(venv.join("python"))
            .arg("-c")
            .arg(WATCHDOG)
            .arg(root().join("scripts/moto_server.py"))
            .arg(port.to_string())
            // Authenticator codes are checked for real (one fixed key for every user).
            .env("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
            .stdin(Stdio::piped())
            .spawn()
            .expect("moto is not installed: run `make test` (or scripts/setup.sh) first");
        // Never dropped: the pipe stays open for the life of the test binary.
        Box::leak(Box::new(child));
        for _ in 0..150 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        format!("http://127.0.0.1:{port}")
    })
}

fn init_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let endpoint = moto().to_string();
        std::env::set_var("AWS_ENDPOINT_URL", endpoint);
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("LEPTOS_SITE_ROOT", root().join("target/site"));
        std::env::set_var("LEPTOS_OUTPUT_NAME", "reset");
    });
}

pub mod moto_json;

/// Calls a Cognito action on moto directly (test setup only).
pub async fn moto_call(action: &str, body: Value) -> Value {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    moto_json::call(&http, moto(), action, &body)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A user pool with one app client.
#[derive(Clone, Debug)]
pub struct Pool {
    pub id: String,
    pub client_id: String,
    pub secret: Option<String>,
}

/// Creates a pool (Cognito's default password policy) and an app client.
pub async fn create_pool(with_secret: bool) -> Pool {
    create_pool_with(with_secret, json!({})).await
}

/// Like [`create_pool`], with more `CreateUserPool` fields (e.g. `AccountRecoverySetting`).
pub async fn create_pool_with(with_secret: bool, extra: Value) -> Pool {
    let mut request = json!({
        "PoolName": format!("t{}", rand::random::<u32>()),
        "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": true,
            "RequireLowercase": true, "RequireNumbers": true, "RequireSymbols": true}},
        "AutoVerifiedAttributes": ["email"],
    });
    if let (Some(r), Some(e)) = (request.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    let pool = moto_call("CreateUserPool", request).await;
    let id = pool["UserPool"]["Id"].as_str().unwrap().to_string();
    let client = moto_call(
        "CreateUserPoolClient",
        json!({
            "UserPoolId": id, "ClientName": "web", "GenerateSecret": with_secret,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            // As the docs ask: the recovery codes' attribute is in neither list.
            "ReadAttributes": ["email", "email_verified", "phone_number", "phone_number_verified", "name", "locale"],
            "WriteAttributes": ["email", "phone_number", "name", "locale"],
        }),
    )
    .await;
    Pool {
        id,
        client_id: client["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_string(),
        secret: client["UserPoolClient"]["ClientSecret"]
            .as_str()
            .map(str::to_string),
    }
}

/// A random username.
pub fn random_user() -> String {
    format!("user{}", rand::random::<u32>())
}

/// Creates a CONFIRMED user with `password` and a verified email.
pub async fn confirmed_user(pool: &Pool, name: &str, password: &str) {
    temporary_user(pool, name, "Temp-Passw0rd!").await;
    moto_call(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool.id, "Username": name, "Password": password, "Permanent": true}),
    )
    .await;
}

/// Creates a FORCE_CHANGE_PASSWORD user with a temporary password and a verified email.
pub async fn temporary_user(pool: &Pool, name: &str, temporary: &str) {
    moto_call(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool.id, "Username": name, "TemporaryPassword": temporary,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")},
                               {"Name": "email_verified", "Value": "true"}],
        }),
    )
    .await;
}

/// moto's whole state (`/moto-api/data.json`). moto builds it from every backend while other
/// tests write to them, and now and then answers a 500 (or a half-written body): asked again.
pub async fn moto_data() -> Value {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    for attempt in 0..10 {
        let r = http
            .get(format!("{}/moto-api/data.json", moto()))
            .send()
            .await
            .expect("moto answers data.json");
        let status = r.status();
        match r.json::<Value>().await {
            Ok(v) if status.is_success() => return v,
            _ if attempt < 9 => tokio::time::sleep(Duration::from_millis(200)).await,
            other => panic!("moto's data.json: {status} {other:?}"),
        }
    }
    unreachable!("the last attempt returns or panics")
}

/// The latest reset code moto issued to `name` in `pool` (its username, or the email address
/// or phone number that stands for it in a pool that signs in with those: Cognito's username is
/// then the user's `sub`).
pub async fn latest_code(pool: &Pool, name: &str) -> Option<String> {
    let is = |u: &Value| {
        u["username"] == name
            || u["attributes"].as_array().is_some_and(|a| {
                a.iter().any(|x| {
                    (x["Name"] == "email" || x["Name"] == "phone_number") && x["Value"] == name
                })
            })
    };
    moto_data().await["cognitoidp"]["CognitoIdpUser"]
        .as_array()?
        .iter()
        .find(|u| u["user_pool_id"] == pool.id.as_str() && is(u))
        .and_then(|u| u["confirmation_code"].as_str().map(str::to_string))
}

/// A running app and a browser-like client (cookie store, no automatic redirects).
pub struct TestApp {
    pub base: String,
    pub pool: Pool,
    pub client: reqwest::Client,
    /// The session store of an app spawned in this process.
    pub sessions: Option<server::store::Backend>,
}

/// Spawns the app against a fresh pool.
pub async fn spawn_app(with_secret: bool) -> TestApp {
    spawn_app_with(with_secret, &[]).await
}

/// Spawns the app against a fresh pool, with extra settings.
pub async fn spawn_app_with(with_secret: bool, extra: &[(&str, &str)]) -> TestApp {
    init_env();
    let pool = create_pool(with_secret).await;
    spawn_on(&pool, extra).await
}

/// A fresh browser-like client.
pub fn client() -> reqwest::Client {
    // A hung answer fails the test (with where it hung) instead of stalling the run.
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

impl TestApp {
    /// The same app seen from another browser (a new cookie jar).
    pub fn fresh(&self) -> TestApp {
        TestApp {
            base: self.base.clone(),
            pool: self.pool.clone(),
            client: client(),
            sessions: self.sessions.clone(),
        }
    }

    /// Confirms a reset with `code`, typing `password` in both fields (JavaScript on).
    pub async fn confirm(&self, code: &str, password: &str) -> reqwest::Response {
        self.call(
            "reset/confirm",
            &[
                ("code", code),
                ("new_password", password),
                ("confirm_password", password),
            ],
        )
        .await
    }

    /// A new confirmed user with `password`, signed in here (JavaScript on); its name.
    pub async fn signed_in_user(&self, password: &str) -> String {
        let user = random_user();
        confirmed_user(&self.pool, &user, password).await;
        let r = self
            .call("sign-in", &[("username", &user), ("password", password)])
            .await;
        assert_eq!(location(&r), "/account");
        user
    }

    /// GET a page.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap()
    }

    /// GET a page and return its HTML.
    pub async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.text().await.unwrap()
    }

    /// Calls a server function the way the hydrated page does (JavaScript on).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("Accept", "application/json")
            .header("Sec-Fetch-Site", "same-origin")
            .header("Origin", &self.base)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form the way a browser without JavaScript does, from `page`.
    pub async fn post_form(
        &self,
        page: &str,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("Accept", "text/html,application/xhtml+xml")
            .header("Referer", format!("{}{page}", self.base))
            .header("Origin", &self.base)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

/// The `Location` of a redirect.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The `AppError` JSON of a failed server-function call.
pub async fn error_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Builds the settings `spawn_app_with` would, for a pool, without starting anything.
pub fn settings_for(pool: &Pool, port: u16, extra: &[(&str, &str)]) -> app::config::Settings {
    init_env();
    let mut env: HashMap<String, String> = HashMap::from([
        ("COGNITO_USER_POOL_ID".into(), pool.id.clone()),
        ("COGNITO_CLIENT_ID".into(), pool.client_id.clone()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("PUBLIC_ORIGIN".into(), format!("http://127.0.0.1:{port}")),
        ("LISTEN_ADDR".into(), format!("127.0.0.1:{port}")),
        ("SESSION_COOKIE_SECURE".into(), "false".into()),
        ("RESET_MIN_RESPONSE_MS".into(), "0".into()),
        ("AWS_ENDPOINT_URL".into(), moto().to_string()),
    ]);
    if let Some(s) = &pool.secret {
        env.insert("COGNITO_CLIENT_SECRET".into(), s.clone());
    }
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    app::config::Settings::from_lookup(|k| env.get(k).cloned())
        .and_then(app::config::Settings::load_files)
        .unwrap()
}

/// Spawns the app on `pool` (an existing pool: several instances can share it).
pub async fn spawn_on(pool: &Pool, extra: &[(&str, &str)]) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let settings = settings_for(pool, port, extra);
    let options = server::leptos_options(&settings);
    let conns = server::Connections::from_settings(&settings);
    let services = server::build(settings, options).await.unwrap();
    let sessions = services.sessions.clone();
    tokio::spawn(server::serve(listener, server::router(services), conns));
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        pool: pool.clone(),
        client: client(),
        sessions: Some(sessions),
    }
}

/// A TCP proxy on 127.0.0.1 that tests can take down, bring back, or slow down: the Cognito
/// or Redis "outage" of the fault tests.
pub struct Proxy {
    pub port: u16,
    target: std::net::SocketAddr,
    delay_ms: std::sync::Arc<std::sync::atomic::AtomicU64>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Proxy {
    pub async fn start(target: std::net::SocketAddr) -> Proxy {
        let port = free_port();
        let p = Proxy {
            port,
            target,
            delay_ms: Default::default(),
            task: std::sync::Mutex::new(None),
        };
        p.up().await;
        p
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts accepting (again) on the same port.
    pub async fn up(&self) {
        let mut listener = None;
        for _ in 0..50 {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let listener = listener.expect("the proxy port is free again");
        let target = self.target;
        let delay = self.delay_ms.clone();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    break;
                };
                let d = delay.load(std::sync::atomic::Ordering::SeqCst);
                conns.spawn(async move {
                    if d > 0 {
                        tokio::time::sleep(Duration::from_millis(d)).await;
                    }
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        *self.task.lock().unwrap() = Some(task);
    }

    /// Stops listening and cuts every open connection: connections are refused.
    pub async fn down(&self) {
        if let Some(t) = self.task.lock().unwrap().take() {
            t.abort();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// Holds each new connection this long before passing it on.
    pub fn delay(&self, d: Duration) {
        self.delay_ms
            .store(d.as_millis() as u64, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The host:port of moto.
pub fn moto_addr() -> std::net::SocketAddr {
    moto()
        .trim_start_matches("http://")
        .parse()
        .expect("moto on 127.0.0.1:port")
}

/// A Redis server on a free port (killed when the returned guard drops).
pub struct Redis {
    pub port: u16,
    child: std::process::Child,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_redis() -> Redis {
    let port = free_port();
    spawn_redis(port, &["--port", &port.to_string()])
}

/// `redis-server` on 127.0.0.1 with `args`, nothing saved; returns once `port` accepts.
fn spawn_redis(port: u16, args: &[&str]) -> Redis {
    let child = Command::new("redis-server")
        .args(args)
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is not installed: run `make test` (or scripts/setup.sh) first");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Redis { port, child }
}

/// A Redis server that speaks only TLS and wants a password, as ElastiCache does with
/// encryption in transit and AUTH: a CA and a certificate for 127.0.0.1 made with `openssl`.
pub struct TlsRedis {
    pub port: u16,
    /// The CA's certificate (PEM), for `SSL_CERT_FILE`.
    pub ca: PathBuf,
    _redis: Redis,
}

pub fn start_tls_redis(password: &str) -> TlsRedis {
    let dir = std::env::temp_dir().join(format!("reset-tls-{}", rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    // Each command line is split on spaces (no argument has one).
    let openssl = |line: &str| {
        let args: Vec<&str> = line.split_whitespace().collect();
        let out = Command::new("openssl")
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("openssl is not installed");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "openssl {line}: {err}");
    };
    openssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=reset-test-CA");
    openssl("req -newkey rsa:2048 -nodes -keyout redis.key -out redis.csr -subj /CN=127.0.0.1");
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl("x509 -req -in redis.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out redis.pem -days 2 -extfile san.ext");
    let port = free_port();
    let path = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let (cert, key, ca) = (path("redis.pem"), path("redis.key"), path("ca.pem"));
    let tls_port = port.to_string();
    let mut args = vec![
        "--port",
        "0",
        "--tls-port",
        &tls_port,
        "--tls-auth-clients",
        "no",
    ];
    args.extend([
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &ca,
    ]);
    args.extend(["--requirepass", password]);
    let redis = spawn_redis(port, &args);
    TlsRedis {
        port,
        ca: dir.join("ca.pem"),
        _redis: redis,
    }
}

/// The server binary, started as operators run it (JSON logs to `log`), against `pool`.
pub struct Binary {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn spawn_binary(pool: &Pool, extra: &[(&str, &str)], log: &Path) -> Binary {
    spawn_binary_logging(pool, extra, log, false).await
}

/// Like [`spawn_binary`]; with `stdout`, standard output goes to the log too (after its own
/// lines, through the same open file).
pub async fn spawn_binary_logging(
    pool: &Pool,
    extra: &[(&str, &str)],
    log: &Path,
    stdout: bool,
) -> Binary {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("COGNITO_USER_POOL_ID", &pool.id)
        .env("COGNITO_CLIENT_ID", &pool.client_id)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", moto())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("PUBLIC_ORIGIN", &base)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("SESSION_COOKIE_SECURE", "false")
        .env("RESET_MIN_RESPONSE_MS", "0")
        .env("LEPTOS_SITE_ROOT", root().join("target/site"))
        .env("LEPTOS_OUTPUT_NAME", "reset");
    if let Some(s) = &pool.secret {
        cmd.env("COGNITO_CLIENT_SECRET", s);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let file = std::fs::File::create(log).unwrap();
    let out = if stdout {
        Stdio::from(file.try_clone().unwrap())
    } else {
        Stdio::null()
    };
    let child = cmd.stdout(out).stderr(Stdio::from(file)).spawn().unwrap();
    for _ in 0..100 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Binary { child, base }
}

/// A response header's value, or "".
pub fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The code page's delivery line with every letter and digit replaced by `x`: its shape.
pub fn visible_delivery_shape(page: &str) -> String {
    let start = page.find("id=\"delivery\"").expect("the delivery line");
    let text = &page[start..];
    let text = &text[text.find('>').unwrap() + 1..text.find("</p>").unwrap()];
    text.chars()
        .map(|c| if c.is_alphanumeric() { 'x' } else { c })
        .collect()
}

/// The value of `user`'s attribute `name` (a custom one the app client cannot read), as an
/// administrator reads it.
pub async fn attribute_of(pool: &Pool, user: &str, name: &str) -> Option<String> {
    let shown = moto_call(
        "AdminGetUser",
        serde_json::json!({"UserPoolId": pool.id, "Username": user}),
    )
    .await;
    shown["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == name)
        .and_then(|a| a["Value"].as_str().map(str::to_string))
}
