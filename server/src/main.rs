//! `server`: runs the app, or (`server admin …`) the operator commands.

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "server",
    version,
    about = "Self-service password reset for an Amazon Cognito user pool"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app (the default).
    Serve,
    /// Help-desk commands for a user of the pool (reset, set or verify, sign out, show).
    #[command(subcommand)]
    Admin(server::admin::AdminCommand),
    /// Exit 0 when the app on LISTEN_ADDR answers /healthz with 200 (the container health check).
    Health,
}

/// Logs go to stderr through a writer thread, so requests never wait on the write itself;
/// the queue is not lossy (when it is full, callers wait). Keep the guard until the end: it
/// flushes what is queued.
fn init_logging(json: bool) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(
            "info,aws_config=warn,aws_smithy_runtime=warn,aws_sdk_cognitoidentityprovider=warn",
        )
    });
    // JSON lines by default (each carries the request span with its id); `LOG_FORMAT=text`
    // for people reading a terminal (checked with the other settings).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        builder
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .init();
    } else {
        builder.compact().init();
    }
    guard
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Admin(cmd) => {
            // Cognito's refusals are logged (operation and exception code, never its message)
            // on standard error, so "the log line above" of an unexpected one is there.
            tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_target(false)
                .without_time()
                .with_env_filter(tracing_subscriber::EnvFilter::new(
                    "warn,aws_config=error,aws_smithy_runtime=error,aws_sdk_cognitoidentityprovider=error",
                ))
                .init();
            std::process::exit(server::admin::run(cmd).await)
        }
        Command::Health => std::process::exit(server::health::run()),
    }
}

async fn serve() {
    let settings = match app::config::Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let logs = init_logging(settings.ops.log_json);
    let addr = settings.http.listen_addr;
    let metrics_addr = settings.ops.metrics_addr;
    let emf = settings.ops.emf.clone();
    let grace = settings.ops.shutdown_grace;
    let conns = server::Connections::from_settings(&settings);
    let options = server::leptos_options(&settings);
    let services = match server::build(settings, options).await {
        Ok(s) => s,
        Err(e) => {
            drop(logs);
            eprintln!("configuration error: {e}");
            std::process::exit(2);
        }
    };
    let listener = bind(addr).await;
    if let Some(ops) = metrics_addr {
        let router: axum::Router = server::ops_router(services.ready.clone());
        let serving = server::serve_until(
            bind(ops).await,
            router,
            std::future::pending(),
            grace,
            conns,
        );
        tracing::info!(addr = %ops, "metrics and readiness listening");
        tokio::spawn(serving);
    }
    if let Some((every, namespace)) = emf {
        tokio::spawn(server::emf_lines(every, namespace));
    }
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(addr = %local, "listening");
    println!("listening on http://{local}");
    let router = server::router(services);
    let stop = server::shutdown_signal();
    match server::serve_until(listener, router, stop, grace, conns).await {
        Ok(()) => {
            tracing::info!("stopped");
            drop(logs);
        }
        Err(e) => {
            drop(logs);
            eprintln!("server error: {e}");
            std::process::exit(1);
        }
    }
}

/// A listener on `addr`, or the process ends with the reason.
async fn bind(addr: std::net::SocketAddr) -> tokio::net::TcpListener {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            // Give the log writer a moment to write what is queued.
            std::thread::sleep(std::time::Duration::from_millis(100));
            eprintln!("cannot listen on {addr}: {e}");
            std::process::exit(2);
        }
    }
}
