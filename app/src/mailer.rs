//! Amazon SES (`SendEmail`, API v2): the only module that names SES types.

use std::time::Duration;

use aws_config::{timeout::TimeoutConfig, BehaviorVersion, Region};
use aws_sdk_sesv2::{
    types::{Body, Content, Destination, EmailContent, Message as SesMessage},
    Client,
};

use crate::config::Settings;

/// One email to one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends the app's emails through SES as `NOTIFY_FROM`.
#[derive(Clone, Debug)]
pub struct Mailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl Mailer {
    /// The mailer the settings ask for (security notifications, or the forgotten username's
    /// email), or `None` when neither is on.
    pub async fn from_settings(settings: &Settings) -> Option<Self> {
        let n = &settings.notify;
        if !n.enabled && !settings.flows.forgot_username && settings.flows.mfa_reset.is_none() {
            return None;
        }
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(settings.cognito.region.clone()))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .operation_timeout(Duration::from_secs(10))
                    .build(),
            )
            .load()
            .await;
        let mut config = aws_sdk_sesv2::config::Builder::from(&sdk);
        if let Some(url) = &n.endpoint_url {
            config = config.endpoint_url(url);
        }
        Some(Self::new(
            Client::from_conf(config.build()),
            n.from.clone(),
            n.configuration_set.clone(),
        ))
    }

    /// Wraps an SDK client (tests build one with `aws-smithy-mocks`).
    pub fn new(client: Client, from: String, configuration_set: Option<String>) -> Self {
        Self {
            client,
            from,
            configuration_set,
        }
    }

    /// Sends `email`. The error is the exception's code (or the transport failure), for the log.
    #[tracing::instrument(name = "ses.send_email", skip_all)]
    pub async fn send(&self, email: &Email) -> Result<(), String> {
        let text = |s: &str| Content::builder().data(s).charset("UTF-8").build();
        let (subject, body_text, body_html) =
            match (text(&email.subject), text(&email.text), text(&email.html)) {
                (Ok(a), Ok(b), Ok(c)) => (a, b, c),
                _ => return Err("the message could not be built".into()),
            };
        let message = SesMessage::builder()
            .subject(subject)
            .body(Body::builder().text(body_text).html(body_html).build())
            .build();
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                use aws_sdk_sesv2::error::ProvideErrorMetadata;
                e.code().map(str::to_string).unwrap_or_else(|| {
                    format!(
                        "{}",
                        aws_smithy_types::error::display::DisplayErrorContext(&e)
                    )
                })
            });
        crate::metrics::metrics().email(sent.is_ok());
        sent
    }
}

/// An email's HTML document: `lang` and `dir` of its language, `title` (escaped here), and the
/// body's `inner` HTML, in the style every email of the app shares.
pub fn html_page(lang: &str, dir: &str, title: &str, inner: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;margin:0;padding:24px\">{inner}</body></html>",
        escape_html(title)
    )
}

/// `s` for HTML text and attribute values.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
