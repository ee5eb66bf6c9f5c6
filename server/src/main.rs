//! `server`: runs the app, or (`server admin …`) the operator commands.

use clap::{Parser, Subcommand};

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
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(
            "info,aws_config=warn,aws_smithy_runtime=warn,aws_sdk_cognitoidentityprovider=warn",
        )
    });
    // JSON lines by default (each carries the request span with its id); `LOG_FORMAT=text`
    // for people reading a terminal.
    let json = std::env::var("LOG_FORMAT")
        .map(|v| v != "text")
        .unwrap_or(true);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .init();
    } else {
        builder.compact().init();
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Admin(cmd) => std::process::exit(server::admin::run(cmd).await),
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
    init_logging();
    let addr = settings.listen_addr;
    let options = server::leptos_options(&settings);
    let state = server::build_state(settings, options).await;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            std::process::exit(2);
        }
    };
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(addr = %local, "listening");
    println!("listening on http://{local}");
    if let Err(e) = server::serve(listener, server::router(state)).await {
        eprintln!("server error: {e}");
        std::process::exit(1);
    }
}
