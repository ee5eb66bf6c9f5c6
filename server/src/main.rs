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

/// What keeps the logs and traces flowing: dropped at the end, it flushes both.
struct Telemetry {
    _logs: tracing_appender::non_blocking::WorkerGuard,
    traces: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(p) = self.traces.take() {
            // Sends the spans still queued (the exporter's own thread; bounded by its timeout).
            let _ = p.shutdown();
        }
    }
}

fn filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,aws_config=warn,aws_smithy_runtime=warn,aws_sdk_cognitoidentityprovider=warn",
        )
    })
}

/// The OTLP/HTTP (JSON) exporter to `endpoint` and its provider. Built on a thread of its own:
/// the exporter's blocking HTTP client may not be made (or dropped) inside the async runtime.
fn traces(
    endpoint: &str,
    service: &str,
) -> Result<opentelemetry_sdk::trace::SdkTracerProvider, String> {
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    let url = format!("{endpoint}/v1/traces");
    let service = service.to_string();
    std::thread::spawn(move || {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpJson)
            .with_endpoint(url)
            .with_timeout(std::time::Duration::from_secs(5))
            .build()
            .map_err(|e| e.to_string())?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name(service)
            .build();
        Ok(opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build())
    })
    .join()
    .map_err(|_| "the trace exporter could not be built".to_string())?
}

/// Logs go to stderr through a writer thread, so requests never wait on the write itself;
/// the queue is not lossy (when it is full, callers wait). With `otlp`, every span (the
/// request's, with its `request_id`, and those of the Cognito, SES and Redis calls in it) is
/// also a trace span sent to the collector. Keep the result until the end: it flushes both.
fn init_telemetry(json: bool, otlp: Option<&(String, String)>) -> Result<Telemetry, String> {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, Layer};
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    // JSON lines by default (each carries the request span with its id); `LOG_FORMAT=text`
    // for people reading a terminal (checked with the other settings).
    let logs = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .with_writer(writer)
            .with_filter(filter())
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .compact()
            .with_writer(writer)
            .with_filter(filter())
            .boxed()
    };
    let provider = otlp.map(|(e, s)| traces(e, s)).transpose()?;
    let spans = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("cognito-reset"))
            .with_filter(filter())
            .boxed()
    });
    tracing_subscriber::registry().with(logs).with(spans).init();
    Ok(Telemetry {
        _logs: guard,
        traces: provider,
    })
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
    let logs = match init_telemetry(settings.ops.log_json, settings.ops.otlp.as_ref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}");
            std::process::exit(2);
        }
    };
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
