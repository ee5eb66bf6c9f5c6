//! The server's integration tests, one binary (the server is linked once): each module drives
//! the app over HTTP against moto (the Cognito emulator) on 127.0.0.1.

mod common;

mod account_security;
mod admin;
mod branding;
mod contact;
mod flows;
mod i18n;
mod link;
mod logs;
mod lost_factor;
mod matrix;
mod mfa;
mod notify;
mod probes;
mod recovery;
mod scale;
mod security;
mod startup;
mod stuck;
mod username;
mod walk;
